"""A line reached exactly is reached, on every path the engine has: prices that sit on a line to the cent must not
fall short of it (or pass it) by a float's last bit.

The four paths: evaluate_tick (one rule, one tick), evaluate_ticks with a RuleSet (the indexed poll, which skips
rules before judging them), evaluate_ticks with a plain list, and evaluate_sessions / replay (each close as a
tick at the close; the record and the spread on closes only). Each case runs on every path that judges its rule.
"""

from __future__ import annotations

from datetime import date

import pytest

from alerts.rules.batch import RuleSet
from alerts.rules.engine import evaluate_sessions, evaluate_tick, evaluate_ticks, replay
from alerts.rules.model import Above, Below, High52w, Low52w, Move, NewHigh, RotationSpread
from tests.rules.rulekit import points, tick, weekdays

DAYS = weekdays(date(2025, 12, 1), 400)
TICK_PATHS = ("evaluate_tick", "RuleSet", "list")


def on_tick_path(path: str, rule, ticks, history) -> list[list[str]]:
    """The directions each tick fires, one path, the state carried from tick to tick."""
    state, fired = None, []
    for t in ticks:
        if path == "evaluate_tick":
            state, signals = evaluate_tick(rule, state, t, history)
        else:
            rules = RuleSet([rule]) if path == "RuleSet" else [rule]
            changed, signals = evaluate_ticks(rules, {rule.id: state} if state is not None else {}, {t.symbol: t},
                                             history)
            state = changed.get(rule.id, state)
        fired.append([e.direction or "record" for e in signals])
    return fired


def on_closes(rule, history, days) -> list[list[str]]:
    """The directions each session fires, judged on closes day by day; replay must say the same in one go."""
    state, fired = None, []
    for day in days:
        state, signals = evaluate_sessions(rule, state, history, [day])
        fired.append([e.direction or "record" for e in signals])
    replayed = replay([rule], history, days[0], days[-1])
    assert [e.direction or "record" for e in replayed] == [d for day in fired for d in day]
    return fired


# --- the day's move: 41.50 to 45.65 is +10.00% exactly; in floats, 9.999999999999986 ----------------------------

@pytest.mark.parametrize("path", TICK_PATHS)
def test_an_exact_ten_percent_day_reaches_a_ten_percent_move_on_ticks(path):
    rule = Move("m", "KRE", 10.0)
    ticks = [tick("KRE", DAYS[1], "10:00", 45.65, 41.50),   # +10.00%
             tick("KRE", DAYS[2], "10:00", 37.35, 41.50)]   # -10.00% (in floats -9.999999999999998)
    assert on_tick_path(path, rule, ticks, {}) == [["up"], ["down"]]


def test_an_exact_ten_percent_day_reaches_a_ten_percent_move_on_closes():
    history = {"KRE": points(DAYS[:3], [41.50, 45.65, 41.085])}  # +10.00%, then -10.00%
    assert on_closes(Move("m", "KRE", 10.0), history, DAYS[:3]) == [[], ["up"], ["down"]]


def test_the_event_of_an_exact_move_says_what_it_reached():
    _, (signal,) = evaluate_tick(Move("m", "KRE", 10.0), None, tick("KRE", DAYS[1], "10:00", 45.65, 41.50), {})
    assert (signal.value, signal.threshold) == (10.0, 10.0)
    assert signal.message == "KRE is up 10.00% on the day at 45.65, past ±10% (previous close 41.50)"


# --- above / below: the re-arm band's edge, and a price that is the line to every decimal ------------------------

@pytest.mark.parametrize("path", TICK_PATHS)
def test_a_price_exactly_on_the_rearm_band_rearms(path):
    # 8.20 * (1 - 0.25%) is 8.1795 exactly; in floats 8.179499999999999, so 8.1795 looked short of the band.
    above = [tick("X", DAYS[1], "10:00", 8.00, None), tick("X", DAYS[1], "10:01", 8.21, None),
             tick("X", DAYS[1], "10:02", 8.1795, None), tick("X", DAYS[2], "10:00", 8.21, None)]
    assert on_tick_path(path, Above("a", "X", 8.20), above, {}) == [[], ["above"], [], ["above"]]
    # 4.40 * (1 + 0.25%) is 4.411 exactly; in floats 4.4110000000000005.
    below = [tick("X", DAYS[1], "10:00", 4.50, None), tick("X", DAYS[1], "10:01", 4.39, None),
             tick("X", DAYS[1], "10:02", 4.411, None), tick("X", DAYS[2], "10:00", 4.39, None)]
    assert on_tick_path(path, Below("b", "X", 4.40), below, {}) == [[], ["below"], [], ["below"]]


def test_a_price_exactly_on_the_rearm_band_rearms_on_closes():
    history = {"X": points(DAYS[:4], [8.00, 8.21, 8.1795, 8.21])}
    assert on_closes(Above("a", "X", 8.20), history, DAYS[:4]) == [[], ["above"], [], ["above"]]


@pytest.mark.parametrize("path", TICK_PATHS)
def test_a_price_that_is_the_line_to_every_decimal_is_at_the_line(path):
    hair = 41.50 * 1.1  # 45.650000000000006: 45.65 to every decimal a quote carries
    ticks = [tick("X", DAYS[1], "10:00", 45.00, None), tick("X", DAYS[1], "10:01", hair, None)]
    assert on_tick_path(path, Above("a", "X", 45.65), ticks, {}) == [[], []]


# --- 52-week high and record: equal on the grid is not beyond ----------------------------------------------------

@pytest.mark.parametrize("path", TICK_PATHS)
def test_a_tick_that_ties_the_years_high_to_every_decimal_is_no_new_high(path):
    history = {"X": points(DAYS[:5], [40.00, 45.65, 41.50, 42.00, 43.00])}
    hair = 41.50 * 1.1
    for rule in (High52w("h", "X"), NewHigh("r", "X", "intraday")):
        assert on_tick_path(path, rule, [tick("X", DAYS[5], "10:00", hair, None)], history) == [[]]


def test_a_close_that_ties_the_year_and_the_record_to_every_decimal_is_neither():
    history = {"X": points(DAYS[:4], [40.00, 45.65, 41.50, 41.50 * 1.1])}
    for rule in (High52w("h", "X"), NewHigh("r", "X", "intraday"), NewHigh("c", "X", "close")):
        assert on_closes(rule, history, DAYS[:4]) == [[], ["record"] if rule.kind == "new_high" else ["high"], [], []]


@pytest.mark.parametrize("path", TICK_PATHS)
def test_a_tick_that_ties_the_years_low_to_every_decimal_is_no_new_low(path):
    history = {"X": points(DAYS[:3], [9.00, 8.1795, 8.50])}
    hair = 8.20 * 0.9975  # 8.179499999999999
    assert on_tick_path(path, Low52w("l", "X"), [tick("X", DAYS[3], "10:00", hair, None)], history) == [[]]


# --- the rotation spread: its lines and its re-arm lines, reached exactly ------------------------------------------

def spread_run(small: list[float], **lines) -> list[list[str]]:
    """^NDX flat at 100.00, ^RUT as given, a 1-session window: each session's spread is ^RUT's own day."""
    rule = RotationSpread("s", "^RUT", "^NDX", window=1, **lines)
    days = DAYS[:len(small)]
    return on_closes(rule, {"^RUT": points(days, small), "^NDX": points(days, [100.00] * len(days))}, days)


def test_a_spread_of_exactly_the_upper_line_fires():
    # 20.00 to 21.00 is +5.00% (in floats 4.999999999999982).
    assert spread_run([20.00, 20.00, 21.00]) == [[], [], ["small"]]


def test_a_spread_of_exactly_the_lower_line_fires():
    # 27.40 to 26.03 is -5.00% (in floats -4.999999999999982).
    assert spread_run([27.40, 27.40, 26.03]) == [[], [], ["large"]]


def test_a_spread_of_exactly_the_rearm_line_does_not_rearm():
    # Fired at +10%, then exactly +4.00% (upper - hysteresis; in floats 3.9999999999999813) is not below the
    # re-arm line, so the +5.02% after it is no new rotation.
    assert spread_run([35.00, 35.00, 38.50, 40.04, 42.05]) == [[], [], ["small"], [], []]


def test_a_spread_of_exactly_the_lower_rearm_line_does_not_rearm():
    # Fired at -10%, then exactly -4.00% (lower + hysteresis; in floats -3.9999999999999925) is not above it.
    assert spread_run([32.50, 32.50, 29.25, 28.08, 26.67]) == [[], [], ["large"], [], []]
