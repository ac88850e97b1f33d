"""Questions asked of stored history: where a session is, what came before it, its records, its close time.

History is symbol -> points sorted by date; every lookup is a bisection, never a scan from the start, so a
symbol with forty years of sessions costs no more to ask than one with a year.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time

from alerts.market.calendar import NEW_YORK
from alerts.rules.exact import least_price, price_units
from alerts.rules.model import Point

YEAR = 252  # sessions in a trading year: the "52 weeks" of 52-week highs and lows
CLOSE = time(16, 0)  # the regular close; an early close is only known to the caller's calendar


def _date(point: Point) -> date:
    return point.date


def count_before(points: Sequence[Point], day: date) -> int:
    """How many points are dated before `day` (so points[:n] is everything earlier)."""
    return bisect_left(points, day, key=_date)


def count_through(points: Sequence[Point], day: date) -> int:
    return bisect_right(points, day, key=_date)


def index_of(points: Sequence[Point], day: date) -> int | None:
    index = bisect_left(points, day, key=_date)
    return index if index < len(points) and points[index].date == day else None


def session_close(day: date, close_times: Mapping[date, datetime] | None = None) -> datetime:
    """When a session's close happened: the caller's real close time if it knows it, else 16:00 in New York."""
    if close_times and day in close_times:
        return close_times[day]
    return datetime.combine(day, CLOSE, tzinfo=NEW_YORK)


def joint_closes(small: Sequence[Point], large: Sequence[Point], day: date, count: int) -> list[tuple[float, float]] | None:
    """The (small, large) closes of the last `count` sessions where BOTH have a close, ending on `day`, newest first.

    None when `day` itself is not such a session or there are fewer than `count` of them: a spread needs both
    legs on the same dates, and a session one source skipped must not shift the other leg's window.
    """
    i, j = count_through(small, day) - 1, count_through(large, day) - 1
    if i < 0 or j < 0 or small[i].date != day or large[j].date != day:
        return None
    found: list[tuple[float, float]] = []
    while i >= 0 and j >= 0 and len(found) < count:
        a, b = small[i].date, large[j].date
        if a == b:
            found.append((small[i].close, large[j].close))
            i, j = i - 1, j - 1
        elif a > b:
            i -= 1
        else:
            j -= 1
    return found if len(found) == count else None


def record(points: Sequence[Point], start: int, end: int, best: tuple[float, date] | None = None, *,
           highs: bool = False, lowest: bool = False) -> tuple[float, date] | None:
    """The highest close of points[start:end] (its highest intraday high with `highs`, a session without one
    counting with its close; the lowest close with `lowest`) folded into `best`, with the date it was first
    reached; `best` is what earlier points gave, None for nothing yet.

    The one record fold: the new_high rule, the 52-week extremes' messages, the view's all-time high and the
    chart's record closes all use it. Only a value strictly beyond the best on the price grid (exact.py) replaces
    it, so a tie keeps the older date, and a float's last bit never makes a record.
    """
    span = points[start:end]
    values = [p.close if p.high is None else p.high for p in span] if highs else [p.close for p in span]
    if not values:
        return best
    # The extreme on the grid is the float extreme read to the grid (reading never reverses an order); the record
    # is the first value that reads as it, found through its float edge (least_price).
    units = price_units(min(values) if lowest else max(values))
    if best is not None:
        known = price_units(best[0])
        if known <= units if lowest else known >= units:
            return best
    if lowest:
        edge = least_price(units + 1)
        index = next(i for i, value in enumerate(values) if value < edge)
    else:
        edge = least_price(units)
        index = next(i for i, value in enumerate(values) if value >= edge)
    return values[index], span[index].date


def highest_close(points: Sequence[Point], start: int, end: int) -> tuple[float, date] | None:
    """The highest close of points[start:end] and the first date it was reached."""
    return record(points, start, end)


def lowest_close(points: Sequence[Point], start: int, end: int) -> tuple[float, date] | None:
    return record(points, start, end, lowest=True)


def highest_high(points: Sequence[Point], end: int) -> tuple[float, date] | None:
    """The highest intraday high of points[:end] (a session without a stored high counts with its close)."""
    return record(points, 0, end, highs=True)
