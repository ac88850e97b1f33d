"""FOMC meetings (the calendar), decisions (what the Committee did) and projections (the SEP), keyed by the
decision date."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlite_utils

from alerts.fomc.models import Decision, Meeting, size_agrees
from alerts.fomc.projections import Projections
from alerts.fomc.projections_json import from_json, to_full_json
from storage.timestamps import from_iso, to_iso

log = logging.getLogger(__name__)


def upsert_meetings(db: sqlite_utils.Database, meetings: Iterable[Meeting], now: datetime) -> int:
    rows = [
        {
            "end_date": m.end.isoformat(),
            "start_date": m.start.isoformat(),
            "sep": int(m.sep),
            "unscheduled": int(m.unscheduled),
            "notation_vote": int(m.notation_vote),
            "source": m.source,
            "updated_at": to_iso(now),
        }
        for m in meetings
    ]
    if rows:
        with db.atomic():
            db["fomc_meetings"].upsert_all(rows, pk="end_date")
    return len(rows)


def meetings(db: sqlite_utils.Database, since: date | None = None) -> list[Meeting]:
    rows = db.query(
        "SELECT * FROM fomc_meetings WHERE end_date >= ? ORDER BY end_date",
        [(since or date.min).isoformat()],
    )
    return [
        Meeting(
            start=date.fromisoformat(r["start_date"]),
            end=date.fromisoformat(r["end_date"]),
            sep=bool(r["sep"]),
            source=r["source"],
            unscheduled=bool(r["unscheduled"]),
            notation_vote=bool(r["notation_vote"]),
        )
        for r in rows
    ]


def upsert_decision(db: sqlite_utils.Database, decision: Decision, now: datetime) -> None:
    with db.atomic():
        db["fomc_decisions"].upsert(
            {
                "date": decision.date.isoformat(),
                "action": decision.action,
                "lower": decision.lower,
                "upper": decision.upper,
                "change_bp": decision.change_bp if size_agrees(decision.action, decision.change_bp) else None,
                "unscheduled": int(decision.unscheduled),
                "statement_url": decision.statement_url,
                "votes": json.dumps(decision.votes, sort_keys=True),
                "source": decision.source,
                "recorded_at": to_iso(now),
            },
            pk="date",
        )


def decisions(db: sqlite_utils.Database, limit: int | None = None) -> list[Decision]:
    """Decisions, newest first. A size whose sign disagrees with the action (stored before rotobot checked) reads
    as unknown."""
    rows = db.query("SELECT * FROM fomc_decisions ORDER BY date DESC LIMIT ?", [-1 if limit is None else limit])
    return [
        Decision(
            date=date.fromisoformat(r["date"]),
            action=r["action"],
            lower=r["lower"],
            upper=r["upper"],
            change_bp=r["change_bp"] if size_agrees(r["action"], r["change_bp"]) else None,
            source=r["source"],
            unscheduled=bool(r["unscheduled"]),
            statement_url=r["statement_url"],
            votes=json.loads(r["votes"]) if r["votes"] else {},
        )
        for r in rows
    ]


@dataclass(frozen=True)
class StoredProjections:
    projections: Projections
    source_url: str  # the page it was read from, or file:///... for a saved copy imported
    recorded_at: datetime


def upsert_projections(db: sqlite_utils.Database, projections: Projections, source_url: str, now: datetime) -> None:
    """Store one meeting's projections, replacing an earlier reading of the same meeting."""
    with db.atomic():
        db.execute(
            "INSERT INTO fomc_projections (meeting, projections, source_url, recorded_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (meeting) DO UPDATE SET projections = excluded.projections, "
            "source_url = excluded.source_url, recorded_at = excluded.recorded_at",
            [projections.meeting.isoformat(), json.dumps(to_full_json(projections)), source_url, to_iso(now)],
        )


def has_projections(db: sqlite_utils.Database, meeting: date) -> bool:
    return db.execute("SELECT 1 FROM fomc_projections WHERE meeting = ?", [meeting.isoformat()]).fetchone() is not None


def projections(db: sqlite_utils.Database, limit: int | None = None) -> list[StoredProjections]:
    """Stored projections, latest meeting first. A row that no longer reads (damaged by hand, say) is passed over
    with an error in the log, so one bad row never hides the others."""
    rows = db.execute("SELECT meeting, projections, source_url, recorded_at FROM fomc_projections "
                      "ORDER BY meeting DESC").fetchall()
    found = []
    for meeting, text, source_url, recorded_at in rows:
        try:
            reading = from_json(json.loads(text))
        except ValueError as exc:  # json.JSONDecodeError is a ValueError too
            log.error("The stored FOMC projections of %s cannot be read (%s); passed over", meeting, exc)
            continue
        found.append(StoredProjections(reading, source_url, from_iso(recorded_at)))
        if limit is not None and len(found) >= limit:
            break
    return found
