"""Questions asked of stored history: where a session is, what came before it, its extremes, its close time.

History is symbol -> points sorted by date; every lookup is a bisection, never a scan from the start, so a
symbol with forty years of sessions costs no more to ask than one with a year.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time

from alerts.market.sessions import NEW_YORK
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


def highest_close(points: Sequence[Point], start: int, end: int) -> tuple[float, date] | None:
    """The highest close of points[start:end] and the first date it was reached."""
    return _extreme(points, start, end, max)


def lowest_close(points: Sequence[Point], start: int, end: int) -> tuple[float, date] | None:
    return _extreme(points, start, end, min)


def _extreme(points: Sequence[Point], start: int, end: int, pick) -> tuple[float, date] | None:
    if end <= start:
        return None
    closes = [point.close for point in points[start:end]]
    value = pick(closes)
    return value, points[start + closes.index(value)].date


def highest_high(points: Sequence[Point], end: int) -> tuple[float, date] | None:
    """The highest intraday high of points[:end] (a session without a stored high counts with its close)."""
    if end <= 0:
        return None
    highs = [point.close if point.high is None else point.high for point in points[:end]]
    value = max(highs)
    return value, points[highs.index(value)].date
