"""The outbox: events waiting for delivery, and the log of those delivered.

An event is written here in the same transaction as the rule state that produced it; the dispatcher marks it
delivered only after the send succeeded. The unique event_key means the same event can never be queued twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from storage.timestamps import from_iso, to_iso

log = logging.getLogger(__name__)


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


def enqueue(db: sqlite_utils.Database, event_key: str, kind: str, payload: dict, now: datetime) -> str | None:
    """Queue an event; returns the key it was queued under, or None when this very alert was queued already.

    The same key with the same alert is a repeat (a job run twice, a restart): nothing new. The same key with a
    different alert (another recipient, another trigger) is a bug somewhere upstream, never a reason to drop it:
    it is logged as an error and queued under a key of its own.
    """
    text = json.dumps(payload, sort_keys=True)
    if _insert(db, event_key, kind, text, now):
        return event_key
    row = db.execute("SELECT kind, payload FROM outbox WHERE event_key = ?", [event_key]).fetchone()
    if row is None or _identity(row[0], json.loads(row[1])) == _identity(kind, payload):
        return None
    own_key = f"{event_key}#{hashlib.sha256(text.encode()).hexdigest()[:12]}"
    log.error("Alert key %s is already taken by a different alert (%s); queued this one as %s instead",
              event_key, ", ".join(_differences(row[0], json.loads(row[1]), kind, payload)), own_key)
    return own_key if _insert(db, own_key, kind, text, now) else None


def _insert(db: sqlite_utils.Database, event_key: str, kind: str, payload_text: str, now: datetime) -> bool:
    cursor = db.execute(
        "INSERT INTO outbox (event_key, kind, payload, created_at, attempts, next_attempt_at) "
        "VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT (event_key) DO NOTHING",
        [event_key, kind, payload_text, to_iso(now), to_iso(now)],
    )
    return cursor.rowcount == 1


# What makes two alerts the same alert: where it goes and what it is about. The wording and the instant may differ
# between two runs that saw the same thing (a tick a poll later, a message reworded by an upgrade).
_IDENTITY = ("guild_id", "user_id", "channel_id", "exclude_guilds", "operator", "rule_id", "symbol", "trigger",
             "direction", "date")


def _identity(kind: str, payload: dict) -> tuple:
    return (kind, *(json.dumps(payload.get(name), sort_keys=True) for name in _IDENTITY))


def _differences(kind_a: str, a: dict, kind_b: str, b: dict) -> list[str]:
    names = ["kind"] if kind_a != kind_b else []
    return names + [f"{name} {a.get(name)!r} vs {b.get(name)!r}" for name in _IDENTITY if a.get(name) != b.get(name)]


def pending_count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT count(*) FROM outbox WHERE delivered_at IS NULL").fetchone()[0]


def oldest_undelivered(db: sqlite_utils.Database) -> datetime | None:
    """When the oldest alert still waiting for delivery was queued: a stuck transport shows here first."""
    value = db.execute("SELECT min(created_at) FROM outbox WHERE delivered_at IS NULL").fetchone()[0]
    return from_iso(value) if value else None




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


# --- recording events with the state that produced them ---------------------------------------------------------------


def commit_evaluation(
    db: sqlite_utils.Database,
    states: list[tuple[str, str, dict]],
    events: list[tuple[str, str, dict]],
    now: datetime,
    also: Callable[[sqlite_utils.Database], object] | None = None,
) -> list[str]:
    """Save rule states, apply `also`, and queue the events, in ONE transaction; returns the keys queued.

    Either all of it lands or none of it: a crash can never leave a state that says "fired" (or a decision stored
    as known, a subscription settled) without its alert queued, nor an alert queued twice (the unique key).
    `states` are (rule_id, key, state); `events` (key, kind, payload); `also` is any other write the alerts
    belong to, such as storing the FOMC decision they announce.
    """
    from storage.alert_state import save_state  # sibling repository; imported here to keep the modules flat

    with db.atomic():
        for rule_id, key, state in states:
            save_state(db, rule_id, key, state, now)
        if also is not None:
            also(db)
        queued = (enqueue(db, key, kind, payload, now) for key, kind, payload in events)
        return [key for key in queued if key is not None]


# --- per-transport delivery ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    event: OutboxEvent
    transport: str
    attempts: int  # earlier tries to this transport
    possibly_repeated: bool  # an earlier send was never confirmed: this one may be a repeat


def deliveries_due(db: sqlite_utils.Database, transports: list[str], now: datetime, limit: int = 50) -> list[Delivery]:
    """Each undelivered (event, transport) pair whose next try is due, oldest event first."""
    if not transports:
        return []
    names = ", ".join("(?)" for _ in transports)
    rows = db.query(
        f"""
        WITH t(name) AS (VALUES {names})
        SELECT o.*, t.name AS transport, coalesce(d.attempts, 0) AS tries, coalesce(d.possibly_repeated, 0) AS maybe
        FROM outbox o CROSS JOIN t
        LEFT JOIN deliveries d ON d.event_id = o.id AND d.transport = t.name
        WHERE o.delivered_at IS NULL
          AND (d.event_id IS NULL OR (d.delivered_at IS NULL AND d.sending_at IS NULL AND d.next_attempt_at <= ?))
        ORDER BY o.id, t.name
        LIMIT ?
        """,
        [*transports, to_iso(now), limit],
    )
    return [Delivery(_event(row), row["transport"], row["tries"], bool(row["maybe"])) for row in rows]


def mark_sending(db: sqlite_utils.Database, event_id: int, transport: str, now: datetime) -> None:
    """Written (and committed) just before the send, so a crash mid-send is known at the next start."""
    db.execute(
        "INSERT INTO deliveries (event_id, transport, attempts, next_attempt_at, sending_at) VALUES (?, ?, 1, ?, ?) "
        "ON CONFLICT (event_id, transport) DO UPDATE SET attempts = attempts + 1, sending_at = excluded.sending_at",
        [event_id, transport, to_iso(now), to_iso(now)],
    )


def mark_sent(db: sqlite_utils.Database, event_id: int, transport: str, now: datetime, transports: list[str]) -> None:
    """The send succeeded; when every transport has it, the event leaves the outbox for the log."""
    with db.atomic():
        db.execute(
            "UPDATE deliveries SET delivered_at = ?, sending_at = NULL, last_error = NULL "
            "WHERE event_id = ? AND transport = ?",
            [to_iso(now), event_id, transport],
        )
        names = ", ".join("?" for _ in transports)
        done = db.execute(
            f"SELECT count(*) FROM deliveries WHERE event_id = ? AND transport IN ({names}) AND delivered_at IS NOT NULL",
            [event_id, *transports],
        ).fetchone()[0]
        if done == len(set(transports)):
            db.execute("UPDATE outbox SET delivered_at = ? WHERE id = ?", [to_iso(now), event_id])


def mark_send_failed(
    db: sqlite_utils.Database, event_id: int, transport: str, error: str, retry_at: datetime
) -> None:
    db.execute(
        "UPDATE deliveries SET sending_at = NULL, last_error = ?, next_attempt_at = ? WHERE event_id = ? AND transport = ?",
        [error[:500], to_iso(retry_at), event_id, transport],
    )


def recover_unconfirmed(db: sqlite_utils.Database) -> int:
    """At start: sends that began but were never confirmed (the process died) are retried, marked possibly repeated."""
    return db.execute(
        "UPDATE deliveries SET sending_at = NULL, possibly_repeated = 1 WHERE sending_at IS NOT NULL "
        "AND delivered_at IS NULL"
    ).rowcount


def delivery_log(db: sqlite_utils.Database, event_key: str) -> list[dict]:
    """Every transport's delivery of one event, for status and tests."""
    return list(
        db.query(
            "SELECT d.* FROM deliveries d JOIN outbox o ON o.id = d.event_id WHERE o.event_key = ? ORDER BY transport",
            [event_key],
        )
    )
