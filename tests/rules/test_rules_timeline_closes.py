"""Timelines for the rules judged on closes: record closes and the rotation spread.

Each table is the specification: one session per row, what the rule sees, what it remembers, and what it says.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from alerts.market.calendar import NEW_YORK
from alerts.rules.engine import evaluate_sessions
from alerts.rules.model import NewHigh, Point, RotationSpread
from tests.rules.rulekit import d, points, weekdays

# --- new_high, close basis ---------------------------------------------------------------------------------------

RECORD = NewHigh("new_high:^RUT:close", "^RUT")
BEFORE = [Point(d("2025-10-24"), 2513.47), Point(d("2025-10-27"), 2520.44), Point(d("2025-10-28"), 2506.65)]
RECORD_TIMELINE = [
    # session       close     fires with previous record   record after   since          why
    ("2025-12-03", 2512.14,  None,                         2520.44,       "2025-10-27"),  # history counts: 27 Oct's close is the record to beat
    ("2025-12-04", 2531.16,  2520.44,                      2531.16,       "2025-12-04"),  # above every earlier close: a record, on the first session evaluated
    ("2025-12-05", 2521.48,  None,                         2531.16,       "2025-12-04"),
    ("2025-12-08", 2531.16,  None,                         2531.16,       "2025-12-04"),  # a tie is not a record, and keeps the older date
    ("2025-12-10", 2559.61,  2531.16,                      2559.61,       "2025-12-10"),
    ("2025-12-11", 2590.61,  2559.61,                      2590.61,       "2025-12-11"),  # records on consecutive sessions each fire
]
RECORD_HISTORY = {"^RUT": BEFORE + [Point(d(day), close) for day, close, *_ in RECORD_TIMELINE]}


def test_record_close_timeline():
    state = None
    for day, close, fires, record, since in RECORD_TIMELINE:
        state, signals = evaluate_sessions(RECORD, state, RECORD_HISTORY, [d(day)])
        assert [(e.trigger, e.value, e.threshold) for e in signals] == ([(day, close, fires)] if fires else []), day
        assert state == {"last_session": day, "record": record, "record_date": since}, day
        assert json.loads(json.dumps(state)) == state


def test_a_record_event_says_what_a_trader_needs_and_has_a_stable_key():
    _, signals = evaluate_sessions(RECORD, None, RECORD_HISTORY, [d(day) for day, *_ in RECORD_TIMELINE])
    last = signals[-1]
    assert last.key == "new_high:^RUT:close|^RUT|2025-12-11"
    assert (last.rule_id, last.kind, last.symbol, last.direction) == ("new_high:^RUT:close", "new_high", "^RUT", None)
    assert last.message == ("Russell 2000 (^RUT) closes at a record 2,590.61, above the 2,559.61 record of "
                            "10 Dec 2025")
    assert last.occurred_at == datetime(2025, 12, 11, 16, 0, tzinfo=NEW_YORK)
    assert last.details == {"session": "2025-12-11", "previous_record": 2559.61, "previous_record_date": "2025-12-10"}
    assert json.loads(json.dumps(last.details)) == last.details


def test_an_early_close_is_dated_by_the_callers_calendar():
    early = datetime(2025, 12, 11, 13, 0, tzinfo=NEW_YORK)
    _, signals = evaluate_sessions(RECORD, None, RECORD_HISTORY, [d("2025-12-11")], close_times={d("2025-12-11"): early})
    assert signals[0].occurred_at == early


def test_the_first_close_ever_stored_sets_the_record_without_announcing_it():
    history = {"NEW": [Point(d("2025-12-01"), 10.0), Point(d("2025-12-02"), 11.0)]}
    state, signals = evaluate_sessions(NewHigh("n", "NEW"), None, history, [d("2025-12-01")])
    assert (state["record"], signals) == (10.0, [])
    state, signals = evaluate_sessions(NewHigh("n", "NEW"), state, history, [d("2025-12-02")])
    assert [e.threshold for e in signals] == [10.0]


def test_closes_of_sessions_never_evaluated_still_count_as_earlier_closes():
    # Evaluated on 3 Dec, then not again until 11 Dec: 10 Dec's 2,559.61 is still the record to beat.
    state, _ = evaluate_sessions(RECORD, None, RECORD_HISTORY, [d("2025-12-03")])
    state, signals = evaluate_sessions(RECORD, state, RECORD_HISTORY, [d("2025-12-11")])
    assert [(e.value, e.threshold, e.details["previous_record_date"]) for e in signals] == [
        (2590.61, 2559.61, "2025-12-10")]


def test_a_session_without_a_close_leaves_the_state_alone_so_a_late_bar_is_still_judged():
    state, _ = evaluate_sessions(RECORD, None, RECORD_HISTORY, [d("2025-12-10")])
    missing = {"^RUT": RECORD_HISTORY["^RUT"][:-1]}  # 11 Dec not stored yet
    same, signals = evaluate_sessions(RECORD, state, missing, [d("2025-12-11")])
    assert (same, signals) == (state, [])
    _, signals = evaluate_sessions(RECORD, same, RECORD_HISTORY, [d("2025-12-11")])
    assert [e.trigger for e in signals] == ["2025-12-11"]


def test_sessions_already_evaluated_are_skipped():
    days = [d(day) for day, *_ in RECORD_TIMELINE]
    state, signals = evaluate_sessions(RECORD, None, RECORD_HISTORY, days)
    assert len(signals) == 3
    again, repeated = evaluate_sessions(RECORD, state, RECORD_HISTORY, days)
    assert (again, repeated) == (state, [])


# --- rotation_spread ---------------------------------------------------------------------------------------------

SPREAD = RotationSpread("rotation", "^RUT", "^NDX", window=2)  # upper +5, lower -5, hysteresis 1
SPREAD_TIMELINE = [
    # spread  small armed  large armed  fires     why
    (None,    None,        None,        None),    # no spread yet: it needs the close of 2 joint sessions back
    (None,    None,        None,        None),
    (5.5,     False,       True,        None),    # the first value only sets the state: already past +5 is not news
    (5.2,     False,       True,        None),
    (4.5,     False,       True,        None),    # under +5 but not under +4 (upper - hysteresis): not re-armed
    (3.9,     True,        True,        None),    # under +4: re-armed
    (5.1,     False,       True,        "small"), # reaches +5: rotation into small caps
    (6.0,     False,       True,        None),    # further on: no repeat
    (-5.2,    True,        False,       "large"), # rotation into mega caps (and small caps re-armed on the way)
    (-4.5,    True,        False,       None),    # within a point of -5: not re-armed
    (-3.9,    True,        True,        None),    # over -4: re-armed
    (-6.0,    True,        False,       "large"), # the next crossing is news again
    (0.0,     True,        True,        None),
]


def legs(spreads: list[float | None], window: int) -> dict[str, list[Point]]:
    """^NDX flat at 100 and ^RUT moved so that each session's spread is the one asked for."""
    days = weekdays(d("2025-11-03"), len(spreads))
    small = []
    for i, spread in enumerate(spreads):
        small.append(100.0 if spread is None else small[i - window] * (1 + spread / 100))
    return {"^RUT": points(days, small), "^NDX": points(days, [100.0] * len(days))}


def test_rotation_spread_timeline():
    history = legs([row[0] for row in SPREAD_TIMELINE], SPREAD.window)
    state = None
    for day, (spread, small_armed, large_armed, fires) in zip([p.date for p in history["^RUT"]], SPREAD_TIMELINE):
        state, signals = evaluate_sessions(SPREAD, state, history, [day])
        assert [e.direction for e in signals] == ([fires] if fires else []), day
        if spread is None:
            assert state == {}, day  # no value: nothing learned, nothing remembered
            continue
        assert (state["small_armed"], state["large_armed"]) == (small_armed, large_armed), day
        assert state["spread"] == pytest.approx(spread) and state["last_session"] == day.isoformat()


def test_a_rotation_event_names_the_pair_the_window_and_the_line():
    history = legs([row[0] for row in SPREAD_TIMELINE], SPREAD.window)
    _, signals = evaluate_sessions(SPREAD, None, history, [p.date for p in history["^RUT"]])
    into_small, into_mega, again = signals
    assert into_small.key == "rotation|^RUT/^NDX|2025-11-11"
    assert (into_small.symbol, into_small.trigger, into_small.threshold) == ("^RUT/^NDX", "2025-11-11", 5.0)
    assert into_small.message == "Rotation into small caps: ^RUT/^NDX 2-session spread +5.10% crossed +5.00%"
    assert into_mega.message == "Rotation into mega caps: ^RUT/^NDX 2-session spread -5.20% crossed -5.00%"
    assert into_mega.threshold == -5.0 and again.trigger == "2025-11-18"


def test_reaching_a_line_exactly_fires_and_sitting_on_the_rearm_line_does_not_rearm():
    # ^NDX at 64 and these ^RUT closes make every spread exact in binary (12.5 is 72/64, 6.25 is 76.5/72).
    rule = RotationSpread("r", "^RUT", "^NDX", window=1, upper=12.5, lower=-12.5, hysteresis=6.25)
    rows = [
        # ^RUT      spread   fires
        (64.0,      None,    None),     # no session before: no value
        (64.0,      0.0,     None),     # first value: both sides armed
        (72.0,      12.5,    "small"),  # exactly +12.5 reaches the line
        (76.5,      6.25,    None),     # exactly upper - hysteresis is not below it: still disarmed
        (76.5,      0.0,     None),     # below it: re-armed
        (86.0625,   12.5,    "small"),  # so the next touch fires
        (75.3046875, -12.5,  "large"),  # exactly -12.5 reaches the lower line
    ]
    days = weekdays(d("2025-11-03"), len(rows))
    history = {"^RUT": points(days, [row[0] for row in rows]), "^NDX": points(days, [64.0] * len(rows))}
    state = None
    for day, (_, spread, fires) in zip(days, rows):
        state, signals = evaluate_sessions(rule, state, history, [day])
        assert state.get("spread") == spread and [e.direction for e in signals] == ([fires] if fires else []), day


def test_the_window_counts_sessions_where_both_legs_closed():
    days = weekdays(d("2025-12-01"), 4)
    rule = RotationSpread("r", "^RUT", "^NDX", window=2)
    history = {
        "^RUT": points(days, [100.0, 999.0, 100.0, 110.0]),
        "^NDX": points([days[0], days[2], days[3]], [100.0, 100.0, 100.0]),  # no ^NDX close on day 2
    }
    state, signals = evaluate_sessions(rule, None, history, days)
    # Joint sessions are days 0, 2, 3: day 3 looks back two of them, to day 0 (not to day 1's lone 999).
    assert state["spread"] == pytest.approx(10.0) and state["last_session"] == days[3].isoformat()
    state, _ = evaluate_sessions(rule, None, history, days[:3])
    assert state == {}  # day 1 has one leg only, day 2 has only one joint session before it: no value yet

