"""The outbox: events waiting for delivery, and the log of those delivered.

An event is written here in the same transaction as the rule state that produced it; the dispatcher marks it
delivered only after the send succeeded. The unique event_key means the same event can never be queued twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from storage.timestamps import from_iso, to_iso


@dataclass(frozen=True)
class OutboxEvent:
    id: int
    event_key: str
    kind: str
    payload: dict
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_error: str | None


def enqueue(db: sqlite_utils.Database, event_key: str, kind: str, payload: dict, now: datetime) -> bool:
    """Queue an event; False when an event with this key was already queued (or delivered)."""
    cursor = db.execute(
        "INSERT INTO outbox (event_key, kind, payload, created_at, attempts, next_attempt_at) "
        "VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT (event_key) DO NOTHING",
        [event_key, kind, json.dumps(payload, sort_keys=True), to_iso(now), to_iso(now)],
    )
    return cursor.rowcount == 1


def due(db: sqlite_utils.Database, now: datetime, limit: int = 50) -> list[OutboxEvent]:
    """Undelivered events whose next attempt is due, oldest first."""
    rows = db.query(
        "SELECT * FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?",
        [to_iso(now), limit],
    )
    return [_event(row) for row in rows]


def pending_count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT count(*) FROM outbox WHERE delivered_at IS NULL").fetchone()[0]


def mark_delivered(db: sqlite_utils.Database, event_id: int, now: datetime) -> None:
    db.execute(
        "UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL "
        "WHERE id = ? AND delivered_at IS NULL",
        [to_iso(now), event_id],
    )


def mark_failed(db: sqlite_utils.Database, event_id: int, error: str, retry_at: datetime) -> None:
    db.execute(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
        "WHERE id = ? AND delivered_at IS NULL",
        [error[:500], to_iso(retry_at), event_id],
    )


def recent(db: sqlite_utils.Database, limit: int = 20) -> list[OutboxEvent]:
    return [_event(row) for row in db.query("SELECT * FROM outbox ORDER BY id DESC LIMIT ?", [limit])]


def _event(row: dict) -> OutboxEvent:
    return OutboxEvent(
        id=row["id"],
        event_key=row["event_key"],
        kind=row["kind"],
        payload=json.loads(row["payload"]),
        created_at=from_iso(row["created_at"]),
        attempts=row["attempts"],
        next_attempt_at=from_iso(row["next_attempt_at"]),
        delivered_at=from_iso(row["delivered_at"]) if row["delivered_at"] else None,
        last_error=row["last_error"],
    )
