"""Per-user ticker subscriptions. The same (server, user, symbol, kind, threshold) is stored once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import sqlite_utils

from storage.timestamps import from_iso, to_iso

KINDS = ("above", "below", "move", "high_52w", "low_52w")


@dataclass(frozen=True)
class Subscription:
    guild_id: int
    user_id: int
    symbol: str
    kind: str
    created_at: datetime
    threshold: float = 0.0  # a price for above/below, a percentage for move, unused for the 52-week kinds
    channel_id: int | None = None  # None: by direct message
    cooldown_seconds: int = 0
    id: int | None = None
    status: str = "active"  # "pending": a ticker no data job has found yet


def add(db: sqlite_utils.Database, sub: Subscription) -> tuple[Subscription, bool]:
    """Store `sub`; returns the stored subscription and whether it is new (False: it already existed)."""
    if sub.kind not in KINDS:
        raise ValueError(f"unknown subscription kind {sub.kind!r}: expected one of {', '.join(KINDS)}")
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO subscriptions (guild_id, user_id, channel_id, symbol, kind, threshold, cooldown_seconds, "
            "created_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (guild_id, user_id, symbol, kind, threshold) DO NOTHING",
            [
                sub.guild_id,
                sub.user_id,
                sub.channel_id,
                sub.symbol,
                sub.kind,
                sub.threshold,
                sub.cooldown_seconds,
                to_iso(sub.created_at),
                sub.status,
            ],
        )
        if cursor.rowcount == 1:
            return replace(sub, id=cursor.lastrowid), True
        row = next(
            db.query(
                "SELECT * FROM subscriptions WHERE guild_id = ? AND user_id = ? AND symbol = ? AND kind = ? "
                "AND threshold = ?",
                [sub.guild_id, sub.user_id, sub.symbol, sub.kind, sub.threshold],
            )
        )
        return _sub(row), False


def remove(db: sqlite_utils.Database, guild_id: int, user_id: int, symbol: str, kind: str | None = None) -> int:
    """Delete a user's subscriptions to `symbol` (all kinds, or one); returns how many were removed.

    Each one's rule state leaves with it. Ids are never reused (AUTOINCREMENT), so nobody can inherit it anyway;
    this keeps the state table from growing with every unsubscribe.
    """
    sql = "SELECT id FROM subscriptions WHERE guild_id = ? AND user_id = ? AND symbol = ?"
    params: list = [guild_id, user_id, symbol]
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    with db.atomic():
        ids = [row[0] for row in db.execute(sql, params).fetchall()]
        _delete(db, ids)
    return len(ids)


def _delete(db: sqlite_utils.Database, ids: list[int]) -> None:
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        db.execute(f"DELETE FROM subscriptions WHERE id IN ({marks})", chunk)
        db.execute(f"DELETE FROM rule_state WHERE rule_id IN ({marks})", [rule_id(i) for i in chunk])


def rule_id(subscription_id: int) -> str:
    """The engine's rule id (and alert-state key) of a subscription."""
    return f"sub:{subscription_id}"


def for_user(db: sqlite_utils.Database, guild_id: int, user_id: int) -> list[Subscription]:
    rows = db.query(
        "SELECT * FROM subscriptions WHERE guild_id = ? AND user_id = ? ORDER BY symbol, kind, threshold",
        [guild_id, user_id],
    )
    return [_sub(row) for row in rows]



def watched_symbols(db: sqlite_utils.Database) -> set[str]:
    """Every symbol an active subscription needs: polled once per cycle however many users follow it."""
    return {row["symbol"] for row in db.query("SELECT DISTINCT symbol FROM subscriptions WHERE status = 'active'")}


def active(db: sqlite_utils.Database) -> list[Subscription]:
    return [_sub(row) for row in db.query("SELECT * FROM subscriptions WHERE status = 'active' ORDER BY id")]


def active_ids(db: sqlite_utils.Database) -> set[int]:
    """The ids of the active subscriptions. An id is never reused and a row never changes but for its status
    (pending, then active), so two of these sets say exactly which subscriptions came and went in between."""
    return {row[0] for row in db.execute("SELECT id FROM subscriptions WHERE status = 'active'")}


def active_among(db: sqlite_utils.Database, ids: list[int]) -> list[Subscription]:
    """The active subscriptions with these ids, by id."""
    found: list[Subscription] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found += [_sub(row) for row in db.query(
            f"SELECT * FROM subscriptions WHERE status = 'active' AND id IN ({', '.join('?' for _ in chunk)})", chunk)]
    return sorted(found, key=lambda sub: sub.id)


def fingerprint(db: sqlite_utils.Database) -> int:
    """Moves with every change to the subscriptions table (triggers keep it: storage/migration_steps_v6_on.py v8),
    so the engine rebuilds its index exactly when something changed."""
    return db.execute("SELECT value FROM change_counters WHERE name = 'subscriptions'").fetchone()[0]


def count_for_user(db: sqlite_utils.Database, user_id: int) -> int:
    return db.execute("SELECT count(*) FROM subscriptions WHERE user_id = ?", [user_id]).fetchone()[0]


def pending_symbols(db: sqlite_utils.Database) -> list[str]:
    return [r["symbol"] for r in db.query("SELECT DISTINCT symbol FROM subscriptions WHERE status = 'pending'")]


def pending_for(db: sqlite_utils.Database, symbol: str) -> list[Subscription]:
    rows = db.query("SELECT * FROM subscriptions WHERE symbol = ? AND status = 'pending' ORDER BY id", [symbol])
    return [_sub(r) for r in rows]


def settle(db: sqlite_utils.Database, ids: list[int], found: bool) -> None:
    """A data job found their symbol (activate these pending subscriptions) or found it does not exist (remove
    them). Call inside the transaction that queues the subscribers' follow-up (see outbox.commit_evaluation)."""
    with db.atomic():
        if not found:
            _delete(db, ids)
            return
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            db.execute(f"UPDATE subscriptions SET status = 'active' WHERE status = 'pending' AND id IN "
                       f"({', '.join('?' for _ in chunk)})", chunk)


def _sub(row: dict) -> Subscription:
    return Subscription(
        id=row["id"],
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        channel_id=row["channel_id"],
        symbol=row["symbol"],
        kind=row["kind"],
        threshold=row["threshold"],
        cooldown_seconds=row["cooldown_seconds"],
        created_at=from_iso(row["created_at"]),
        status=row["status"],
    )
