"""Properties over any price path: no alert repeats without re-arming, replay is the day-by-day engine, and
judging the same sessions twice says nothing new."""

from __future__ import annotations

import json
import math
from datetime import date
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.rules.batch import RuleSet
from alerts.rules.engine import evaluate_sessions, evaluate_tick, evaluate_ticks, replay
from alerts.rules.model import (Above, Below, High52w, Low52w, Move, NewHigh, Point, RotationSpread)
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
]


def day_by_day(rules, history, sessions):
    states: dict[str, dict | None] = {}
    signals = []
    for day in sessions:
        for rule in rules:
            states[rule.id], fired = evaluate_sessions(rule, states.get(rule.id), history, [day])
            signals += fired
    return states, signals


@SETTINGS
@given(worlds())
def test_replay_is_the_day_by_day_engine_with_state_carried(world):
    history, days, start = world
    replayed = replay(RULES, history, days[start], days[-1])
    _, by_day = day_by_day(RULES, history, days[start:])
    assert replayed == by_day  # same signals, same keys, same order
    assert len({e.key for e in replayed}) == len(replayed)


@SETTINGS
@given(worlds(), st.data())
def test_judging_the_same_sessions_again_says_nothing_new(world, data):
    history, days, start = world
    sessions = days[start:]
    split = data.draw(st.integers(0, len(sessions)))
    for rule in RULES:
        state, signals = evaluate_sessions(rule, None, history, sessions)
        assert json.loads(json.dumps(state)) == state
        again, repeated = evaluate_sessions(rule, state, history, sessions)
        assert (again, repeated) == (state, [])
        # In two calls, overlapping, the same as in one.
        first, early = evaluate_sessions(rule, None, history, sessions[:split])
        second, late = evaluate_sessions(rule, first, history, sessions)
        assert (second, early + late) == (state, signals)


@SETTINGS
@given(worlds())
def test_a_record_close_is_above_every_earlier_close_and_every_such_close_is_announced(world):
    history, days, start = world
    _, signals = evaluate_sessions(NewHigh("record", SMALL), None, history, days[start:])
    closes = {p.date.isoformat(): p.close for p in history[SMALL]}
    expected = []
    for i, point in enumerate(history[SMALL]):
        earlier = [p.close for p in history[SMALL][:i]]
        if point.date >= days[start] and earlier and point.close > max(earlier):
            expected.append((point.date.isoformat(), max(earlier)))
    assert [(e.trigger, e.threshold) for e in signals] == expected
    assert all(e.value == closes[e.trigger] for e in signals)


@SETTINGS
@given(worlds(), st.floats(0.5, 4.0), st.floats(0.0, 1.5))
def test_the_spread_never_fires_twice_one_way_without_retreating_past_the_hysteresis(world, line, hysteresis):
    history, days, start = world
    rule = RotationSpread("s", SMALL, LARGE, window=2, upper=line, lower=-line, hysteresis=min(hysteresis, line))
    state, seen = None, []  # (spread, fired direction) for each session that had a value
    for day in days[start:]:
        before = state
        state, signals = evaluate_sessions(rule, state, history, [day])
        if state.get("last_session") == day.isoformat():
            seen.append((state["spread"], signals[0].direction if signals else None))
        else:
            assert (state or None, signals) == (before or None, [])  # no value: nothing changes
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
            state, signals = evaluate_tick(rule, state, t, {})
            fired += [i for _ in signals]
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
            state, signals = evaluate_tick(rule, state, t, history)
            for signal in signals:
                assert (t.session, signal.direction) not in seen
                seen.add((t.session, signal.direction))


# --- the exact rule, pinned: decimal prices against decimal lines, judged by exact rationals ----------------------
#
# Prices are whole cents (or ten-thousandths) read as a quote carries them (cents / 100, the float nearest the
# decimal). The oracle says what the decimals say, with fractions.Fraction; every path of the engine must agree.

EXACT = settings(max_examples=300, deadline=None)
CENTS_UP_TO_100K = st.integers(1, 10_000_000)  # 0.01 to 100,000.00


def on_the_grid_of(data, line: int) -> int:
    """Cents up to 100,000.00 that, moved by `line` hundredths of a percent, land on a whole cent half the time:
    the exact ties a float formula misses."""
    if data.draw(st.booleans()):
        return data.draw(CENTS_UP_TO_100K)
    step = 10_000 // math.gcd(line, 10_000)
    return step * data.draw(st.integers(1, 10_000_000 // step))


def near(draw, exact: Fraction) -> int:
    """A price in whole units on, just beside, or away from an exact (maybe fractional) number of units."""
    floor = exact.numerator // exact.denominator
    return max(1, draw(st.sampled_from([floor - 1, floor, floor + 1, floor + 2])) if draw(st.booleans())
               else floor + draw(st.integers(-500, 500)))


def judged_on_every_path(rule, days, prices, previous_closes) -> dict[str, list[list[str]]]:
    """The directions each price fires, one price per session, on each of the engine's four paths."""
    symbol = rule.symbol
    ticks = [tick(symbol, day, "10:00", price, previous) for day, price, previous in zip(days, prices, previous_closes)]
    out = {}
    for path in ("evaluate_tick", "RuleSet", "list"):
        state, fired = None, []
        for t in ticks:
            if path == "evaluate_tick":
                state, signals = evaluate_tick(rule, state, t, {})
            else:
                rules = RuleSet([rule]) if path == "RuleSet" else [rule]
                changed, signals = evaluate_ticks(rules, {} if state is None else {rule.id: state}, {symbol: t}, {})
                state = changed.get(rule.id, state)
            fired.append([e.direction for e in signals])
        out[path] = fired
    # On closes: the previous close is the stored session before, so the prices are the closes themselves.
    history = {symbol: [Point(day, price) for day, price in zip(days, prices)]}
    state, fired = None, []
    for day in days:
        state, signals = evaluate_sessions(rule, state, history, [day])
        fired.append([e.direction for e in signals])
    out["closes"] = fired
    return out


@EXACT
@given(st.data(), st.integers(1, 2_000))
def test_a_move_fires_exactly_when_the_exact_change_reaches_its_line(data, line):
    # line in hundredths of a percent: 0.01% to 20.00%; the price on, beside or away from previous * (1 +/- line).
    previous = on_the_grid_of(data, line)
    sign = data.draw(st.sampled_from([1, -1]))
    price = near(data.draw, Fraction(previous * (10_000 + sign * line), 10_000))
    rule = Move("m", SMALL, line / 100)
    change = Fraction(100 * (price - previous), previous)  # percent, exactly
    reaches = abs(change) >= Fraction(line, 100)
    expected = [[], ["up" if change > 0 else "down"] if reaches else []]
    days = weekdays(FIRST, 2)
    seen = judged_on_every_path(rule, days, [previous / 100, price / 100], [None, previous / 100])
    assert seen == {path: expected for path in seen}, (previous, price, line, change)


@EXACT
@given(st.data(), st.booleans(), st.one_of(CENTS_UP_TO_100K, st.integers(1, 25_000).map(lambda k: 400 * k)),
       st.sampled_from([100, 10_000]))
def test_a_line_fires_and_rearms_exactly_where_the_decimals_say(data, rises, line, scale):
    # Prices and the line in cents, or in ten-thousandths (quotes under a dollar carry four decimals). A line of
    # a multiple of 400 units has its re-arm edge on a whole unit (0.25% of 400 is 1).
    band = Fraction(line * (10_000 - 25 if rises else 10_000 + 25), 10_000)  # the re-arm edge, 0.25% back, exact
    prices = [near(data.draw, data.draw(st.sampled_from([Fraction(line), band]))) for _ in range(8)]
    rule = (Above if rises else Below)("l", SMALL, line / scale)
    # The oracle: the first price learns the side; past the line (not at it) fires once; back at or beyond the
    # band re-arms. One price per session, so no crossing is used up by an earlier one the same day.
    armed, expected = None, []
    for units in prices:
        past = units > line if rises else units < line
        back = units <= band if rises else units >= band
        fires = armed is True and past
        expected.append([rule.kind] if fires else [])
        armed = (not past) if armed is None else False if fires else True if (armed is False and back) else armed
    days = weekdays(FIRST, len(prices))
    seen = judged_on_every_path(rule, days, [units / scale for units in prices], [None] * len(prices))
    assert seen == {path: expected for path in seen}, (rises, line, scale, prices)


@EXACT
@given(st.data(), st.lists(CENTS_UP_TO_100K, min_size=2, max_size=2), st.integers(1, 2_000))
def test_the_spread_reaches_its_lines_exactly_where_the_decimals_say(data, legs, line):
    # A 1-session window and ^NDX flat: the second session learns where the spread stands, the third is judged
    # against +/- line (hundredths of a percent), its ^RUT close on, beside or away from the line.
    small_then, large = legs
    small_mid = on_the_grid_of(data, line)
    sign = data.draw(st.sampled_from([1, -1]))
    small_now = near(data.draw, Fraction(small_mid * (10_000 + sign * line), 10_000))
    rule = RotationSpread("s", SMALL, LARGE, window=1, upper=line / 100, lower=-line / 100, hysteresis=0.0)
    days = weekdays(FIRST, 3)
    history = {SMALL: [Point(day, c / 100) for day, c in zip(days, [small_then, small_mid, small_now])],
               LARGE: [Point(day, large / 100) for day in days]}

    def spread(now: int, then: int) -> Fraction:  # ^NDX flat, so the spread is ^RUT's own change, exactly
        return Fraction(100 * (now - then), then)

    first, second, limit = spread(small_mid, small_then), spread(small_now, small_mid), Fraction(line, 100)
    fires = ["small"] if first < limit and second >= limit else ["large"] if first > -limit and second <= -limit else []
    state, fired = None, []
    for day in days:
        state, signals = evaluate_sessions(rule, state, history, [day])
        fired.append([e.direction for e in signals])
    assert fired == [[], [], fires], (small_then, small_mid, small_now, large, line)
    assert [e.direction for e in replay([rule], history, days[0], days[-1])] == fires
