"""One symbol's history packed in four arrays: what the rules engine keeps in memory between polls.

The engine holds the history of every symbol a rule reads, all day (bot/jobs/engine.py). As a list of Point
objects a session cost about 170 bytes (the Point, its date, three floats) and one more object for every pass
of the garbage collector to walk: 5,000 symbols with a year and a half each were 220 MiB and 1.4 million
objects, and each full collection stalled the event loop for a third of a second (python -m bench scale).
Packed, a session costs 32 bytes and no object at all until it is read.

It is a Sequence of Point: every rule reads it exactly as it reads a list (an index, a slice, len, a bisection by
date). Reading an item builds its Point. It never changes once built; `before` and `+` make new ones.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from datetime import date

from alerts.rules.model import Point

_MISSING = math.nan  # a high or low that is not stored: stored history never holds NaN (validate.py refuses it)


class PackedPoints(Sequence):
    __slots__ = ("_days", "_close", "_high", "_low")

    def __init__(self, points: Iterable[Point] = ()) -> None:
        """Points oldest first, as history holds them."""
        self._days, self._close, self._high, self._low = array("q"), array("d"), array("d"), array("d")
        for point in points:
            self._append(point.date, point.close, point.high, point.low)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, float, float | None, float | None]]) -> PackedPoints:
        """From (ISO date, close, high, low) rows, oldest first, as the daily_bars table gives them: no Point is
        built on the way."""
        packed = cls()
        for day, close, high, low in rows:
            packed._append(date.fromisoformat(day), close, high, low)
        return packed

    def _append(self, day: date, close: float, high: float | None, low: float | None) -> None:
        self._days.append(day.toordinal())
        self._close.append(close)
        self._high.append(_MISSING if high is None else high)
        self._low.append(_MISSING if low is None else low)

    def __len__(self) -> int:
        return len(self._days)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._from_arrays(self._days[index], self._close[index], self._high[index], self._low[index])
        high, low = self._high[index], self._low[index]
        return Point(date.fromordinal(self._days[index]), self._close[index], None if math.isnan(high) else high,
                     None if math.isnan(low) else low)

    def __iter__(self) -> Iterator[Point]:
        for day, close, high, low in zip(self._days, self._close, self._high, self._low):
            yield Point(date.fromordinal(day), close, None if math.isnan(high) else high,
                        None if math.isnan(low) else low)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, (str, bytes)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # equal to a list of the same points, which has no hash either

    def __repr__(self) -> str:
        if not self:
            return "PackedPoints([])"
        return f"PackedPoints({len(self)} points, {self[0].date} to {self[-1].date})"

    def before(self, day: date) -> PackedPoints:
        """The points dated before `day`."""
        return self[:bisect_left(self._days, day.toordinal())]

    def __add__(self, other: PackedPoints) -> PackedPoints:
        """These points, then `other`'s (which the caller has made sure come later)."""
        if not isinstance(other, PackedPoints):
            return NotImplemented
        return self._from_arrays(self._days + other._days, self._close + other._close, self._high + other._high,
                                 self._low + other._low)

    @classmethod
    def _from_arrays(cls, days: array, close: array, high: array, low: array) -> PackedPoints:
        packed = cls.__new__(cls)
        packed._days, packed._close, packed._high, packed._low = days, close, high, low
        return packed
