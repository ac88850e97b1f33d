"""Timelines for the rules judged on every price: above, below, move, 52-week high and low, intraday record.

Each table is the specification: one tick per row (session, New York time, price), what the rule remembers after
it, and what it says. The same rules judged on closes (replay) follow at the end.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from alerts.market.calendar import NEW_YORK
from alerts.rules.engine import evaluate_sessions, evaluate_tick
from alerts.rules.lines import REARM_BAND_PCT
from alerts.rules.model import Above, Below, High52w, Low52w, Move, NewHigh, Point, RotationSpread, Tick
from tests.rules.rulekit import d, points, tick, weekdays

D1, D2, D3 = d("2025-12-10"), d("2025-12-11"), d("2025-12-12")


def run(rule, rows, history=None, remembered=lambda state: state.get("armed")):
    """Feed each row's tick, carrying the state; check what is remembered and what fires."""
    state = None
    fired = []
    for day, clock, price, previous_close, expect_remembered, expect_fires in rows:
        state, signals = evaluate_tick(rule, state, tick(rule.symbol, day, clock, price, previous_close), history or {})
        assert remembered(state) == expect_remembered, (day, clock, price)
        assert [e.direction or "record" for e in signals] == ([expect_fires] if expect_fires else []), (day, clock, price)
        assert json.loads(json.dumps(state)) == state
        fired += signals
    return state, fired


# --- above / below -----------------------------------------------------------------------------------------------

def test_the_rearm_band_is_a_quarter_percent():
    assert REARM_BAND_PCT == 0.25


ABOVE = Above("above:AAPL:150", "AAPL", 150.0)
ABOVE_TIMELINE = [
    # session time     price   prev   armed  fires     why
    (D1, "09:31", 149.00, None, True,  None),     # the first observation only learns the side: under, so armed
    (D1, "09:32", 150.00, None, True,  None),     # at the line is not above it
    (D1, "09:33", 150.01, None, False, "above"),  # the crossing up through 150: the alert
    (D1, "09:34", 152.00, None, False, None),     # still above: one alert per crossing, not one per poll
    (D1, "09:35", 149.70, None, False, None),     # back under but within 0.25% of the line (149.625): not re-armed
    (D1, "09:36", 149.60, None, True,  None),     # 0.25% under: re-armed
    (D1, "09:37", 150.50, None, False, None),     # a second crossing the same session is used up, not announced
    (D2, "09:31", 149.00, None, True,  None),
    (D2, "09:32", 151.00, None, False, "above"),  # the next session's crossing is news
]


def test_above_timeline():
    _, fired = run(ABOVE, ABOVE_TIMELINE)
    first = fired[0]
    assert first.key == "above:AAPL:150|AAPL|2025-12-10:above:150"
    assert (first.trigger, first.value, first.threshold) == ("2025-12-10:above:150", 150.01, 150.0)
    assert first.message == "AAPL at 150.01, up through the 150.00 line"
    assert first.occurred_at == datetime(2025, 12, 10, 9, 33, tzinfo=NEW_YORK)


def test_above_when_first_seen_above_the_line():
    run(ABOVE, [
        (D1, "09:31", 151.00, None, False, None),     # already above when watching starts: not a crossing
        (D1, "09:32", 149.50, None, True,  None),     # under the band: armed
        (D1, "09:33", 150.20, None, False, "above"),
    ])


BELOW = Below("below:KRE:50", "KRE", 50.0)
BELOW_TIMELINE = [
    # session time     price   prev   armed  fires     why
    (D1, "09:31", 50.00, None, True,  None),      # at the line counts as not below it: armed
    (D1, "09:32", 49.99, None, False, "below"),   # the crossing down through 50
    (D1, "09:33", 48.00, None, False, None),
    (D1, "09:34", 50.10, None, False, None),      # back over, within 0.25% (50.125): not re-armed
    (D1, "09:35", 50.13, None, True,  None),      # re-armed
    (D2, "09:31", 49.00, None, False, "below"),
]


def test_below_timeline():
    _, fired = run(BELOW, BELOW_TIMELINE)
    assert fired[0].message == "KRE at 49.99, down through the 50.00 line"
    assert fired[1].key == "below:KRE:50|KRE|2025-12-11:below:50"


COOLING = Above("above:AAPL:150", "AAPL", 150.0, cooldown_seconds=86_400)
COOLING_TIMELINE = [
    # session time     price   prev   armed  fires     why
    (D1, "10:00", 149.00, None, True,  None),
    (D1, "10:01", 151.00, None, False, "above"),
    (D1, "11:00", 149.00, None, True,  None),     # re-armed...
    (D2, "09:45", 151.00, None, False, None),     # ...but 23h44m after the alert: in the cooldown, used up silently
    (D2, "10:00", 149.00, None, True,  None),
    (D2, "10:01", 151.00, None, False, "above"),  # exactly 24 h after: the cooldown is over
]


def test_above_with_a_cooldown():
    run(COOLING, COOLING_TIMELINE)


# --- move --------------------------------------------------------------------------------------------------------

MOVE = Move("move:KRE:3", "KRE", 3.0)


def told(state):
    return state.get("up"), state.get("down")


MOVE_TIMELINE = [
    # session time     price   prev    told (up, down) on         fires   why
    (D1, "09:31", 102.00, 100.0, (None, None),               None),   # +2%: inside ±3%
    (D1, "09:32", 103.10, 100.0, ("2025-12-10", None),       "up"),   # +3.1%: past 3%
    (D1, "09:33", 104.00, 100.0, ("2025-12-10", None),       None),   # still up: once per session and direction
    (D1, "09:34", 96.90,  100.0, ("2025-12-10", "2025-12-10"), "down"),  # -3.1%: the other direction is news too
    (D1, "09:35", 96.00,  100.0, ("2025-12-10", "2025-12-10"), None),
    (D2, "09:31", 99.00,  96.0,  ("2025-12-11", "2025-12-10"), "up"),   # a new session re-arms: +3.1% on 96
    (D2, "09:32", 110.00, None,  ("2025-12-11", "2025-12-10"), None),   # no previous close: nothing to measure
]


def test_move_timeline():
    _, fired = run(MOVE, MOVE_TIMELINE, remembered=told)
    up = fired[0]
    assert (up.key, up.value, up.threshold) == ("move:KRE:3|KRE|2025-12-10:up:3", pytest.approx(3.1), 3.0)
    assert up.message == "KRE is up 3.10% on the day at 103.10, past ±3% (previous close 100.00)"
    assert (fired[1].direction, fired[1].threshold) == ("down", -3.0)


def test_a_move_of_exactly_pct_fires():
    # 66 / 64 is exactly +3.125% in binary.
    run(Move("m", "KRE", 3.125), [(D1, "09:31", 66.0, 64.0, ("2025-12-10", None), "up")], remembered=told)


def test_move_with_a_cooldown_holds_news_until_it_ends():
    run(Move("m", "KRE", 3.0, cooldown_seconds=7_200), [
        (D1, "10:00", 103.50, 100.0, ("2025-12-10", None), "up"),
        (D1, "10:30", 96.50,  100.0, ("2025-12-10", None), None),          # down 3.5% within 2 h: held back
        (D1, "12:00", 96.00,  100.0, ("2025-12-10", "2025-12-10"), "down"),  # cooldown over, still down: told now
    ], remembered=told)


# --- 52-week high and low ----------------------------------------------------------------------------------------

def year_history() -> dict[str, list[Point]]:
    """ZION: 200 more than 252 sessions back (outside the year), 150 and 60 inside it, 100 otherwise.
    D1's own close (155) is stored too: a tick never compares with its own session."""
    days = weekdays(d("2024-11-01"), 300)
    days = [day for day in days if day < D1][-260:]
    closes = [100.0] * len(days)
    closes[0], closes[100], closes[150] = 200.0, 150.0, 60.0
    return {"ZION": points(days + [D1], closes + [155.0])}


def fired_on(state):
    return state.get("fired_session")


YEAR_HIGH_TIMELINE = [
    # session time     price   prev  told on        fires   why
    (D1, "09:31", 149.00, None, None,          None),    # under the year's best close (150)
    (D1, "09:32", 150.00, None, None,          None),    # equal is not above
    (D1, "09:33", 151.00, None, "2025-12-10",  "high"),  # above every close of the previous 252 sessions (200 is older)
    (D1, "09:34", 160.00, None, "2025-12-10",  None),    # at most once per session
    (D2, "09:31", 154.00, None, "2025-12-10",  None),    # D1's close of 155 is now in the year
    (D2, "09:32", 156.00, None, "2025-12-11",  "high"),
]


def test_52_week_high_timeline():
    _, fired = run(High52w("high_52w:ZION", "ZION"), YEAR_HIGH_TIMELINE, year_history(), remembered=fired_on)
    assert fired[0].key == "high_52w:ZION|ZION|2025-12-10:high"
    assert fired[0].threshold == 150.0
    assert fired[0].message.startswith("ZION at 151.00, a 52-week high: above the 150.00 close of ")


YEAR_LOW_TIMELINE = [
    (D1, "09:31", 60.00, None, None,          None),   # equal to the year's lowest close is not below it
    (D1, "09:32", 59.00, None, "2025-12-10",  "low"),
    (D1, "09:33", 50.00, None, "2025-12-10",  None),
    (D2, "09:31", 58.00, None, "2025-12-11",  "low"),  # a new session, still under 60
]


def test_52_week_low_timeline():
    _, fired = run(Low52w("low_52w:ZION", "ZION"), YEAR_LOW_TIMELINE, year_history(), remembered=fired_on)
    assert fired[0].message.startswith("ZION at 59.00, a 52-week low: below the 60.00 close of ")


def test_a_52_week_extreme_needs_an_earlier_session():
    state, signals = evaluate_tick(High52w("h", "NEW"), None, tick("NEW", D1, "10:00", 10.0), {})
    assert (state, signals) == ({}, [])


# --- new_high, intraday basis ------------------------------------------------------------------------------------

def rut_highs() -> dict[str, list[Point]]:
    """^RUT's real closes and highs of 10-12 Dec 2025 (12 Dec stored, as after its close)."""
    return {"^RUT": [Point(d("2025-12-10"), 2559.61, 2576.31), Point(d("2025-12-11"), 2590.61, 2593.89),
                     Point(d("2025-12-12"), 2551.46, 2595.98)]}


INTRADAY_TIMELINE = [
    # session       time     price     prev  told on        fires     why
    (D3,             "09:31", 2593.00, None, None,          None),     # under 11 Dec's high of 2,593.89
    (D3,             "09:45", 2594.00, None, "2025-12-12",  "record"), # above every earlier high
    (D3,             "10:00", 2595.98, None, "2025-12-12",  None),     # higher still: once per session
    (d("2025-12-15"), "09:31", 2595.00, None, "2025-12-12", None),     # 12 Dec's stored high of 2,595.98 now counts
    (d("2025-12-15"), "09:32", 2596.00, None, "2025-12-15", "record"),
]


def test_intraday_record_timeline():
    _, fired = run(NewHigh("new_high:^RUT:intraday", "^RUT", "intraday"), INTRADAY_TIMELINE, rut_highs(),
                   remembered=fired_on)
    assert [(e.trigger, e.value, e.threshold, e.direction) for e in fired] == [
        ("2025-12-12:record", 2594.00, 2593.89, None), ("2025-12-15:record", 2596.00, 2595.98, None)]
    assert fired[0].key == "new_high:^RUT:intraday|^RUT|2025-12-12:record"
    assert fired[0].message == "Russell 2000 (^RUT) at a record 2,594.00 intraday, above the 2,593.89 high of 11 Dec 2025"


# --- the same rules judged on closes (replay) --------------------------------------------------------------------

def test_subscriptions_on_closes_take_each_close_as_a_tick_at_the_close():
    days = weekdays(d("2025-12-08"), 5)
    history = {"AAPL": points(days, [149.0, 151.0, 152.0, 149.5, 151.0])}
    state, signals = evaluate_sessions(ABOVE, None, history, days)
    assert [(e.trigger, e.occurred_at) for e in signals] == [
        ("2025-12-09:above:150", datetime(2025, 12, 9, 16, tzinfo=NEW_YORK)),
        ("2025-12-12:above:150", datetime(2025, 12, 12, 16, tzinfo=NEW_YORK)),
    ]
    assert signals[0].message == "AAPL closes at 151.00, up through the 150.00 line"
    assert state["last_session"] == "2025-12-12"


def test_a_live_alert_and_the_replay_of_its_day_have_the_same_key():
    history = {"AAPL": points([D1, D2], [149.0, 151.0])}
    state, _ = evaluate_tick(ABOVE, None, tick("AAPL", D2, "09:31", 149.5), history)
    _, live = evaluate_tick(ABOVE, state, tick("AAPL", D2, "11:00", 150.5), history)
    _, replayed = evaluate_sessions(ABOVE, None, history, [D1, D2])
    assert [e.key for e in live] == [e.key for e in replayed] == ["above:AAPL:150|AAPL|2025-12-11:above:150"]


def test_after_a_live_alert_the_close_of_the_same_session_adds_nothing():
    history = {"KRE": points([D1, D2], [100.0, 104.0])}
    state, live = evaluate_tick(MOVE, None, tick("KRE", D2, "11:00", 103.5, 100.0), history)
    state, at_close = evaluate_sessions(MOVE, state, history, [D2])
    assert [e.direction for e in live] == ["up"] and at_close == [] and state["last_session"] == "2025-12-11"


def test_moves_on_closes_compare_with_the_previous_stored_close():
    days = weekdays(d("2025-12-08"), 4)
    history = {"KRE": points(days, [100.0, 104.0, 100.0, 100.5])}
    _, signals = evaluate_sessions(MOVE, None, history, days)
    assert [(e.trigger, e.value) for e in signals] == [
        ("2025-12-09:up:3", pytest.approx(4.0)), ("2025-12-10:down:3", pytest.approx(-3.846, abs=1e-3))]
    assert signals[0].message == "KRE closes up 4.00% on the day at 104.00, past ±3% (previous close 100.00)"


def test_intraday_records_on_closes_use_each_sessions_high():
    _, signals = evaluate_sessions(NewHigh("r", "^RUT", "intraday"), None, rut_highs(), [D2, D3])
    assert [(e.trigger, e.value, e.threshold) for e in signals] == [
        ("2025-12-11:record", 2593.89, 2576.31), ("2025-12-12:record", 2595.98, 2593.89)]
    assert signals[1].message == ("Russell 2000 (^RUT) reached a record 2,595.98 intraday, above the 2,593.89 high "
                                 "of 11 Dec 2025")


def test_52_week_extremes_on_closes():
    history = year_history()
    _, signals = evaluate_sessions(High52w("h", "ZION"), None, history, [D1])
    assert [(e.trigger, e.value, e.threshold) for e in signals] == [("2025-12-10:high", 155.0, 150.0)]
    assert signals[0].message.startswith("ZION closes at 155.00, a 52-week high")


def test_close_only_rules_refuse_ticks_and_ticks_must_match_the_symbol():
    with pytest.raises(ValueError, match="judged on session closes"):
        evaluate_tick(NewHigh("n", "^RUT"), None, tick("^RUT", D1, "10:00", 1.0), {})
    with pytest.raises(ValueError, match="judged on session closes"):
        evaluate_tick(RotationSpread("r", "^RUT", "^NDX"), None, tick("^RUT", D1, "10:00", 1.0), {})
    with pytest.raises(ValueError, match="watches AAPL, not KRE"):
        evaluate_tick(ABOVE, None, tick("KRE", D1, "10:00", 1.0), {})


def test_a_tick_is_aware_and_priced():
    with pytest.raises(ValueError, match="aware"):
        Tick("AAPL", 1.0, datetime(2025, 12, 10, 10), D1, None)
    for bad in (float("nan"), 0.0, -1.0, float("inf")):
        with pytest.raises(ValueError, match="positive finite"):
            tick("AAPL", D1, "10:00", bad)
