"""`rotobot fomc [--json]` and `rotobot fomc import PATH...`: the stored FOMC calendar, decisions and projections."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

from alerts.fomc.announce import known_days, meeting_days, range_in_force_before, rate_range, sized
from alerts.fomc.calendar_page import CalendarLayoutChanged, parse_calendar_page
from alerts.fomc.fred import FredSeries, decision_day, decisions_from_ranges, parse_fred_csv
from alerts.fomc.models import Decision, Meeting
from alerts.fomc.projections import Projections, ProjectionsLayoutChanged, parse_projections, to_json
from alerts.fomc.projections_text import path_line
from alerts.fomc.statement import StatementUnreadable, read_statement
from bot.cli_data import InputError, read_text_file
from bot.settings import Settings
from storage import fomc
from storage.database import Database

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_LONG_DATE = re.compile(rf"\b({_MONTHS})\s+(\d{{1,2}}),\s+(\d{{4}})\b")
_FILE_DATE = re.compile(r"(20\d{2}|19\d{2})-?(\d{2})-?(\d{2})")
# The title and heading of the Fed's accessible SEP page ("December 10, 2025: FOMC Projections materials"), or its
# Table 1's heading: a saved page keeps at least one of them. Checked before the calendar page, whose name the SEP
# page's navigation also holds.
_PROJECTIONS_PAGE = re.compile(r"[A-Z][a-z]+\s+\d{1,2},\s+\d{4}:\s+FOMC\s+Projections\s+materials"
                               r"|Economic\s+projections\s+of\s+Federal\s+Reserve\s+Board\s+members", re.IGNORECASE)
EXPECTED = ("the FOMC calendar page, a statement page, a projections (SEP) page, or a FRED DFEDTARU/DFEDTARL CSV")


def show(settings: Settings, as_json: bool) -> str:
    database = _open(settings)
    try:
        meetings, decisions = database.call(fomc.meetings), database.call(fomc.decisions)
        stored = [s.projections for s in database.call(fomc.projections)]
    finally:
        database.close()
    meetings = [m for m in meetings if not m.notation_vote]
    if as_json:
        return json.dumps({
            "meetings": [{"start": m.start.isoformat(), "end": m.end.isoformat(), "sep": m.sep} for m in meetings],
            "decisions": [
                {"date": d.date.isoformat(), "lower": d.lower, "upper": d.upper, "change_bp": d.change_bp,
                 "action": d.action}
                for d in sorted(decisions, key=lambda d: d.date)
            ],
            "projections": [to_json(p) for p in stored],  # latest meeting first
        })
    lines = ["Meetings (* with projections):"]
    lines += [f"  {m.end}  {meeting_days(m)}{' *' if m.sep else ''}{' (unscheduled)' if m.unscheduled else ''}"
              for m in meetings]
    lines.append("Decisions:")
    for d in sorted(decisions, key=lambda d: d.date):
        shown = rate_range(d.lower, d.upper) if d.lower is not None else "could not be read"
        change = f"{d.change_bp:+d} bp" if d.change_bp else ("hold" if d.action == "maintain" else d.action)
        lines.append(f"  {d.date}  {d.action:<8} {change:>8}  {shown}  ({d.source})")
    lines.append("Projections (median funds rate, %, the previous round's in brackets):")
    lines += [f"  {p.meeting}  {path_line(p)}" for p in stored] or ["  none stored yet"]
    return "\n".join(lines)


def import_files(settings: Settings, paths: list[Path], now: datetime) -> str:
    """Each file is detected from its content: the calendar page, a statement page, a projections (SEP) page, or a
    FRED target CSV. Nothing is stored unless every file reads."""
    meetings: list[Meeting] = []
    statements: list[Decision] = []
    projections: list[tuple[Projections, str]] = []
    series: dict[str, FredSeries] = {}
    for path in paths:
        text = read_text_file(path, EXPECTED)
        head = text.lstrip()[:200].lower()
        if head.startswith(("observation_date,", "date,")):
            try:
                parsed = parse_fred_csv(text)
            except ValueError as exc:
                raise InputError(f"{path}: {exc}") from None
            series[parsed.series_id] = parsed
        elif _PROJECTIONS_PAGE.search(text):
            try:
                projections.append((parse_projections(text), path.resolve().as_uri()))
            except ProjectionsLayoutChanged as exc:
                raise InputError(f"{path} looks like an FOMC projections (SEP) page but could not be read: {exc}; "
                                 "expected the Fed's accessible page, fomcprojtablYYYYMMDD.htm, saved whole") from None
        elif "fomc-meeting" in text or "meeting calendars" in text.lower():
            try:
                found = parse_calendar_page(text)
            except CalendarLayoutChanged as exc:
                raise InputError(f"{path} looks like the calendar page but could not be read: {exc}") from None
            meetings += found.meetings
        elif "federal funds rate" in text.lower():
            statements.append(_statement(path, text))
        else:
            raise InputError(f"{path} is none of: {EXPECTED}")
    fred = []
    if series:
        if set(series) != {"DFEDTARU", "DFEDTARL"}:
            missing = ({"DFEDTARU", "DFEDTARL"} - set(series)).pop()
            raise InputError(f"a FRED target range needs both limits: pass the {missing} CSV too")
        fred = decisions_from_ranges(series["DFEDTARU"], series["DFEDTARL"])

    database = Database.open(settings.storage.database, busy_timeout_ms=settings.storage.busy_timeout_ms)
    try:
        if meetings:
            database.call(fomc.upsert_meetings, meetings, now)
        ends = sorted(m.end for m in database.call(fomc.meetings) if not m.notation_vote)
        stored = {d.date: d for d in database.call(fomc.decisions)}
        for decision in fred:
            day = decision_day(decision.date, ends)
            if day not in stored or stored[day].source == "fred":
                database.call(fomc.upsert_decision, Decision(day, *_fields(decision)), now)
        for decision in statements:
            # Sized as the live job sizes it: from FRED's change on that day, else the meeting immediately before.
            stored = database.call(fomc.decisions)
            days = known_days(database.call(fomc.meetings), stored)
            before = None if decision.change_bp is not None else range_in_force_before(decision.date, stored, days)
            database.call(fomc.upsert_decision, sized(decision, before), now)
        for reading, source in projections:
            database.call(fomc.upsert_projections, reading, source, now)
    finally:
        database.close()
    parts = []
    if meetings:
        parts.append(f"{len(meetings)} meetings from the calendar page")
    if fred:
        parts.append(f"{len(fred)} range changes from FRED")
    parts += [f"the {d.date} statement ({d.action}, {rate_range(d.lower, d.upper)})" for d in statements]
    parts += [f"the projections of the {p.meeting} meeting ({p.participants} participants; median funds rate, %, "
              f"{p.previous_round}'s in brackets: {path_line(p)})" for p, _ in projections]
    return "Stored " + "; ".join(parts)


def _fields(d: Decision) -> tuple:
    return d.action, d.lower, d.upper, d.change_bp, d.source, d.unscheduled, d.statement_url, d.votes


def _statement(path: Path, text: str) -> Decision:
    try:
        reading = read_statement(text)
    except StatementUnreadable as exc:
        raise InputError(f"{path} looks like a statement but the decision could not be read: {exc}") from None
    day = _statement_day(path, text)
    if day is None:
        raise InputError(f"cannot tell the date of the statement in {path}: name the file monetaryYYYYMMDDa.htm")
    return Decision(day, reading.action, reading.lower, reading.upper, reading.change_bp, "statement",
                    votes={"for": reading.voted_for, "against": reading.voted_against, "notes": reading.dissent_notes})


def _statement_day(path: Path, text: str) -> date | None:
    found = _FILE_DATE.search(path.name)
    if found:
        return date(int(found[1]), int(found[2]), int(found[3]))
    written = _LONG_DATE.search(text)
    if written:
        return datetime.strptime(" ".join(written.groups()), "%B %d %Y").date()
    return None


def _open(settings: Settings) -> Database:
    if not Path(settings.storage.database).exists():
        raise InputError(f"There is no database at {settings.storage.database} yet: run rotobot once, or pass --db")
    return Database.open(settings.storage.database, busy_timeout_ms=settings.storage.busy_timeout_ms)
