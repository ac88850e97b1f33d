"""The backtest's forward moves and summaries, checked by hand on real history.

^RUT is tests/fixtures/yahoo_daily_RUT_index_1987-2026.csv and ^NDX tests/fixtures/stooq_daily_NDX_index_1938_to_
2026-05-01.csv (byte copies of the shared real set, see tests/fixtures/SOURCES.md), Close column of each. The
closes used, as the files have them:

    session      ^RUT close           ^NDX close
    2025-11-13   2382.97998046875     -
    2025-11-14   2388.22998046875     -
    2025-11-26   2486.1201171875      -
    2025-11-28   2500.429931640625    -
    2025-12-10   2559.610107421875    25776.44
    2025-12-11   2590.610107421875    25686.68
    2025-12-12   2551.4599609375      25196.73
    2025-12-15   2530.669921875       25067.27
    2025-12-16   2519.300048828125    25132.94
    2025-12-17   2492.300048828125    24647.61
    2025-12-18   2507.8701171875      25019.37
    2026-02-23   2620.988525390625    24708.94   (the ^RUT file's last row: 49 sessions after 10 December)

Every session of ^RUT in these files is also an ^NDX session, so the joint series is ^RUT's sessions here.
A move is `(X[t+h] / X[t] - 1) * 100`; each figure below is that arithmetic on the table, rounded to 4 places.
"""

from __future__ import annotations

from datetime import date

import pytest

from alerts.backtest import DIRECTIONS, backtest, measure, record
from alerts.rules.engine import replay
from alerts.rules.kinds import MaCross
from alerts.rules.loader import default_rules
from alerts.rules.model import RULE_TYPES
from tests.rules.rulekit import read_points

SPREAD, RECORD = "rotation_spread:^RUT/^NDX:20", "new_high:^RUT:close"
CLOSES = {  # session: (^RUT, ^NDX), copied from the files (the first test checks the copy)
    "2025-11-13": (2382.97998046875, None), "2025-11-14": (2388.22998046875, None),
    "2025-11-26": (2486.1201171875, None), "2025-11-28": (2500.429931640625, None),
    "2025-12-10": (2559.610107421875, 25776.44), "2025-12-11": (2590.610107421875, 25686.68),
    "2025-12-12": (2551.4599609375, 25196.73), "2025-12-15": (2530.669921875, 25067.27),
    "2025-12-16": (2519.300048828125, 25132.94), "2025-12-17": (2492.300048828125, 24647.61),
    "2025-12-18": (2507.8701171875, 25019.37), "2026-02-23": (2620.988525390625, 24708.94),
}


def rut(day: str) -> float:
    return CLOSES[day][0]


def ndx(day: str) -> float:
    return CLOSES[day][1]


def pct(later: float, earlier: float) -> float:
    return (later / earlier - 1) * 100


def approx(value: float):
    return pytest.approx(value, rel=1e-9, abs=1e-9)


@pytest.fixture(scope="module")
def history():
    return {"^RUT": read_points("yahoo_daily_RUT_index_1987-2026.csv"),
            "^NDX": read_points("stooq_daily_NDX_index_1938_to_2026-05-01.csv")}


@pytest.fixture(scope="module")
def december(history):
    """The default rules, 10 to 12 December 2025, horizons 1, 3 and 49 sessions."""
    return backtest(default_rules(), history, date(2025, 12, 10), date(2025, 12, 12), (1, 3, 49))


def test_the_closes_above_are_the_files(history):
    stored = {symbol: {p.date.isoformat(): p.close for p in points} for symbol, points in history.items()}
    for day, (small, large) in CLOSES.items():
        assert stored["^RUT"][day] == small
        assert large is None or stored["^NDX"][day] == large
    sessions = [p.date for p in history["^RUT"]]
    assert sessions[-1] == date(2026, 2, 23)
    assert sessions.index(date(2026, 2, 23)) - sessions.index(date(2025, 12, 10)) == 49
    assert set(sessions) <= {p.date for p in history["^NDX"]}  # the joint series is ^RUT's sessions


def test_the_signals_are_the_replays(december, history):
    assert december.signals == replay(default_rules(), history, date(2025, 12, 10), date(2025, 12, 12))
    assert [(s.trigger, s.rule_id, s.direction) for s in december.signals] == [
        ("2025-12-10", RECORD, None), ("2025-12-11", RECORD, None), ("2025-12-11", SPREAD, "small")]


def test_a_one_symbol_signal_moves_by_its_own_closes(december):
    first, second = december.forward(0), december.forward(1)
    assert first == {"1": {"change": approx(pct(rut("2025-12-11"), rut("2025-12-10")))},  # +1.2111
                     "3": {"change": approx(pct(rut("2025-12-15"), rut("2025-12-10")))},  # -1.1306
                     "49": {"change": approx(pct(rut("2026-02-23"), rut("2025-12-10")))}}  # +2.3980
    assert [round(first[h]["change"], 4) for h in ("1", "3", "49")] == [1.2111, -1.1306, 2.3980]
    # 11 December + 49 sessions is past 23 February 2026, the last stored session: no move.
    assert second == {"1": {"change": approx(pct(rut("2025-12-12"), rut("2025-12-11")))},  # -1.5112
                      "3": {"change": approx(pct(rut("2025-12-16"), rut("2025-12-11")))},  # -2.7526
                      "49": None}


def test_a_spread_signal_moves_by_both_legs_on_the_joint_series(december):
    moved = december.forward(2)  # rotation into small caps on 11 December
    small, large = pct(rut("2025-12-12"), rut("2025-12-11")), pct(ndx("2025-12-12"), ndx("2025-12-11"))
    assert moved["1"] == {"small": approx(small), "large": approx(large), "spread": approx(small - large)}
    assert [round(v, 4) for v in moved["1"].values()] == [-1.5112, -1.9074, 0.3962]
    small, large = pct(rut("2025-12-16"), rut("2025-12-11")), pct(ndx("2025-12-16"), ndx("2025-12-11"))
    assert moved["3"] == {"small": approx(small), "large": approx(large), "spread": approx(small - large)}
    assert [round(v, 4) for v in moved["3"].values()] == [-2.7526, -2.1557, -0.5969]
    assert moved["49"] is None


def test_the_record_summaries_and_their_baseline(december):
    one = december.summary(RECORD, None, 1)
    # Signals: +1.2111 (10 Dec), -1.5112 (11 Dec). Every session 10-12 Dec: those two and 12 -> 15 Dec, -0.8148.
    assert (one.count, one.hits, one.hit_rate) == (2, 1, 0.5)
    assert one.median == one.mean == approx((1.2111219560397846 - 1.511232677283747) / 2)  # -0.1501
    assert (round(one.min, 4), round(one.max, 4)) == (-1.5112, 1.2111)
    assert (one.baseline_count, one.baseline_hit_rate) == (3, pytest.approx(1 / 3))
    assert one.baseline_median == approx(pct(rut("2025-12-15"), rut("2025-12-12")))  # the middle one, -0.8148
    three = december.summary(RECORD, None, 3)
    # Signals: -1.1306, -2.7526, neither a rise. Every session: those and 12 -> 17 Dec, -2.3187.
    assert (three.count, three.hits, three.hit_rate, round(three.median, 4)) == (2, 0, 0.0, -1.9416)
    assert (three.baseline_count, three.baseline_hit_rate) == (3, 0.0)
    assert three.baseline_median == approx(pct(rut("2025-12-17"), rut("2025-12-12")))


def test_the_spread_summaries_and_their_baseline(december):
    one = december.summary(SPREAD, "small", 1)
    assert (one.count, one.hits, one.hit_rate, round(one.median, 4)) == (1, 1, 1.0, 0.3962)
    # Every session 10-12 Dec, spread over the next session: +1.5593 (10 Dec), +0.3962 (11), -0.3010 (12).
    spreads = [pct(rut(b), rut(a)) - pct(ndx(b), ndx(a))
               for a, b in (("2025-12-10", "2025-12-11"), ("2025-12-11", "2025-12-12"), ("2025-12-12", "2025-12-15"))]
    assert [round(s, 4) for s in spreads] == [1.5593, 0.3962, -0.3010]
    assert (one.baseline_count, one.baseline_hit_rate, one.baseline_median) == (3, pytest.approx(2 / 3),
                                                                                approx(spreads[1]))
    three = december.summary(SPREAD, "small", 3)  # one signal, spread -0.5969: a miss
    assert (three.count, three.hits, three.hit_rate, round(three.median, 4)) == (1, 0, 0.0, -0.5969)
    # Over three sessions: +1.6206, -0.5969, -0.1393: one in three above zero, median -0.1393.
    assert (three.baseline_count, three.baseline_hit_rate, round(three.baseline_median, 4)) == (3, pytest.approx(
        1 / 3), -0.1393)
    # No rotation into mega caps in the range: its lines say so, beside a baseline judged its way (spread < 0).
    large = december.summary(SPREAD, "large", 3)
    assert (large.count, large.hits, large.hit_rate, large.median, large.mean, large.min, large.max) == (
        0, 0, None, None, None, None, None)
    assert (large.baseline_count, large.baseline_hit_rate) == (3, pytest.approx(2 / 3))
    assert large.baseline_median == three.baseline_median


def test_a_horizon_past_the_data_is_left_out_of_its_summary(december):
    spread = december.summary(SPREAD, "small", 49)
    assert (spread.count, spread.hit_rate, spread.median) == (0, None, None)
    records = december.summary(RECORD, None, 49)
    assert (records.count, records.hits, round(records.median, 4)) == (1, 1, 2.3980)  # 10 Dec only
    # Only 10 December has a session 49 later: +2.3980 for ^RUT, -4.1414 for ^NDX, spread +6.5393.
    assert (records.baseline_count, round(records.baseline_median, 4)) == (1, 2.3980)
    assert (spread.baseline_count, round(spread.baseline_median, 4), spread.baseline_hit_rate) == (1, 6.5393, 1.0)
    assert december.summary(SPREAD, "large", 49).baseline_hit_rate == 0.0


def test_sessions_after_the_range_serve_as_t_plus_h_but_not_as_baseline(history):
    late = backtest(default_rules(), history, date(2025, 12, 11), date(2025, 12, 11), (3,))
    # The record of 11 Dec (a spread's first session only sets its state: no spread signal from a range this short).
    assert [s.rule_id for s in late.signals] == [RECORD]
    assert late.forward(0)["3"] == {"change": approx(pct(rut("2025-12-16"), rut("2025-12-11")))}
    assert late.summary(RECORD, None, 3).baseline_count == late.summary(SPREAD, "small", 3).baseline_count == 1


def test_a_ratio_cross_is_judged_as_its_two_legs(history):
    """^RUT/^NDX crossing its 5-session average: below on 16 Dec, above on 17 Dec. "below" counts as a hit when
    the spread is < 0, like "large"; "above" when > 0, like "small". Both missed the next session."""
    rule = MaCross("ratio", "^RUT/^NDX", 5)
    result = backtest([rule], history, date(2025, 12, 15), date(2025, 12, 17), (1,))  # 15 Dec sets the side
    assert [(s.trigger, s.direction) for s in result.signals] == [("2025-12-16", "below"), ("2025-12-17", "above")]
    below, above = result.forward(0)["1"], result.forward(1)["1"]
    assert below["small"] == approx(pct(rut("2025-12-17"), rut("2025-12-16")))  # the numerator's move, -1.0717
    assert below["large"] == approx(pct(ndx("2025-12-17"), ndx("2025-12-16")))  # -1.9311
    assert round(below["spread"], 4) == 0.8593 and round(above["spread"], 4) == -0.8836
    assert result.summary("ratio", "below", 1).hit_rate == 0.0  # the small leg led after a cross below
    assert result.summary("ratio", "above", 1).hit_rate == 0.0  # and the large leg after a cross above
    # Every session 15-17 Dec, spread over the next: -0.7113 (15 -> 16 Dec), +0.8593, -0.8836.
    assert round(pct(rut("2025-12-16"), rut("2025-12-15")) - pct(ndx("2025-12-16"), ndx("2025-12-15")), 4) == -0.7113
    assert result.summary("ratio", "below", 1).baseline_hit_rate == pytest.approx(2 / 3)
    assert result.summary("ratio", "above", 1).baseline_hit_rate == pytest.approx(1 / 3)


def test_a_one_symbol_cross_hits_on_a_rise_whichever_way_it_crossed(history):
    """^RUT crossing its 50-session average by 1%: below on 13 Nov, above on 26 Nov 2025; both rose the next
    session (+0.2203 to 14 Nov, +0.5756 to 28 Nov, the day after Thanksgiving)."""
    rule = MaCross("rut-50", "^RUT", 50, 1.0)
    result = backtest([rule], history, date(2025, 11, 10), date(2025, 11, 30), (1,))
    assert [(s.trigger, s.direction) for s in result.signals] == [("2025-11-13", "below"), ("2025-11-26", "above")]
    assert result.forward(0)["1"] == {"change": approx(pct(rut("2025-11-14"), rut("2025-11-13")))}
    assert result.forward(1)["1"] == {"change": approx(pct(rut("2025-11-28"), rut("2025-11-26")))}
    assert result.summary("rut-50", "below", 1).hit_rate == result.summary("rut-50", "above", 1).hit_rate == 1.0


def test_the_record_an_alert_carries(december, history):
    line = record(december, SPREAD, "small", 1)
    assert (line.count, line.hits, round(line.median, 4)) == (1, 1, 0.3962)
    assert line.baseline_hit_rate == pytest.approx(2 / 3)
    everything = backtest(default_rules(), history, date(2025, 11, 1), date(2025, 12, 31), (1,))
    whole = record(everything, RECORD, None, 1)
    last = record(everything, RECORD, None, 1, last=1)  # the latest record, 11 Dec: -1.5112 the next session
    assert (whole.count, last.count, last.hits, round(last.median, 4)) == (3, 1, 0, -1.5112)
    assert last.baseline_hit_rate == whole.baseline_hit_rate
    with pytest.raises(KeyError, match="horizons 1"):
        record(everything, RECORD, None, 20)
    with pytest.raises(ValueError, match="positive"):
        record(everything, RECORD, None, 1, last=0)


def test_every_kind_of_rule_has_its_directions_listed():
    assert set(DIRECTIONS) == set(RULE_TYPES)


def test_signals_of_a_rule_not_given_are_refused(history):
    signals = replay(default_rules(), history, date(2025, 12, 10), date(2025, 12, 12))
    with pytest.raises(ValueError, match="rules not given: new_high"):
        measure(signals, default_rules()[1:], history, date(2025, 12, 10), date(2025, 12, 12), (1,))


def test_two_rules_with_one_id_are_refused(history):
    record_rule = default_rules()[0]
    with pytest.raises(ValueError, match="same id"):
        backtest([record_rule, record_rule], history, date(2025, 12, 10), date(2025, 12, 12), (1,))


def test_a_rule_without_history_has_its_lines_with_nothing_in_them(history):
    from alerts.rules.model import RotationSpread

    rule = RotationSpread("banks", "KRE", "SPY")
    result = backtest([rule], history, date(2025, 12, 1), date(2025, 12, 31), (5,))
    assert result.signals == []
    assert [(s.direction, s.count, s.hit_rate, s.baseline_count, s.baseline_hit_rate) for s in result.summaries] == [
        ("small", 0, None, 0, None), ("large", 0, None, 0, None)]
