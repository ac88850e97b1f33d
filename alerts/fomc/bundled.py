"""FOMC meetings and decisions shipped with rotobot (data/fomc_meetings.csv; origins in data/SOURCES.md).

The file is compiled from the Fed's calendar page (dates, SEP) and FRED's target range series (decisions through
October 2025; December 2025 from the statement), not recorded as one file:

    start_date,end_date,has_sep,decision_upper,decision_lower,source
    2024-09-17,2024-09-18,true,5.00,4.75,dates+SEP: ...; decision: FRED DFEDTARU/DFEDTARL value effective 2024-09-19 ...
    2026-01-27,2026-01-28,false,,,dates+SEP: ...

and, for the decision days of 2006 on, data/fomc_decision_days.csv: one row per day the FOMC issued a statement
on the federal funds rate target, taken from the file names (and datelines) of a public archive of the statements:

    decision_day,unscheduled,archive_file
    2015-12-16,false,2015-12-16-fomc-statement.md
    2020-03-15,true,2020-03-15-fomc-statement.md
"""

from __future__ import annotations

import csv
import io
from datetime import date
from importlib import resources

from alerts.fomc.models import Decision, Meeting

SOURCE = "bundled"
FLAGS = {"true": True, "false": False}


def bundled_meetings() -> list[Meeting]:
    """Every meeting in the bundled file, 2024-2027, in date order."""
    return [meeting for meeting, _ in _rows()]


def bundled_decisions() -> list[Decision]:
    """A Decision on the end date of each meeting whose range the file gives (2024 to December 2025).

    action and change_bp compare each range with the previous decision in the file. The file starts with the
    meeting of 2024-01-31, whose range the file cannot compare with anything: it is taken as "maintain" (the
    range had been 5.25-5.50 since July 2023, but the file does not say so) with change_bp None.
    """
    decisions: list[Decision] = []
    previous: tuple[float, float] | None = None
    for meeting, limits in _rows():
        if limits is None:
            continue
        lower, upper = limits
        if previous is None:
            action, change_bp = "maintain", None
        else:
            change_bp = round((upper - previous[1]) * 100)
            action = "raise" if change_bp > 0 else "lower" if change_bp < 0 else "maintain"
        decisions.append(
            Decision(date=meeting.end, action=action, lower=lower, upper=upper, change_bp=change_bp, source=SOURCE)
        )
        previous = limits
    return decisions


def decision_days() -> dict[date, bool]:
    """Every known FOMC decision day from 2006-01-31 through 2027-12-08, mapped to whether it was unscheduled.

    The statement archive covers 2006-01-31 to 2025-07-30 (unscheduled actions included); the bundled calendar
    covers the scheduled meetings of 2024-2027. FRED's range changes and the statements' sizes are dated and
    checked against these days (alerts/fomc/fred.py, alerts/fomc/announce.py).
    """
    return dict(_decision_days())


def _decision_days() -> dict[date, bool]:
    global _DAYS
    if _DAYS is None:
        text = resources.files("alerts.fomc").joinpath("data", "fomc_decision_days.csv").read_text(encoding="utf-8")
        days: dict[date, bool] = {}
        for number, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
            try:
                days[date.fromisoformat(row["decision_day"])] = FLAGS[row["unscheduled"]]
            except (KeyError, ValueError) as problem:
                raise ValueError(f"bundled fomc_decision_days.csv line {number}: {problem!r}") from None
        for meeting in bundled_meetings():
            days.setdefault(meeting.end, meeting.unscheduled)
        _DAYS = dict(sorted(days.items()))
    return _DAYS


_DAYS: dict[date, bool] | None = None


def _rows() -> list[tuple[Meeting, tuple[float, float] | None]]:
    text = resources.files("alerts.fomc").joinpath("data", "fomc_meetings.csv").read_text(encoding="utf-8")
    rows = []
    for number, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        try:
            meeting = Meeting(
                start=date.fromisoformat(row["start_date"]),
                end=date.fromisoformat(row["end_date"]),
                sep=FLAGS[row["has_sep"]],
                source=SOURCE,
            )
            upper, lower = row["decision_upper"].strip(), row["decision_lower"].strip()
            if bool(upper) != bool(lower):
                raise ValueError("one limit of the range without the other")
            limits = (float(lower), float(upper)) if upper else None
        except (KeyError, ValueError) as problem:
            raise ValueError(f"bundled fomc_meetings.csv line {number}: {problem!r}") from None
        rows.append((meeting, limits))
    rows.sort(key=lambda pair: pair[0].end)
    return rows
