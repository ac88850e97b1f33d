"""The outbox: every alert rotobot owes, queued under a unique key in the same transaction as what produced it.

An alert is written here together with the rule state, the FOMC decision or the settled subscription that
produced it (`commit`), so a crash can never leave one without the other. It leaves the queue for the log
(`delivered_at`) once every transport has finished with it; storage/deliveries.py keeps the record per target.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from alerts.payload_json import decode, encode
from alerts.payloads import Alert, same_alert
from storage.timestamps import from_iso, to_iso

log = logging.getLogger(__name__)

_SUBSCRIPTION_RULE = re.compile(r"sub:[0-9]{1,18}")  # storage/subscriptions.py rule_id; rules files may not use it


@dataclass(frozen=True)
class Queued:
    """An outbox row: an alert as stored, with its id and when it was queued; not a delivery to any one target."""

    id: int
    key: str
    kind: str
    alert: Alert
    created_at: datetime
    delivered_at: datetime | None


def enqueue(db: sqlite_utils.Database, alert: Alert, now: datetime) -> str | None:
    """Queue `alert`; returns the key it was queued under, or None when this very alert was queued already.

    The same key with the same alert is a repeat (a job run twice, a restart): nothing new. The same key with a
    different alert (another recipient, another trigger) is a bug somewhere upstream, never a reason to drop it:
    it is logged as an error and queued under a key of its own.
    """
    text = encode(alert)
    if _insert(db, alert.key, alert.outbox_kind, text, now):
        return alert.key
    row = db.execute("SELECT kind, payload, created_at FROM outbox WHERE event_key = ?", [alert.key]).fetchone()
    if row is None:
        return None
    stored = decode(row[1], row[0], alert.key, from_iso(row[2]))
    if same_alert(stored, alert):
        return None
    own = dataclasses.replace(alert, key=f"{alert.key}#{hashlib.sha256(text.encode()).hexdigest()[:12]}")
    log.error("Alert key %s is already taken by a different alert (%s, for %s; this one is %s, for %s); queued this "
              "one as %s instead", alert.key, row[0], stored.route, alert.outbox_kind, alert.route, own.key)
    return own.key if _insert(db, own.key, own.outbox_kind, encode(own), now) else None


def _insert(db: sqlite_utils.Database, key: str, kind: str, payload: str, now: datetime) -> bool:
    cursor = db.execute(
        "INSERT INTO outbox (event_key, kind, payload, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (event_key) DO NOTHING",
        [key, kind, payload, to_iso(now)],
    )
    return cursor.rowcount == 1


def commit(
    db: sqlite_utils.Database,
    alerts: Iterable[Alert],
    now: datetime,
    states: Iterable[tuple[str, str, dict]] = (),
    also: Callable[[sqlite_utils.Database], object] | None = None,
) -> list[str]:
    """Save rule states, apply `also`, and queue the alerts, in ONE transaction; returns the keys queued.

    Either all of it lands or none of it: a crash can never leave a state that says "fired" (or a decision stored
    as known, a subscription settled) without its alert queued, nor an alert queued twice (the unique key).
    `states` are (rule_id, key, state); `also` is any other write the alerts belong to, such as storing the FOMC
    decision they announce.
    """
    from storage.rule_state import save_state  # sibling repository; imported here to keep the modules flat

    alerts, states = list(alerts), list(states)
    with db.atomic():
        judged = {rule_id for rule_id, _, _ in states} | {getattr(alert, "rule_id", "") for alert in alerts}
        from storage import watches  # sibling repository, as _gone_subscriptions reads subscriptions

        gone = _gone_subscriptions(db, judged) | watches.gone(db, judged)
        for rule_id, key, state in states:
            if rule_id not in gone:
                save_state(db, rule_id, key, state, now)
        if also is not None:
            also(db)
        queued = (enqueue(db, alert, now) for alert in alerts if getattr(alert, "rule_id", "") not in gone)
        return [key for key in queued if key is not None]


def _gone_subscriptions(db: sqlite_utils.Database, rule_ids: set[str]) -> set[str]:
    """Of these rule ids, the subscriptions removed since the engine judged them (an !unsubscribe between the
    tick and this commit): their alert is not queued and their state not written back."""
    ids = {int(r[4:]) for r in rule_ids if _SUBSCRIPTION_RULE.fullmatch(r)}
    if not ids:
        return set()
    found: set[int] = set()
    listed = sorted(ids)
    for start in range(0, len(listed), 500):
        chunk = listed[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        found |= {row[0] for row in db.execute(f"SELECT id FROM subscriptions WHERE id IN ({marks})", chunk)}
    return {f"sub:{i}" for i in ids - found}


def pending_count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT count(*) FROM outbox WHERE delivered_at IS NULL").fetchone()[0]


def oldest_undelivered(db: sqlite_utils.Database) -> datetime | None:
    """When the oldest alert still waiting for delivery was queued: a stuck transport shows here first."""
    value = db.execute("SELECT min(created_at) FROM outbox WHERE delivered_at IS NULL").fetchone()[0]
    return from_iso(value) if value else None


def recent(db: sqlite_utils.Database, limit: int = 20) -> list[Queued]:
    return [queued(row) for row in db.query("SELECT * FROM outbox ORDER BY id DESC LIMIT ?", [limit])]


def find(db: sqlite_utils.Database, key: str) -> Queued | None:
    """The alert queued under `key`, delivered or not (until the log is pruned)."""
    rows = list(db.query("SELECT * FROM outbox WHERE event_key = ?", [key]))
    return queued(rows[0]) if rows else None


def since(db: sqlite_utils.Database, moment: datetime) -> list[Queued]:
    """Every alert queued at or after `moment`, oldest first (the daily wrap's 'fired today')."""
    rows = db.query("SELECT * FROM outbox WHERE created_at >= ? ORDER BY id", [to_iso(moment)])
    return [queued(row) for row in rows]


def queued(row: dict) -> Queued:
    created = from_iso(row["created_at"])
    return Queued(
        id=row["id"],
        key=row["event_key"],
        kind=row["kind"],
        alert=decode(row["payload"], row["kind"], row["event_key"], created),
        created_at=created,
        delivered_at=from_iso(row["delivered_at"]) if row["delivered_at"] else None,
    )
