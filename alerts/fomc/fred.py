"""FRED's fredgraph CSV of the target range limits, DFEDTARU (upper) and DFEDTARL (lower), and the decisions in them.

    observation_date,DFEDTARU        (older downloads: DATE,DFEDTARU)
    2008-12-16,0.25
    2008-12-17,0.25

One row a day, weekends included. FRED writes "." for a day without a value; the recorded 2008-2025 files have
none, but FRED's daily series use it, so such rows are counted and skipped. A body is taken whole or refused
whole: one row rotobot cannot read means FRED sent something else.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from alerts.fomc.bundled import decision_days
from alerts.fomc.models import Decision

DATE_COLUMNS = ("observation_date", "date")
SERIES_ID = re.compile(r"^[A-Z][A-Z0-9_]*$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UPPER, LOWER = "DFEDTARU", "DFEDTARL"


@dataclass(frozen=True)
class FredSeries:
    series_id: str  # "DFEDTARU" or "DFEDTARL", from the header
    values: dict[date, float]  # in date order; "." rows skipped
    skipped: int  # how many "." rows


def parse_fred_csv(text: str | bytes) -> FredSeries:
    """One fredgraph CSV series. Raises ValueError naming the line for anything that is not one."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as problem:
            raise ValueError(f"FRED CSV is not UTF-8 text (bad byte at {problem.start})") from None
    text = text.lstrip("\ufeff")
    stripped = text.strip()
    if not stripped:
        raise ValueError("empty body: expected a FRED CSV")
    if stripped.startswith("<"):
        raise ValueError(f"expected a FRED CSV, got HTML ({_html_title(stripped)})")
    lines = text.splitlines()
    header = [cell.strip() for cell in lines[0].split(",")]
    if len(header) != 2 or header[0].lower() not in DATE_COLUMNS or not SERIES_ID.match(header[1]):
        raise ValueError(f"unknown header {lines[0][:80]!r}: expected 'observation_date,SERIES' or 'DATE,SERIES'")
    series_id = header[1]

    values: dict[date, float] = {}
    skipped = 0
    previous: date | None = None
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = [cell.strip() for cell in line.split(",")]
        if len(cells) != 2:
            raise ValueError(f"line {number}: expected 2 fields (date,value), got {len(cells)}: {line[:80]!r}")
        raw_date, raw_value = cells
        if not ISO_DATE.match(raw_date):
            raise ValueError(f"line {number}: {raw_date!r} is not a date YYYY-MM-DD")
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            raise ValueError(f"line {number}: {raw_date!r} is not a calendar date") from None
        if previous is not None and day <= previous:
            raise ValueError(f"line {number}: {day} does not follow {previous} (duplicate or out of order)")
        previous = day
        if raw_value == ".":
            skipped += 1
            continue
        try:
            value = float(raw_value)
        except ValueError:
            raise ValueError(f"line {number}: {series_id} value {raw_value!r} on {day} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"line {number}: {series_id} value {raw_value!r} on {day} is not a finite number")
        values[day] = value
    if previous is None:
        raise ValueError(f"{series_id}: no observation after the header")
    return FredSeries(series_id=series_id, values=values, skipped=skipped)


def decisions_from_ranges(upper: FredSeries, lower: FredSeries) -> list[Decision]:
    """A Decision on each date where the (lower, upper) pair differs from the one before it.

    The date is the FIRST day the new range is in effect in FRED, which is usually the day after the meeting
    that decided it (2024-09-19 for the cut of the 2024-09-18 meeting; 2020-03-16 for the Sunday 2020-03-15
    cut), but for the hikes of 2015-12-16 and 2016-12-14 FRED dates the new range on the decision day itself.
    The caller maps a change on day D to its meeting with meeting_for (which knows every decision day from 2006
    on); unscheduled is set here from those shipped days, for changes within the years they cover. Only dates
    present in both series count; a date in one series alone is skipped, and a day without a value in either is
    simply not compared, so after a gap the change lands on the first day seen again. action comes from the sign
    of the move, change_bp from the upper limit's move (the lower limit's when the upper did not move), in whole
    basis points. The first common date opens the comparison and yields no Decision.
    """
    if upper.series_id != UPPER or lower.series_id != LOWER:
        raise ValueError(
            f"expected {UPPER} (upper) and {LOWER} (lower) series, got {upper.series_id} and {lower.series_id}"
        )
    decisions: list[Decision] = []
    covered_until = max(decision_days()) + timedelta(days=MAP_WINDOW_DAYS)
    before: tuple[float, float] | None = None
    for day in sorted(upper.values.keys() & lower.values.keys()):
        now = (round(lower.values[day], 4), round(upper.values[day], 4))
        if before is not None and now != before:
            change = round((now[1] - before[1]) * 100) or round((now[0] - before[0]) * 100)
            action = "raise" if change > 0 else "lower" if change < 0 else "maintain"
            unscheduled = meeting_for(day)[1] if day <= covered_until else False  # later: the caller's calendar
            decisions.append(Decision(date=day, action=action, lower=now[0], upper=now[1], change_bp=change,
                                      source="fred", unscheduled=unscheduled))
        before = now
    return decisions


def _html_title(html: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", html, re.IGNORECASE | re.DOTALL)
    if match and match.group(1).strip():
        return f"page title {' '.join(match.group(1).split())[:60]!r}"
    return f"starts {html[:60]!r}"


MAP_WINDOW_DAYS = 4  # a new range shows in FRED on its decision day, the day after, or after a weekend


def decision_day(effective: date, meeting_ends: Iterable[date] = ()) -> date:
    """The decision day behind a FRED range change that took effect on `effective` (see meeting_for)."""
    return meeting_for(effective, meeting_ends)[0]


def meeting_for(effective: date, meetings: Mapping[date, bool] | Iterable[date] = ()) -> tuple[date, bool]:
    """(decision day, unscheduled) of the meeting behind a FRED range change that took effect on `effective`.

    FRED usually shows a new range from the day after the meeting, but for some decisions (the hikes of
    2015-12-16 and 2016-12-14) from the decision day itself; so the latest decision day on `effective` or up to
    four days before it. The days known are the caller's calendar (`meetings`: end date -> unscheduled, or end
    dates, taken as scheduled) and the decision days rotobot ships (2006-2027, bundled.decision_days), so a
    change is dated right whatever calendar the database holds. With none, the change came from no known meeting:
    it is marked unscheduled and dated the day before it took effect.
    """
    days = dict(decision_days())
    if isinstance(meetings, Mapping):
        days.update(meetings)
    else:
        for end in meetings:
            days.setdefault(end, False)
    candidates = [day for day in days if 0 <= (effective - day).days <= MAP_WINDOW_DAYS]
    if not candidates:
        return effective - timedelta(days=1), True
    day = max(candidates)
    return day, days[day]
