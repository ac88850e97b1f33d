"""Rules judged on every price: a line crossed, a day's move, a 52-week extreme, an intraday record.

Live, the price is an intraday tick; in replay (and at each close) it is the session's close, taken as a tick at
the close. Both go through the same `apply`, so a live alert and the replay of the same day have the same key.

A missing state is the empty state: apply() takes None as {} and answers with a dict. batch.py runs the same
apply() for a whole poll, skipping only what provably cannot change, and decides what cannot change with the same
functions (lines.step, day_change, SymbolView.beyond). Every price and change is compared on the grid of exact.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta

from alerts.rules import lines, messages
from alerts.rules.checks import number_text
from alerts.rules.exact import change_pct, change_units, least_price, price_units
from alerts.rules.model import Above, Below, High52w, History, Low52w, Move, NewHigh, Point, Signal, Tick
from alerts.rules.series import YEAR, count_before, highest_close, highest_high, index_of, lowest_close, session_close


class SymbolView:
    """One symbol's stored history before one session, asked about its extremes.

    One poll asks the same question (is this price beyond the 52-week high?) for every subscription of a symbol,
    so each answer is kept for the call. The yes/no questions stop at the first close that answers them, going
    back from the newest: most ticks are beaten by a recent close, so a poll rarely reads a whole year of history.
    The extreme itself, with its date, is only computed for a message.
    """

    __slots__ = ("points", "end", "_answers", "_extremes")

    def __init__(self, points: Sequence[Point], session: date, end: int | None = None) -> None:
        self.points = points
        if end is None:  # usually every stored session is earlier: no need to search
            end = len(points) if not points or points[-1].date < session else count_before(points, session)
        self.end = end  # points[:end] are the sessions before `session`
        self._answers: dict[tuple[str, float], bool] = {}
        self._extremes: dict[str, tuple[float, date] | None] = {}

    def beyond(self, side: str, price: float) -> bool:
        """Is `price` above every earlier close of the year ("high"), below every one ("low"), or above every
        earlier high of all history ("record"), on the grid? False when there is no earlier session to beat.
        Equal on the grid is not beyond, as in the record fold (series.record)."""
        answer = self._answers.get((side, price))
        if answer is None:
            answer = self._answers[side, price] = self._beyond(side, price)
        return answer

    def _beyond(self, side: str, price: float) -> bool:
        points, end = self.points, self.end
        start = 0 if side == "record" else max(0, end - YEAR)
        if end <= start:
            return False
        # Each close is compared on the grid through one float edge (least_price), not read to the grid one by one:
        # a close reads as the price or more ("low": as one unit more) exactly when it is at or above `reaching`.
        units = price_units(price)
        reaching = least_price(units + 1 if side == "low" else units)
        for index in range(end - 1, start - 1, -1):
            point = points[index]
            if side == "high":
                if point.close >= reaching:  # at or above the price on the grid
                    return False
            elif side == "low":
                if point.close < reaching:  # at or under the price on the grid
                    return False
            elif (point.close if point.high is None else point.high) >= reaching:
                return False
        return True

    def extreme(self, side: str) -> tuple[float, date] | None:
        """The line `beyond` compares with, and the first date it was reached."""
        if side not in self._extremes:
            start = max(0, self.end - YEAR)
            self._extremes[side] = (highest_close(self.points, start, self.end) if side == "high"
                                    else lowest_close(self.points, start, self.end) if side == "low"
                                    else highest_high(self.points, self.end))
        return self._extremes[side]


# --- above / below -----------------------------------------------------------------------------------------------

def _line(rule: Above | Below, state: dict | None, tick: Tick, view: SymbolView,
          closing: bool) -> tuple[dict, list[Signal]]:
    armed = state.get("armed") if state else None
    now = lines.step(rule.edges, armed, tick.price)
    if now is None:
        return state, []
    if armed:
        return _cross(rule, state, tick, closing)
    return {**(state or {}), "armed": now}, []


def _cross(rule: Above | Below, state: dict, tick: Tick, closing: bool) -> tuple[dict, list[Signal]]:
    direction = rule.kind
    session = tick.session.isoformat()
    crossed = {**state, "armed": False}
    # The crossing is used up even when it is not announced: the key names the session, so a second crossing the
    # same day could not be told apart from the first; and in a cooldown the trader asked not to hear of it.
    if state.get("fired_session") == session or _cooling(rule, state, tick.at):
        return crossed, []
    crossed.update(fired_session=session, fired_at=tick.at.isoformat())
    verb = "closes at" if closing else "at"
    way = "up" if direction == "above" else "down"
    trigger = f"{session}:{direction}:{number_text(rule.price)}"
    message = (f"{messages.label(rule.symbol)} {verb} {messages.price(tick.price)}, {way} through the "
               f"{messages.price(rule.price)} line")
    return crossed, [_signal(rule, tick, trigger, direction, tick.price, rule.price, message,
                             {"session": session, "at_close": closing})]


def _cooling(rule: Above | Below | Move, state: dict, at: datetime) -> bool:
    fired_at = state.get("fired_at")
    if not rule.cooldown_seconds or not fired_at:
        return False
    return at < datetime.fromisoformat(fired_at) + timedelta(seconds=rule.cooldown_seconds)


# --- the day's move ----------------------------------------------------------------------------------------------

def _move(rule: Move, state: dict | None, tick: Tick, view: SymbolView, closing: bool) -> tuple[dict, list[Signal]]:
    state = {} if state is None else state
    units = day_change(tick)
    if units is None or abs(units) < rule.line_units:
        return state, []
    direction = "up" if units > 0 else "down"
    session = tick.session.isoformat()
    # Once per session and direction; a move held back by the cooldown is still news once the cooldown ends.
    if state.get(direction) == session or _cooling(rule, state, tick.at):
        return state, []
    change = change_pct(price_units(tick.price), price_units(tick.previous_close))  # the same change, to read
    verb = "closes" if closing else "is"
    message = (f"{messages.label(rule.symbol)} {verb} {direction} {abs(change):.2f}% on the day at "
               f"{messages.price(tick.price)}, past ±{number_text(rule.pct)}% "
               f"(previous close {messages.price(tick.previous_close)})")
    signal = _signal(rule, tick, f"{session}:{direction}:{number_text(rule.pct)}", direction, change,
                     rule.pct if direction == "up" else -rule.pct, message,
                     {"session": session, "price": tick.price, "previous_close": tick.previous_close,
                      "at_close": closing})
    return {**state, direction: session, "fired_at": tick.at.isoformat()}, [signal]


def day_change(tick: Tick) -> int | None:
    """The tick's change against the previous close in pct units (exact.change_units); None without a previous
    close to measure from."""
    if tick.previous_close is None:
        return None
    previous = price_units(tick.previous_close)
    return change_units(price_units(tick.price), previous) if previous > 0 else None


# --- extremes: 52-week high and low, intraday record -------------------------------------------------------------

def _year_high(rule: High52w, state, tick, view, closing):
    return _extreme(rule, state, tick, view, "high", closing)


def _year_low(rule: Low52w, state, tick, view, closing):
    return _extreme(rule, state, tick, view, "low", closing)


def _record_high(rule: NewHigh, state, tick, view, closing):
    return _extreme(rule, state, tick, view, "record", closing)


def _extreme(rule, state: dict | None, tick: Tick, view: SymbolView, side: str,
             closing: bool) -> tuple[dict, list[Signal]]:
    state = {} if state is None else state
    if not view.beyond(side, tick.price):
        return state, []
    session = tick.session.isoformat()
    if state.get("fired_session") == session:
        return state, []  # at most once per session: a higher high the same day is the same news
    line = view.extreme(side)
    name, price = messages.label(rule.symbol), messages.price(tick.price)
    previous = f"{messages.price(line[0])} {{}} of {messages.day(line[1])}"
    if side == "record":
        message = (f"{name} {'reached' if closing else 'at'} a record {price} intraday, above the "
                   + previous.format("high"))
    else:
        message = (f"{name} {'closes at' if closing else 'at'} {price}, a 52-week {side}: "
                   f"{'above' if side == 'high' else 'below'} the " + previous.format("close"))
    trigger = f"{session}:{side}"
    signal = _signal(rule, tick, trigger, None if side == "record" else side, tick.price, line[0], message,
                     {"session": session, "previous_date": line[1].isoformat(), "at_close": closing})
    return {**state, "fired_session": session}, [signal]


def _signal(rule, tick: Tick, trigger: str, direction: str | None, value: float, threshold: float | None,
            message: str, details: dict) -> Signal:
    return Signal(key=f"{rule.id}|{rule.symbol}|{trigger}", rule_id=rule.id, kind=rule.kind, symbol=rule.symbol,
                 trigger=trigger, direction=direction, value=value, threshold=threshold, message=message,
                 occurred_at=tick.at, details=details)


Apply = Callable[[object, "dict | None", Tick, SymbolView, bool], "tuple[dict, list[Signal]]"]
_APPLY: dict[type, Apply] = {Above: _line, Below: _line, Move: _move, High52w: _year_high, Low52w: _year_low}


def apply_for(rule) -> Apply | None:
    """How a rule judges a tick; None for a rule judged on closes only (or not by this engine at all)."""
    if type(rule) is NewHigh:
        return _record_high if rule.basis == "intraday" else None
    return _APPLY.get(type(rule))


def over_sessions(rule, state: dict | None, history: History, sessions: Sequence[date],
                  close_times: Mapping[date, datetime] | None) -> tuple[dict | None, list[Signal]]:
    """Each session's close as a tick at that session's close, against the previous session's close.

    An intraday record uses the session's high instead (its close when no high is stored): the best the daily
    bar knows of the prices traded that day.
    """
    apply = apply_for(rule)
    points = history.get(rule.symbol, ())
    signals: list[Signal] = []
    for day in sessions:
        index = index_of(points, day)
        if index is None:
            continue
        point = points[index]
        price = point.close
        if type(rule) is NewHigh and point.high is not None:
            price = point.high
        tick = Tick(rule.symbol, price, session_close(day, close_times), day, points[index - 1].close if index else None)
        state, fired = apply(rule, state, tick, SymbolView(points, day, index), True)
        state = {**state, "last_session": day.isoformat()}
        signals.extend(fired)
    return state, signals
