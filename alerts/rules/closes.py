"""Rules judged on session closes only: a record close, and the rotation spread crossing its lines.

Each takes the sessions still to evaluate (in order, after the state's `last_session`) and returns the new state
and the signals. A session the rule has no data for leaves the state as it was, `last_session` included, so a
bar that arrives late can still be judged. Market prices are always above zero; a FRED series (a rate, a yield
spread) may not be, and the spread skips a session whose closes it cannot divide.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from fractions import Fraction

from alerts.rules import messages
from alerts.rules.exact import as_pct, spread_units
from alerts.rules.model import History, NewHigh, RotationSpread, Signal
from alerts.rules.series import count_through, index_of, joint_closes, record, session_close


def new_high(rule: NewHigh, state: dict | None, history: History, sessions: Sequence[date],
             close_times: Mapping[date, datetime] | None) -> tuple[dict | None, list[Signal]]:
    points = history.get(rule.symbol, ())
    signals: list[Signal] = []
    for day in sessions:
        index = index_of(points, day)
        if index is None:
            continue
        # Every earlier stored close counts, evaluated or not: those up to last_session are already in the
        # state's record; fold in the rest (all of history when there is no state yet).
        state = state or {}
        last = state.get("last_session")
        start = count_through(points, date.fromisoformat(last)) if last else 0
        known = state.get("record")
        before = record(points, start, index,
                        None if known is None else (known, date.fromisoformat(state["record_date"])))
        after = record(points, index, index + 1, before)  # today's close, if strictly above it on the grid
        # A symbol's first stored close beats nothing: there is no record yet to announce breaking.
        if before is not None and after[1] == day:
            signals.append(_record_signal(rule, day, after[0], before[0], before[1].isoformat(), close_times))
        state = {**state, "last_session": day.isoformat(), "record": after[0], "record_date": after[1].isoformat()}
    return state, signals


def _record_signal(rule: NewHigh, day: date, close: float, record: float, record_date: str,
                   close_times: Mapping[date, datetime] | None) -> Signal:
    trigger = day.isoformat()
    return Signal(
        key=f"{rule.id}|{rule.symbol}|{trigger}", rule_id=rule.id, kind=rule.kind, symbol=rule.symbol,
        trigger=trigger, direction=None, value=close, threshold=record,
        message=(f"{messages.label(rule.symbol)} closes at a record {messages.price(close)}, above the "
                 f"{messages.price(record)} record of {messages.day(record_date)}"),
        occurred_at=session_close(day, close_times),
        details={"session": trigger, "previous_record": record, "previous_record_date": record_date},
    )


def rotation(rule: RotationSpread, state: dict | None, history: History, sessions: Sequence[date],
             close_times: Mapping[date, datetime] | None) -> tuple[dict | None, list[Signal]]:
    small, large = history.get(rule.small, ()), history.get(rule.large, ())
    signals: list[Signal] = []
    for day in sessions:
        closes = joint_closes(small, large, day, rule.window + 1)
        if closes is None:
            continue  # no spread yet (or a leg missing today): nothing to judge, nothing to remember
        (small_now, large_now), (small_then, large_then) = closes[0], closes[-1]
        if min(small_now, large_now, small_then, large_then) <= 0:
            continue  # a series at or under zero (a FRED rate) has no ratio to compare: that session is not judged
        spread = spread_units(small_now, large_now, small_then, large_then)
        state, fired = _step(rule, state, spread)
        value = as_pct(spread)  # what is stored and shown; the lines were judged on the exact value
        state.update(last_session=day.isoformat(), spread=value)
        if fired:
            signals.append(_rotation_signal(rule, day, value, fired, small_now, large_now, close_times))
    return state, signals


def _step(rule: RotationSpread, state: dict | None, spread: Fraction) -> tuple[dict, str | None]:
    """The armed flags after one spread value (exact, in pct units), and the direction that fired, if any."""
    upper, lower, hysteresis = rule.upper_units, rule.lower_units, rule.hysteresis_units
    if state is None or "small_armed" not in state:
        # The first value only learns where the spread stands: a line already crossed when rotobot starts
        # watching is not news, and each side is armed only while its condition is false.
        return {**(state or {}), "small_armed": spread < upper, "large_armed": spread > lower}, None
    small_armed, large_armed, fired = state["small_armed"], state["large_armed"], None
    if small_armed and spread >= upper:
        small_armed, fired = False, "small"
    elif not small_armed and spread < upper - hysteresis:
        small_armed = True  # retreated far enough that a new crossing is a new rotation, not noise at the line
    if large_armed and spread <= lower:
        large_armed, fired = False, "large"
    elif not large_armed and spread > lower + hysteresis:
        large_armed = True
    return {**state, "small_armed": small_armed, "large_armed": large_armed}, fired


def _rotation_signal(rule: RotationSpread, day: date, spread: float, direction: str, small_close: float,
                     large_close: float, close_times: Mapping[date, datetime] | None) -> Signal:
    line = rule.upper if direction == "small" else rule.lower
    into = "small caps" if direction == "small" else "mega caps"
    trigger = day.isoformat()
    return Signal(
        key=f"{rule.id}|{rule.pair}|{trigger}", rule_id=rule.id, kind=rule.kind, symbol=rule.pair,
        trigger=trigger, direction=direction, value=spread, threshold=line,
        message=(f"Rotation into {into}: {rule.pair} {rule.window}-session spread {messages.pct(spread)} "
                 f"crossed {messages.pct(line)}"),
        occurred_at=session_close(day, close_times),
        details={"session": trigger, "window": rule.window, "small_close": small_close, "large_close": large_close,
                 "hysteresis": rule.hysteresis},
    )
