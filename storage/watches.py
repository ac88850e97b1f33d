"""Each server's watches (alerts/watches.py), numbered per server; a number is never handed out twice in a server.

A watch's rule state and its signal cache are stored under its rule id ("watch:<guild>:<number>") and leave with
it, in the same transaction. Every function here reads or writes one server's watches, or, for the engine and the
data jobs, the watches of every server at once; nothing here changes another server's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlite_utils

from alerts.watches import Watch, WatchSpec, watch_rule_id
from storage.timestamps import from_iso, to_iso

_WATCH_RULE = re.compile(r"watch:([0-9]{1,20}):([0-9]{1,18})")  # alerts/watches.py watch_rule_id

_COLUMNS = ("kind", "symbol", "sessions", "upper", "lower", "band", "pct")


@dataclass(frozen=True)
class Added:
    """What `add` did: "added" (`watch` is the new one), "exists" (`watch` is the one already there), or "full"
    (the server has `count` watches, the limit; `watch` is None)."""

    outcome: str
    watch: Watch | None
    count: int  # the server's watches after the call


def add(db: sqlite_utils.Database, watch: Watch, *, limit: int) -> Added:
    """Store `watch` under its server's next number (its own `number` is ignored), unless the server already has
    the same watch or `limit` of them. The check and the write are one transaction: two admins adding at once
    cannot pass the limit together, nor be given the same number."""
    with db.atomic():
        same = list(db.query("SELECT * FROM watches WHERE guild_id = ? AND spec = ?",
                             [watch.guild_id, watch.spec.text]))
        count = db.execute("SELECT count(*) FROM watches WHERE guild_id = ?", [watch.guild_id]).fetchone()[0]
        if same:
            return Added("exists", _watch(same[0]), count)
        if count >= limit:
            return Added("full", None, count)
        (number,) = db.execute(
            "INSERT INTO watch_numbers (guild_id, last) VALUES (?, 1) "
            "ON CONFLICT (guild_id) DO UPDATE SET last = last + 1 RETURNING last", [watch.guild_id]).fetchone()
        spec = watch.spec
        db.execute(
            f"INSERT INTO watches (guild_id, number, {', '.join(_COLUMNS)}, spec, status, created_by, channel_id, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [watch.guild_id, number, *(getattr(spec, c) for c in _COLUMNS), spec.text, watch.status,
             watch.created_by, watch.channel_id, to_iso(watch.created_at)])
        made = get(db, watch.guild_id, number)
        return Added("added", made, count + 1)


def get(db: sqlite_utils.Database, guild_id: int, number: int) -> Watch | None:
    rows = list(db.query("SELECT * FROM watches WHERE guild_id = ? AND number = ?", [guild_id, number]))
    return _watch(rows[0]) if rows else None


def remove(db: sqlite_utils.Database, guild_id: int, number: int) -> Watch | None:
    """Delete one of `guild_id`'s watches and its rule state, together; returns it, or None if it had none such."""
    with db.atomic():
        found = get(db, guild_id, number)
        if found is not None:
            _delete(db, [(guild_id, number)])
        return found


def _delete(db: sqlite_utils.Database, keys: list[tuple[int, int]]) -> None:
    for guild_id, number in keys:
        db.execute("DELETE FROM watches WHERE guild_id = ? AND number = ?", [guild_id, number])
        db.execute("DELETE FROM rule_state WHERE rule_id = ?", [watch_rule_id(guild_id, number)])
        # Its signal cache (storage/signal_records.py) goes too, its records and firings with it (ON DELETE
        # CASCADE): !signals never shows a removed watch until the next close drops it.
        db.execute("DELETE FROM signal_rules WHERE rule_id = ?", [watch_rule_id(guild_id, number)])


def for_guild(db: sqlite_utils.Database, guild_id: int) -> list[Watch]:
    return [_watch(r) for r in db.query("SELECT * FROM watches WHERE guild_id = ? ORDER BY number", [guild_id])]


def active(db: sqlite_utils.Database) -> list[Watch]:
    """Every server's watches the engine judges: all but those waiting for a ticker's first data."""
    return [_watch(r) for r in db.query("SELECT * FROM watches WHERE status = 'active' ORDER BY guild_id, number")]


def pending(db: sqlite_utils.Database) -> list[Watch]:
    return [_watch(r) for r in db.query("SELECT * FROM watches WHERE status = 'pending' ORDER BY guild_id, number")]


def watched_symbols(db: sqlite_utils.Database) -> set[str]:
    """Every ticker an active watch judges: the daily job fetches their closes."""
    rows = db.query("SELECT DISTINCT symbol FROM watches WHERE status = 'active'")
    return {leg for row in rows for leg in row["symbol"].split("/")}


def gone(db: sqlite_utils.Database, rule_ids: Iterable[str]) -> set[str]:
    """Of these rule ids, the watches' whose watch is no longer stored (an !unwatch since they were read): what
    the engine judged for them is not written back, neither their alert and state (storage/outbox.py) nor their
    signal cache (storage/signal_records.py). Other rule ids are never gone."""
    keys = {rule_id: (int(found[1]), int(found[2]))
            for rule_id in rule_ids if (found := _WATCH_RULE.fullmatch(rule_id))}
    if not keys:
        return set()
    kept = existing(db, set(keys.values()))
    return {rule_id for rule_id, key in keys.items() if key not in kept}


def existing(db: sqlite_utils.Database, keys: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of these (guild, number) watches are still stored."""
    return {key for key in keys if db.execute("SELECT 1 FROM watches WHERE guild_id = ? AND number = ?",
                                              list(key)).fetchone()}


def settle(db: sqlite_utils.Database, *, activate: list[tuple[int, int]], drop: list[tuple[int, int]]) -> None:
    """Pending watches whose tickers were all found become active; those with a ticker no source knows go. Call
    inside the transaction that queues what their admins are told (outbox.commit's `also`)."""
    with db.atomic():
        for guild_id, number in activate:
            db.execute("UPDATE watches SET status = 'active' WHERE guild_id = ? AND number = ? AND status = 'pending'",
                       [guild_id, number])
        for guild_id, number in drop:  # only while still pending: an active watch is never dropped by a lookup
            found = get(db, guild_id, number)
            if found is not None and found.status == "pending":
                _delete(db, [(guild_id, number)])


def _watch(row: dict) -> Watch:
    spec = WatchSpec(**{c: row[c] for c in _COLUMNS})
    return Watch(guild_id=row["guild_id"], number=row["number"], spec=spec, created_by=row["created_by"],
                 created_at=from_iso(row["created_at"]), channel_id=row["channel_id"], status=row["status"])
