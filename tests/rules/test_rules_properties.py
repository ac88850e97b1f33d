"""Properties over any price path: no alert repeats without re-arming, replay is the day-by-day engine, and
judging the same sessions twice says nothing new."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.rules.engine import evaluate_sessions, evaluate_tick, replay
from alerts.rules.model import (Above, Below, FomcDecision, High52w, Low52w, Move, NewHigh, Point, RotationSpread)
from tests.rules.rulekit import tick, weekdays

FIRST = date(2025, 1, 6)
SMALL, LARGE = "^RUT", "^NDX"
# Prices on a cent grid near 100, so paths touch lines, tie records and sit inside re-arm bands often.
PRICE = st.integers(9_700, 10_300).map(lambda cents: cents / 100)
MOVES = st.lists(st.integers(-250, 250), min_size=2, max_size=70)  # daily moves in basis points
SETTINGS = settings(max_examples=60, deadline=None)


def path(moves: list[int], start: float = 100.0) -> list[float]:
    prices, price = [], start
    for bp in moves:
        price = round(price * (1 + bp / 10_000), 2)
        prices.append(price)
    return prices


@st.composite
def worlds(draw):
    """Two legs over the same weekdays; ^NDX skips a few sessions; highs a little above closes."""
    small = draw(MOVES)
    large = draw(st.lists(st.integers(-250, 250), min_size=len(small), max_size=len(small)))
    skip = draw(st.lists(st.booleans(), min_size=len(small), max_size=len(small)))
    lift = draw(st.lists(st.integers(0, 150), min_size=len(small), max_size=len(small)))
    days = weekdays(FIRST, len(small))
    history = {
        SMALL: [Point(day, close, round(close * (1 + up / 10_000), 2))
                for day, close, up in zip(days, path(small), lift)],
        LARGE: [Point(day, close) for day, close, gone in zip(days, path(large), skip) if not gone],
    }
    start = draw(st.integers(0, len(days) - 1))
    return history, days, start


RULES = [
    NewHigh("record", SMALL),
    NewHigh("intraday", SMALL, "intraday"),
    RotationSpread("spread", SMALL, LARGE, window=3, upper=1.0, lower=-1.0, hysteresis=0.25),
    Above("above", SMALL, 100.0),
    Below("below", SMALL, 100.0),
    Move("move", SMALL, 1.5),
    High52w("high", SMALL),
    Low52w("low", SMALL),
    FomcDecision("fomc"),
]


def day_by_day(rules, history, sessions):
    states: dict[str, dict | None] = {}
    events = []
    for day in sessions:
        for rule in rules:
            if rule.kind.startswith("fomc"):
                continue
            states[rule.id], fired = evaluate_sessions(rule, states.get(rule.id), history, [day])
            events += fired
    return states, events


@SETTINGS
@given(worlds())
def test_replay_is_the_day_by_day_engine_with_state_carried(world):
    history, days, start = world
    replayed = replay(RULES, history, days[start], days[-1])
    _, by_day = day_by_day(RULES, history, days[start:])
    assert replayed == by_day  # same events, same keys, same order
    assert len({e.key for e in replayed}) == len(replayed)


@SETTINGS
@given(worlds(), st.data())
def test_judging_the_same_sessions_again_says_nothing_new(world, data):
    history, days, start = world
    sessions = days[start:]
    split = data.draw(st.integers(0, len(sessions)))
    for rule in RULES:
        state, events = evaluate_sessions(rule, None, history, sessions)
        assert json.loads(json.dumps(state)) == state
        again, repeated = evaluate_sessions(rule, state, history, sessions)
        assert (again, repeated) == (state, [])
        # In two calls, overlapping, the same as in one.
        first, early = evaluate_sessions(rule, None, history, sessions[:split])
        second, late = evaluate_sessions(rule, first, history, sessions)
        assert (second, early + late) == (state, events)


@SETTINGS
@given(worlds())
def test_a_record_close_is_above_every_earlier_close_and_every_such_close_is_announced(world):
    history, days, start = world
    _, events = evaluate_sessions(NewHigh("record", SMALL), None, history, days[start:])
    closes = {p.date.isoformat(): p.close for p in history[SMALL]}
    expected = []
    for i, point in enumerate(history[SMALL]):
        earlier = [p.close for p in history[SMALL][:i]]
        if point.date >= days[start] and earlier and point.close > max(earlier):
            expected.append((point.date.isoformat(), max(earlier)))
    assert [(e.trigger, e.threshold) for e in events] == expected
    assert all(e.value == closes[e.trigger] for e in events)


@SETTINGS
@given(worlds(), st.floats(0.5, 4.0), st.floats(0.0, 1.5))
def test_the_spread_never_fires_twice_one_way_without_retreating_past_the_hysteresis(world, line, hysteresis):
    history, days, start = world
    rule = RotationSpread("s", SMALL, LARGE, window=2, upper=line, lower=-line, hysteresis=min(hysteresis, line))
    state, seen = None, []  # (spread, fired direction) for each session that had a value
    for day in days[start:]:
        before = state
        state, events = evaluate_sessions(rule, state, history, [day])
        if state.get("last_session") == day.isoformat():
            seen.append((state["spread"], events[0].direction if events else None))
        else:
            assert (state or None, events) == (before or None, [])  # no value: nothing changes
    if seen:
        assert seen[0][1] is None  # the first value only sets the state
    for side, line_hit, rearmed in (("small", lambda v: v >= rule.upper, lambda v: v < rule.upper - rule.hysteresis),
                                    ("large", lambda v: v <= rule.lower, lambda v: v > rule.lower + rule.hysteresis)):
        fired_at = [i for i, (_, fired) in enumerate(seen) if fired == side]
        assert all(line_hit(seen[i][0]) for i in fired_at)
        for a, b in zip(fired_at, fired_at[1:]):
            assert any(rearmed(spread) for spread, _ in seen[a + 1:b]), (side, seen[a:b + 1])


TICKS = st.lists(st.tuples(PRICE, st.booleans()), min_size=1, max_size=80)  # (price, starts a new session)


def tick_path(steps):
    days = weekdays(FIRST, 1 + sum(new for _, new in steps))
    session, out = 0, []
    for minute, (price, new) in enumerate(steps):
        session += new
        out.append(tick(SMALL, days[session], f"{10 + minute // 60 % 6:02d}:{minute % 60:02d}", price, 100.0))
    return out


@SETTINGS
@given(TICKS, st.sampled_from([0, 3600, 86_400]))
def test_a_line_alert_needs_a_crossing_and_a_retreat_past_the_band_before_the_next(steps, cooldown):
    for rule, beyond, retreated in (
        # The re-arm band's edges for a 100.00 line, 0.25% either side, as the numbers they are.
        (Above("a", SMALL, 100.0, cooldown), lambda p: p > 100.0, lambda p: p <= 99.75),
        (Below("b", SMALL, 100.0, cooldown), lambda p: p < 100.0, lambda p: p >= 100.25),
    ):
        ticks, state, fired = tick_path(steps), None, []
        for i, t in enumerate(ticks):
            state, events = evaluate_tick(rule, state, t, {})
            fired += [i for _ in events]
        # A crossing: the first observation only learns the side, and the one before an alert was not beyond.
        assert all(i > 0 and beyond(ticks[i].price) and not beyond(ticks[i - 1].price) for i in fired)
        for a, b in zip(fired, fired[1:]):
            assert any(retreated(t.price) for t in ticks[a + 1:b])
            assert ticks[a].session != ticks[b].session
            assert (ticks[b].at - ticks[a].at).total_seconds() >= cooldown


@SETTINGS
@given(TICKS)
def test_moves_and_extremes_fire_at_most_once_per_session_and_direction(steps):
    history = {SMALL: [Point(day, 100.0 + (i % 7)) for i, day in enumerate(weekdays(date(2024, 1, 1), 300))]}
    for rule in (Move("m", SMALL, 1.0), High52w("h", SMALL), Low52w("l", SMALL)):
        state, seen = None, set()
        for t in tick_path(steps):
            state, events = evaluate_tick(rule, state, t, history)
            for event in events:
                assert (t.session, event.direction) not in seen
                seen.add((t.session, event.direction))
