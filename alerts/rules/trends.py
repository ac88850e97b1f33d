"""The trend rules judged on session closes: a value crossing its moving average (`ma_cross`), a change over N
sessions reaching a line (`move_over`). README.md's "Alert rules" section says exactly what each means.

Like closes.py: each takes the sessions still to evaluate (in order, after the state's `last_session`) and returns
the new state and the signals; a session the rule cannot judge yet (no close, or too few sessions before it)
leaves the state as it was, `last_session` included, so a bar that arrives late can still be judged. Every line
is decided on the grid of exact.py, from whole numbers, never by a float's last digit. A single series' average
takes any values (a FRED yield spread goes under zero); a ratio or a move needs values above zero, and a session
without them is not judged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from fractions import Fraction

from alerts.rules import messages
from alerts.rules.exact import (PRICE_UNIT, change_pct, change_reaches, over_average, price_units, ratio_units,
                                under_average)
from alerts.rules.kinds import MaCross, MoveOver
from alerts.rules.model import History, Signal
from alerts.rules.series import index_of, joint_closes, session_close


def values(symbols: tuple[str, ...], history: History, day: date, count: int) -> list[int] | None:
    """The grid values (exact.py) of the last `count` sessions ending on `day`, newest first: the symbol's closes,
    or for a ratio first/second on the sessions where both have a close. None when `day` has no value or fewer
    than `count` sessions do."""
    if len(symbols) == 2:
        closes = joint_closes(history.get(symbols[0], ()), history.get(symbols[1], ()), day, count)
        if closes is None or any(a <= 0 or b <= 0 for a, b in closes):
            return None  # a ratio of a series at or under zero (a FRED rate) means nothing: not judged
        return [ratio_units(a, b) for a, b in closes]
    points = history.get(symbols[0], ())
    index = index_of(points, day)
    if index is None or index + 1 < count:
        return None
    return [price_units(points[i].close) for i in range(index, index - count, -1)]


def ma_cross(rule: MaCross, state: dict | None, history: History, sessions: Sequence[date],
             close_times: Mapping[date, datetime] | None) -> tuple[dict | None, list[Signal]]:
    signals: list[Signal] = []
    for day in sessions:
        found = values(rule.symbols, history, day, rule.window)
        if found is None:
            continue
        value, total, count = found[0], sum(found), rule.window
        side = (state or {}).get("side")
        fired = None
        if side is None:  # the first full window only learns the side, by the average itself (no band)
            side = "above" if value * count >= total else "below"
        elif side == "below" and over_average(value, total, count, rule.band_units):
            side = fired = "above"
        elif side == "above" and under_average(value, total, count, rule.band_units):
            side = fired = "below"
        shown, average = value / PRICE_UNIT, float(Fraction(total, count * PRICE_UNIT))
        state = {**(state or {}), "last_session": day.isoformat(), "side": side, "value": shown, "average": average}
        if fired:
            signals.append(_ma_signal(rule, day, fired, shown, average, close_times))
    return state, signals


def _ma_signal(rule: MaCross, day: date, side: str, value: float, average: float,
               close_times: Mapping[date, datetime] | None) -> Signal:
    trigger = day.isoformat()
    ratio = "/" in rule.symbol
    shown = (lambda v: f"{v:.5g}") if ratio else messages.price
    what = f"{rule.symbol} ratio" if ratio else messages.label(rule.symbol)
    band = f", beyond its {rule.band:g}% band" if rule.band else ""
    edge = average * (1 + rule.band / 100) if side == "above" else average * (1 - rule.band / 100)
    return Signal(
        key=f"{rule.id}|{rule.symbol}|{trigger}", rule_id=rule.id, kind=rule.kind, symbol=rule.symbol,
        trigger=trigger, direction=side, value=value, threshold=average,
        message=(f"{what} crosses {side} its {rule.window}-session average: {shown(value)} against "
                 f"{shown(average)}{band}"),
        occurred_at=session_close(day, close_times),
        details={"session": trigger, "window": rule.window, "band": rule.band, "edge": edge},
    )


def move_over(rule: MoveOver, state: dict | None, history: History, sessions: Sequence[date],
              close_times: Mapping[date, datetime] | None) -> tuple[dict | None, list[Signal]]:
    points = history.get(rule.symbol, ())
    signals: list[Signal] = []
    for day in sessions:
        found = values(rule.symbols, history, day, rule.sessions + 1)
        if found is None:
            continue
        now, then = found[0], found[-1]
        if then <= 0:
            continue  # a change from zero or below (a FRED rate) is no percent move: not judged
        reach = change_reaches(now, then, rule.pct_units)  # +1 at or over +pct, -1 at or under -pct, else 0
        fired = None
        if state is None or "up_armed" not in state:
            # The first change only learns where it stands: a move already past a line is not news.
            up_armed, down_armed = reach != 1, reach != -1
        else:
            up_armed, down_armed = state["up_armed"], state["down_armed"]
            if up_armed and reach == 1:
                up_armed, fired = False, "up"
            elif not up_armed and reach != 1:
                up_armed = True  # back under +pct: the next reach is a new move
            if down_armed and reach == -1:
                down_armed, fired = False, "down"
            elif not down_armed and reach != -1:
                down_armed = True
        change = change_pct(now, then)
        state = {**(state or {}), "last_session": day.isoformat(), "up_armed": up_armed, "down_armed": down_armed,
                 "change": change}
        if fired:
            index = index_of(points, day)
            base = points[index - rule.sessions]
            signals.append(_move_signal(rule, day, fired, change, points[index].close, base.close, base.date,
                                        close_times))
    return state, signals


def _move_signal(rule: MoveOver, day: date, direction: str, change: float, close: float, base: float,
                 base_day: date, close_times: Mapping[date, datetime] | None) -> Signal:
    trigger = day.isoformat()
    line = rule.pct if direction == "up" else -rule.pct
    return Signal(
        key=f"{rule.id}|{rule.symbol}|{trigger}", rule_id=rule.id, kind=rule.kind, symbol=rule.symbol,
        trigger=trigger, direction=direction, value=change, threshold=line,
        message=(f"{messages.label(rule.symbol)} {direction} {abs(change):.2f}% over {rule.sessions} sessions, "
                 f"reaching {messages.pct(line)}: {messages.price(close)} against {messages.price(base)} on "
                 f"{messages.day(base_day)}"),
        occurred_at=session_close(day, close_times),
        details={"session": trigger, "sessions": rule.sessions, "close": close, "base_close": base,
                 "base_session": base_day.isoformat()},
    )
