"""The maths over the two legs' joint sessions that the view and the chart share, and the series the chart draws.

A joint session is one where both legs have a close, exactly as the rotation_spread rule pairs them
(alerts/rules/closes.py). The spread is the rule's own exact spread_units and a record is the new_high rule's own
fold (series.record), so the chart draws the very values and records the alerts were judged on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from alerts.rules.exact import as_pct, spread_units
from alerts.rules.model import Point, RotationSpread
from alerts.rules.series import count_through, record


def last_joint(small: Sequence[Point], large: Sequence[Point], through: date) -> date | None:
    """The latest session up to `through` where both legs have a close."""
    i, j = count_through(small, through) - 1, count_through(large, through) - 1
    while i >= 0 and j >= 0:
        a, b = small[i].date, large[j].date
        if a == b:
            return a
        if a > b:
            i -= 1
        else:
            j -= 1
    return None


def joint_series(small: Sequence[Point], large: Sequence[Point], through: date, since: date,
                 extra: int = 0) -> list[tuple[date, float, float]]:
    """(date, small close, large close) of the sessions where both legs have a close, from `since` to `through`,
    plus `extra` such sessions before `since`; oldest first. Walks back from `through`: cost follows the span."""
    i, j = count_through(small, through) - 1, count_through(large, through) - 1
    out: list[tuple[date, float, float]] = []
    before = 0
    while i >= 0 and j >= 0:
        a, b = small[i].date, large[j].date
        if a == b:
            if a < since:
                if before >= extra:
                    break
                before += 1
            out.append((a, small[i].close, large[j].close))
            i, j = i - 1, j - 1
        elif a > b:
            i -= 1
        else:
            j -= 1
    out.reverse()
    return out


def spread_series(history: Mapping[str, Sequence[Point]], rule: RotationSpread, start: date,
                  end: date) -> list[tuple[date, float]]:
    """The rule's metric on every joint session from `start` to `end`: what the chart's upper panel draws."""
    small, large = history.get(rule.small, ()), history.get(rule.large, ())
    joint = joint_series(small, large, end, start, extra=rule.window)
    out = []
    for k in range(rule.window, len(joint)):
        day, small_now, large_now = joint[k]
        _, small_then, large_then = joint[k - rule.window]
        if day >= start:
            out.append((day, as_pct(spread_units(small_now, large_now, small_then, large_then))))
    return out


def record_closes(points: Sequence[Point], start: date, end: date) -> list[Point]:
    """Closes from `start` to `end` above every earlier close (all earlier history counts, not just the range):
    the sessions the new_high rule announces, by the same fold."""
    first, last = count_through(points, start - timedelta(days=1)), count_through(points, end)
    best = record(points, 0, first)
    out = []
    for index in range(first, last):
        after = record(points, index, index + 1, best)
        if best is not None and after[1] == points[index].date:  # the first close ever beats nothing
            out.append(points[index])
        best = after
    return out
