"""The delivery log, per target: check it before sending, write it after (Alertmanager's rule).

Each transport resolves a queued alert to its targets once (`resolve`, a row in `fanouts` and one in `deliveries`
per target). Each target is then tried, retried and given up on by itself: `sending_at` is committed just before
a send, so a crash mid-send is known at the next start (`recover_unconfirmed`: sent again, marked possibly
repeated); `done_at` after it. An alert leaves the outbox once every configured transport has finished with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from alerts.delivery import NORMAL, Target
from alerts.payloads import Alert
from storage import outbox
from storage.due_deliveries import Due, due, next_try  # noqa: F401 - where the dispatcher asks what is due
from storage.outbox import Queued
from storage.timestamps import to_iso

SENT, GAVE_UP, NOT_WANTED = "sent", "gave up", "not wanted"  # what a target's delivery came to, once done
FAILED, WAITING = "failed", "waiting"  # a try that leaves it owed: failed (retry later), or not tried at all


@dataclass(frozen=True)
class Outcome:
    """What one try came to: sent, not wanted, failed (retry at `retry_at`) or given up on."""

    event_id: int
    target: str
    result: str  # SENT, NOT_WANTED, GAVE_UP; or FAILED, WAITING (still owed)
    error: str | None = None
    permanent: bool = False
    retry_at: datetime | None = None
    notice: Alert | None = None  # queued with a give-up, for the target's server or the operator
    maybe_sent: bool = False  # the failed try may have reached the reader: the next one is marked possibly repeated


def unresolved(db: sqlite_utils.Database, transport: str, limit: int = 100,
               skip: Iterable[int] = (), first: Iterable[str] = ()) -> list[Queued]:
    """Alerts still owed that `transport` has not resolved to targets yet: those of the `first` kinds (the urgent
    ones), then the rest, oldest first in each; `skip`: event ids left for later."""
    left_out, kinds = list(skip), list(first)
    marks, kind_marks = ", ".join("?" for _ in left_out), ", ".join("?" for _ in kinds)
    rows = db.query(
        "SELECT o.* FROM outbox o WHERE o.delivered_at IS NULL AND NOT EXISTS (SELECT 1 FROM fanouts f "
        "WHERE f.event_id = o.id AND f.transport = ? AND f.resolved_at IS NOT NULL) "
        f"{f'AND o.id NOT IN ({marks}) ' if left_out else ''}"
        f"ORDER BY {f'o.kind IN ({kind_marks}) DESC, ' if kinds else ''}o.id LIMIT ?",
        [transport, *left_out, *kinds, limit],
    )
    return [outbox.queued(row) for row in rows]


def resolve_many(db: sqlite_utils.Database, transport: str,
                 resolved: Sequence[tuple[int, Sequence[Target], int]], now: datetime, transports: Sequence[str],
                 notices: Sequence[Alert] = ()) -> None:
    """`resolve` for many alerts (event id, targets, urgency), and any notices about them, in one transaction."""
    with db.atomic():
        for event_id, targets, urgency in resolved:
            resolve(db, event_id, transport, targets, now, transports, urgency)
        for notice in notices:
            outbox.enqueue(db, notice, now)


def resolve(db: sqlite_utils.Database, event_id: int, transport: str, targets: Sequence[Target], now: datetime,
            transports: Sequence[str], urgency: int = NORMAL) -> None:
    """Record where `transport` sends the alert, each target's delivery with the alert's urgency
    (alerts/delivery.py). No targets: the transport is done with it at once."""
    with db.atomic():
        row = db.execute("SELECT possibly_repeated FROM fanouts WHERE event_id = ? AND transport = ?",
                         [event_id, transport]).fetchone()
        repeated = int(bool(row and row[0]))  # a send of rotobot 0.1 was unconfirmed: every target may have it
        db.execute(
            "INSERT INTO fanouts (event_id, transport, resolved_at, done_at, possibly_repeated) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (event_id, transport) DO UPDATE SET resolved_at = excluded.resolved_at, "
            "done_at = excluded.done_at",
            [event_id, transport, to_iso(now), None if targets else to_iso(now), repeated],
        )
        for target in dict((t.key, t) for t in targets).values():
            db.execute(
                "INSERT INTO deliveries (event_id, transport, target, place, guild_id, label, next_attempt_at, "
                "possibly_repeated, urgency) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [event_id, transport, target.key, target.place, target.guild_id, target.label, to_iso(now), repeated,
                 urgency],
            )
        if not targets:
            _finish_event(db, event_id, transports, now)


def mark_sending(db: sqlite_utils.Database, transport: str, rows: Sequence[tuple[int, str]], now: datetime) -> None:
    """Written (and committed) just before the sends, so a crash mid-send is known at the next start."""
    with db.atomic():
        for event_id, target in rows:
            db.execute("UPDATE deliveries SET attempts = attempts + 1, sending_at = ? WHERE event_id = ? AND "
                       "transport = ? AND target = ?", [to_iso(now), event_id, transport, target])


def record(db: sqlite_utils.Database, transport: str, outcomes: Sequence[Outcome], now: datetime,
           transports: Sequence[str]) -> list[str]:
    """Write what each try came to, in one transaction; returns the keys of the notices queued with give-ups."""
    queued: list[str] = []
    with db.atomic():
        for outcome in outcomes:
            where = [outcome.event_id, transport, outcome.target]
            if outcome.result == WAITING:
                # The transport could not send at all (not connected): this try does not count.
                db.execute("UPDATE deliveries SET sending_at = NULL, attempts = max(0, attempts - 1), "
                           "next_attempt_at = ? WHERE event_id = ? AND transport = ? AND target = ?",
                           [to_iso(outcome.retry_at or now), *where])
                continue
            if outcome.result == FAILED:
                db.execute(
                    "UPDATE deliveries SET sending_at = NULL, last_error = ?, next_attempt_at = ?, "
                    "first_failed_at = coalesce(first_failed_at, ?), possibly_repeated = max(possibly_repeated, ?) "
                    "WHERE event_id = ? AND transport = ? AND target = ?",
                    [(outcome.error or "")[:500], to_iso(outcome.retry_at or now), to_iso(now),
                     int(outcome.maybe_sent), *where],
                )
                _target_failed(db, transport, outcome, now)
                continue
            db.execute(
                "UPDATE deliveries SET sending_at = NULL, done_at = ?, outcome = ?, last_error = coalesce(?, last_error) "
                "WHERE event_id = ? AND transport = ? AND target = ?",
                [to_iso(now), outcome.result, outcome.error and outcome.error[:500], *where],
            )
            if outcome.result in (SENT, NOT_WANTED):
                # A run of failures ends when the target takes an alert, or stops wanting them (muted, left): a
                # failure weeks later starts a new run, with all its patience.
                db.execute("DELETE FROM failing_targets WHERE transport = ? AND target = ?", [transport, outcome.target])
            elif outcome.result == GAVE_UP:
                _target_failed(db, transport, outcome, now)
                db.execute("UPDATE failing_targets SET gave_up_at = coalesce(gave_up_at, ?) WHERE transport = ? "
                           "AND target = ?", [to_iso(now), transport, outcome.target])
                if outcome.notice is not None:
                    key = outbox.enqueue(db, outcome.notice, now)
                    if key:
                        queued.append(key)
            _finish_fanout(db, outcome.event_id, transport, now, transports)
    return queued


def _target_failed(db: sqlite_utils.Database, transport: str, outcome: Outcome, now: datetime) -> None:
    db.execute(
        "INSERT INTO failing_targets (transport, target, since, permanent, last_error) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (transport, target) DO UPDATE SET permanent = excluded.permanent, "
        "last_error = excluded.last_error",
        [transport, outcome.target, to_iso(now), int(outcome.permanent), (outcome.error or "")[:500]],
    )


def _finish_fanout(db: sqlite_utils.Database, event_id: int, transport: str, now: datetime,
                   transports: Sequence[str]) -> None:
    # Any left, not how many: one index entry (deliveries_left), not a count of 10,000 at each of 10,000 sends.
    left = db.execute("SELECT EXISTS (SELECT 1 FROM deliveries WHERE event_id = ? AND transport = ? AND done_at IS NULL)",
                      [event_id, transport]).fetchone()[0]
    if left:
        return
    db.execute("UPDATE fanouts SET done_at = ? WHERE event_id = ? AND transport = ? AND done_at IS NULL",
               [to_iso(now), event_id, transport])
    _finish_event(db, event_id, transports, now)


def _finish_event(db: sqlite_utils.Database, event_id: int, transports: Sequence[str], now: datetime) -> None:
    """The alert leaves the queue when every configured transport is done with it."""
    names = sorted(set(transports))
    marks = ", ".join("?" for _ in names)
    done = db.execute(f"SELECT count(*) FROM fanouts WHERE event_id = ? AND done_at IS NOT NULL AND transport IN "
                      f"({marks})", [event_id, *names]).fetchone()[0]
    if done == len(names):
        db.execute("UPDATE outbox SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL", [to_iso(now), event_id])


UNRESOLVED, NOWHERE, OWED = "unresolved", "nowhere", "owed"


def in_guild(db: sqlite_utils.Database, event_ids: Sequence[int], guild_id: int) -> dict[int, str]:
    """What became of each alert in one server's channels: SENT, OWED, GAVE_UP or NOT_WANTED for its target
    there; NOWHERE when Discord resolved it with no target there (muted, or no alert channel at the time);
    UNRESOLVED when Discord has not resolved it yet."""
    found: dict[int, str] = {}
    ids = list(event_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        rows = db.execute(
            f"""
            SELECT o.id,
                   (SELECT coalesce(d.outcome, '{OWED}') FROM deliveries d WHERE d.event_id = o.id
                      AND d.transport = 'discord' AND d.guild_id = ? AND d.place IN ('server', 'channel')
                      ORDER BY d.done_at IS NULL DESC LIMIT 1),
                   EXISTS (SELECT 1 FROM fanouts f WHERE f.event_id = o.id AND f.transport = 'discord'
                           AND f.resolved_at IS NOT NULL)
            FROM outbox o WHERE o.id IN ({marks})
            """,
            [guild_id, *chunk],
        ).fetchall()
        for event_id, outcome, resolved in rows:
            found[event_id] = outcome or (NOWHERE if resolved else UNRESOLVED)
    return found


def recover_unconfirmed(db: sqlite_utils.Database) -> int:
    """At start: sends that began but were never confirmed (the process died) go again, marked possibly repeated."""
    return db.execute(
        "UPDATE deliveries SET sending_at = NULL, possibly_repeated = 1 WHERE sending_at IS NOT NULL AND done_at IS NULL"
    ).rowcount


def settle_finished(db: sqlite_utils.Database, transports: Sequence[str], now: datetime) -> int:
    """At start: alerts every configured transport has finished with leave the queue (a transport was removed
    from the configuration, say, while one of its deliveries was pending). Returns how many left."""
    names = sorted(set(transports))
    if not names:
        return 0
    marks = ", ".join("?" for _ in names)
    with db.atomic():
        settled = db.execute(
            f"UPDATE outbox SET delivered_at = ? WHERE delivered_at IS NULL AND (SELECT count(*) FROM fanouts f "
            f"WHERE f.event_id = outbox.id AND f.done_at IS NOT NULL AND f.transport IN ({marks})) = ?",
            [to_iso(now), *names, len(names)],
        ).rowcount
        # A removed transport's deliveries of alerts that are settled now: never to go out if it comes back.
        db.execute(
            f"UPDATE deliveries SET done_at = ?, outcome = ?, sending_at = NULL WHERE done_at IS NULL "
            f"AND transport NOT IN ({marks}) AND event_id IN (SELECT id FROM outbox WHERE delivered_at IS NOT NULL)",
            [to_iso(now), NOT_WANTED, *names],
        )
    return settled
