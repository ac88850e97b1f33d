"""FOMC meetings (the calendar) and decisions (what the Committee did), keyed by the decision date."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime

import sqlite_utils

from alerts.fomc.models import Decision, Meeting, size_agrees
from storage.timestamps import to_iso


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
