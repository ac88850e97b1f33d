"""Percent changes as `!rotation` shows them: the one `pct` formula, and the table of both legs over 1 day to YTD.

`pct` is the move rule's day change, exact on the price grid, so a figure shown and an alert judged never differ
in the last digit. The table counts sessions back on the joint series (rotation_series.joint_series), so a
session one source skipped never shifts a period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from alerts.rotation_series import joint_series
from alerts.rules.exact import change_pct, price_units
from alerts.rules.model import Point

PERIODS = (("1 day", 1), ("1 week", 5), ("1 month", 21), ("3 months", 63))  # label, sessions back


@dataclass(frozen=True)
class Period:
    label: str
    since: date | None  # the reference close
    small_pct: float | None
    large_pct: float | None

    @property
    def gap(self) -> float | None:
        """Small minus large, in percentage points: above 0 when small caps led."""
        if self.small_pct is None or self.large_pct is None:
            return None
        return self.small_pct - self.large_pct


def pct(value: float | None, reference: float | None) -> float | None:
    """value against reference, percent: the move rule's day change (exact on the price grid)."""
    if value is None or not reference or price_units(reference) <= 0:
        return None
    return change_pct(price_units(value), price_units(reference))


def periods_table(small: Sequence[Point], large: Sequence[Point], end: date | None) -> tuple[Period, ...]:
    """Both legs' change over each of PERIODS to the joint session `end`, then YTD from last year's last close."""
    if end is None:
        return tuple(Period(label, None, None, None) for label, _ in PERIODS) + (Period("YTD", None, None, None),)
    longest = max(n for _, n in PERIODS)
    # Everything this year, and `longest` sessions before it: enough for 3 months and the last close of last year.
    joint = joint_series(small, large, end, date(end.year, 1, 1), extra=longest)
    _, small_end, large_end = joint[-1]

    def period(label: str, reference: tuple[date, float, float] | None) -> Period:
        if reference is None:
            return Period(label, None, None, None)
        day, small_then, large_then = reference
        return Period(label, day, pct(small_end, small_then), pct(large_end, large_then))

    out = [period(label, joint[-1 - n] if len(joint) > n else None) for label, n in PERIODS]
    last_year = [row for row in joint if row[0].year < end.year]
    out.append(period("YTD", last_year[-1] if last_year else None))
    return tuple(out)
