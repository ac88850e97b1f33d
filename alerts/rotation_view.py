"""What `!rotation` shows, as plain values: a pure function of stored history, quotes, rule state and the clock.

No I/O and no Discord here: bot/rotation_reads.py reads the database, bot/rotation_render.py turns a RotationView
into a Reply, and bot/charts.py draws the picture from the same joint series (alerts/rotation_series.py), so text
and chart agree. The percent changes and the performance table are in alerts/rotation_changes.py.

Conventions, so every figure means one thing:
- "last" is the latest quote when it belongs to a later session than the last stored close, else that close;
  the day's change is against the previous close.
- The spread and the performance table use the JOINT series, sessions where both legs have a close, exactly as
  the rotation_spread rule does (alerts/rules/closes.py): a session one source skipped never shifts a window.
- The all-time high is the highest close (the new_high rule's "record close"), first date reached; a live quote
  above it counts as at the high.
- Every figure compares the way the rules do (alerts/rules/exact.py): the spread is the rule's own exact
  spread_units, the records are the rule's own fold (series.record), and a percentage change is exact on the
  price grid, so the view and the alerts never disagree on whether a line or a record was reached.
- Only closes of sessions closed by `now` are used (a bar of the session under way is no close yet), so a view
  "as of" a past moment over today's history is the view then.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from alerts.fomc.announce import FomcSummary
from alerts.market.calendar import NEW_YORK, NyseCalendar
from alerts.market.freshness import Freshness, bars_freshness, quote_freshness
from alerts.market.models import Quote
from alerts.rotation_changes import Period, pct, periods_table
from alerts.rotation_series import last_joint
from alerts.rules.exact import as_pct, spread_units
from alerts.rules.messages import NAMES
from alerts.rules.model import Point, RotationSpread
from alerts.rules.series import count_through, joint_closes, record

BASKET_MONTH = 21  # sessions: the basket's "month"
NO_DATA = "no data yet"


@dataclass(frozen=True)
class Last:
    """The latest price of a symbol and how old it is."""

    price: float
    previous_close: float | None
    session: date  # the session the price belongs to
    from_quote: bool
    at: datetime | None  # the quote's exchange time; None for a close
    freshness: Freshness  # of the quote (a quote) or of the stored closes (a close)

    @property
    def change_pct(self) -> float | None:
        return pct(self.price, self.previous_close)


@dataclass(frozen=True)
class Leg:
    symbol: str
    name: str  # "Russell 2000", or the symbol when rotobot knows no name
    last: Last | None  # None: nothing stored
    bars: Freshness | None  # of the stored closes; None without any
    last_close: date | None


@dataclass(frozen=True)
class RecordClose:
    """A record close known without reading all history: the new_high rule's state (record, record_date,
    last_session). Closes up to `through` are already folded in, so history may start after it."""

    value: float
    date: date
    through: date


@dataclass(frozen=True)
class FromHigh:
    high: float  # the record close
    high_date: date  # the first session it was reached
    pct: float  # last against it, percent: 0 at the record, above 0 when a live quote is beyond it


@dataclass(frozen=True)
class SpreadView:
    pair: str
    window: int
    upper: float
    lower: float
    hysteresis: float
    value: float | None  # at `session`, computed from the closes exactly as the rule does
    session: date | None
    freshness: Freshness | None  # of the closes behind the value
    evaluated: bool  # the rule has a state: the armed flags below mean something
    small_armed: bool | None
    large_armed: bool | None
    state_session: date | None  # the last session the rule judged


@dataclass(frozen=True)
class BasketLine:
    symbol: str
    last: Last | None  # None: no data yet
    month_pct: float | None  # None too when sessions are missing between the last close and a live quote
    month_since: date | None
    bars: Freshness | None
    adjusted: bool = False  # its last close or its month's reference is a close adjusted for splits and dividends

    @property
    def stale(self) -> bool:
        return self.last is not None and (self.last.freshness.stale or (self.bars is not None and self.bars.stale))


@dataclass(frozen=True)
class RotationView:
    """Everything `!rotation` shows."""

    now: datetime
    small: Leg
    large: Leg
    from_high: FromHigh | None  # of the small leg
    spread: SpreadView
    periods: tuple[Period, ...]  # 1 day, 1 week, 1 month, 3 months, YTD
    periods_through: date | None  # the last joint session
    periods_freshness: Freshness | None
    basket: tuple[BasketLine, ...]
    fomc: FomcSummary | None

    @property
    def stale(self) -> tuple[str, ...]:
        """What is stale, in the order shown: '^RUT quote', '^NDX closes', 'CFG', ..."""
        out = []
        for symbol, last, bars in ((self.small.symbol, self.small.last, self.small.bars),
                                   (self.large.symbol, self.large.last, self.large.bars),
                                   *((line.symbol, line.last, line.bars) for line in self.basket)):
            if last is not None and last.from_quote and last.freshness.stale:
                out.append(f"{symbol} quote")
            if bars is not None and bars.stale:
                out.append(f"{symbol} closes")
        return tuple(out)


def rotation_view(
    *,
    history: Mapping[str, Sequence[Point]],
    quotes: Mapping[str, Quote],
    spread_rule: RotationSpread,
    spread_state: dict | None,
    basket: Sequence[str],
    fomc: FomcSummary | None,
    now: datetime,
    calendar: NyseCalendar,
    poll_seconds: int,
    small_record: RecordClose | None = None,
    adjusted: Mapping[str, Collection[date]] | None = None,
) -> RotationView:
    """The view as of `now`. `history` holds each symbol's stored closes, oldest first (the two legs and the
    basket); `calendar` must cover `now`. With `small_record` (the small leg's record close from the new_high
    rule's state) the small leg's history may start after `small_record.through` instead of at its first close.
    `adjusted` names, per basket symbol, the sessions whose stored close is adjusted (a close-only bundled file).
    """
    today = now.astimezone(NEW_YORK).date()
    # A bar of a session still open (or not yet begun) is no close: only sessions closed by `now` count.
    closed = calendar.last_closed(now)
    cutoff = closed.date if closed is not None else today

    def known(symbol: str) -> Sequence[Point]:
        points = history.get(symbol, ())
        end = count_through(points, cutoff)
        return points if end == len(points) else points[:end]

    def fresh_quote(symbol: str) -> Quote | None:
        quote = quotes.get(symbol)
        return quote if quote is not None and quote.exchange_time <= now else None

    small_points, large_points = known(spread_rule.small), known(spread_rule.large)
    small = _leg(spread_rule.small, small_points, fresh_quote(spread_rule.small), now, calendar, poll_seconds)
    large = _leg(spread_rule.large, large_points, fresh_quote(spread_rule.large), now, calendar, poll_seconds)

    end = last_joint(small_points, large_points, cutoff)
    spread = _spread(spread_rule, spread_state, small_points, large_points, end, now, calendar)
    periods = periods_table(small_points, large_points, end)

    lines = []
    for symbol in basket:
        points = known(symbol)
        last = _last(points, fresh_quote(symbol), now, calendar, poll_seconds)
        if last is None:
            lines.append(BasketLine(symbol, None, None, None, None))
            continue
        # 21 sessions back from the last price's session: a quote's session is not among the stored points yet,
        # and when sessions are missing between the last close and the quote, counting back would overshoot.
        if not last.from_quote:
            back = len(points) - 1 - BASKET_MONTH
        elif points and _follows(points[-1].date, last.session, calendar):
            back = len(points) - BASKET_MONTH
        else:
            back = -1
        reference = points[back] if back >= 0 else None
        used = {p.date for p in (reference, points[-1] if points else None) if p is not None}
        lines.append(BasketLine(
            symbol, last, pct(last.price, reference.close if reference else None),
            reference.date if reference else None,
            bars_freshness(points[-1].date, now, calendar) if points else None,
            adjusted=not used.isdisjoint((adjusted or {}).get(symbol, ())),
        ))

    return RotationView(
        now=now,
        small=small,
        large=large,
        from_high=_from_high(small_points, small.last, small_record),
        spread=spread,
        periods=periods,
        periods_through=end,
        periods_freshness=bars_freshness(end, now, calendar) if end else None,
        basket=tuple(lines),
        fomc=fomc,
    )


def _last(points: Sequence[Point], quote: Quote | None, now: datetime, calendar: NyseCalendar,
          poll_seconds: int) -> Last | None:
    bar = points[-1] if points else None
    if quote is not None:
        session = quote.exchange_time.astimezone(NEW_YORK).date()
        if bar is None or session > bar.date:
            previous = quote.previous_close if quote.previous_close is not None else (bar.close if bar else None)
            return Last(quote.price, previous, session, True, quote.exchange_time,
                        quote_freshness(quote.fetched_at, now, poll_seconds, calendar))
    if bar is None:
        return None
    previous = points[-2].close if len(points) >= 2 else None
    return Last(bar.close, previous, bar.date, False, None, bars_freshness(bar.date, now, calendar))


def _follows(last_close: date, session: date, calendar: NyseCalendar) -> bool:
    """True when `session` is the first session after `last_close`: no session is missing in between."""
    first, before = last_close + timedelta(days=1), session - timedelta(days=1)
    if first > before:
        return True
    if not (calendar.covers(first) and calendar.covers(before)):
        return False
    return not calendar.sessions_between(first, before)


def _leg(symbol: str, points: Sequence[Point], quote: Quote | None, now: datetime, calendar: NyseCalendar,
         poll_seconds: int) -> Leg:
    last = _last(points, quote, now, calendar, poll_seconds)
    bars = bars_freshness(points[-1].date, now, calendar) if points else None
    return Leg(symbol, NAMES.get(symbol, symbol), last, bars, points[-1].date if points else None)


def _from_high(points: Sequence[Point], last: Last | None, known: RecordClose | None) -> FromHigh | None:
    best = (known.value, known.date) if known is not None else None
    start = count_through(points, known.through) if known is not None else 0
    best = record(points, start, len(points), best)  # the new_high rule's fold: a tie keeps the older date
    if best is None or last is None:
        return None
    return FromHigh(best[0], best[1], pct(last.price, best[0]))


def _spread(rule: RotationSpread, state: dict | None, small: Sequence[Point], large: Sequence[Point],
            end: date | None, now: datetime, calendar: NyseCalendar) -> SpreadView:
    value = None
    if end is not None:
        closes = joint_closes(small, large, end, rule.window + 1)
        if closes is not None:
            (small_now, large_now), (small_then, large_then) = closes[0], closes[-1]
            value = as_pct(spread_units(small_now, large_now, small_then, large_then))
    evaluated = bool(state) and "small_armed" in state
    judged = state.get("last_session") if state else None
    return SpreadView(
        pair=rule.pair, window=rule.window, upper=rule.upper, lower=rule.lower, hysteresis=rule.hysteresis,
        value=value, session=end if value is not None else None,
        freshness=bars_freshness(end, now, calendar) if value is not None else None,
        evaluated=evaluated,
        small_armed=state["small_armed"] if evaluated else None,
        large_armed=state["large_armed"] if evaluated else None,
        state_session=date.fromisoformat(judged) if judged else None,
    )
