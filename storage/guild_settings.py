"""Per-server settings set by admins (alert channel, thresholds, ...), one JSON value per key."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlite_utils

from storage.timestamps import to_iso


def get(db: sqlite_utils.Database, guild_id: int, key: str, default: Any = None) -> Any:
    rows = list(db.query("SELECT value FROM guild_settings WHERE guild_id = ? AND key = ?", [guild_id, key]))
    return json.loads(rows[0]["value"]) if rows else default


def set_value(db: sqlite_utils.Database, guild_id: int, key: str, value: Any, now: datetime) -> None:
    db.execute(
        "INSERT INTO guild_settings (guild_id, key, value, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        [guild_id, key, json.dumps(value), to_iso(now)],
    )


def reset(db: sqlite_utils.Database, guild_id: int, key: str) -> bool:
    return db.execute("DELETE FROM guild_settings WHERE guild_id = ? AND key = ?", [guild_id, key]).rowcount == 1


def all_for(db: sqlite_utils.Database, guild_id: int) -> dict[str, Any]:
    rows = db.query("SELECT key, value FROM guild_settings WHERE guild_id = ? ORDER BY key", [guild_id])
    return {row["key"]: json.loads(row["value"]) for row in rows}


def all_for_many(db: sqlite_utils.Database, guild_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The settings of many servers in a few queries: one alert may go to every server the bot is in."""
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(guild_ids), 500):
        chunk = guild_ids[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        for row in db.query(f"SELECT guild_id, key, value FROM guild_settings WHERE guild_id IN ({marks})", chunk):
            found.setdefault(row["guild_id"], {})[row["key"]] = json.loads(row["value"])
    return found


def guilds_where(db: sqlite_utils.Database, key: str, value: Any) -> list[int]:
    """Servers whose `key` is set to `value`, e.g. every server that opted into the daily wrap."""
    rows = db.query("SELECT guild_id FROM guild_settings WHERE key = ? AND value = ? ORDER BY guild_id",
                    [key, json.dumps(value)])
    return [row["guild_id"] for row in rows]


def guilds_with(db: sqlite_utils.Database, key: str) -> list[int]:
    """Servers that set `key` at all."""
    return [row["guild_id"] for row in db.query(
        "SELECT guild_id FROM guild_settings WHERE key = ? ORDER BY guild_id", [key])]


def all_servers(db: sqlite_utils.Database) -> dict[int, dict[str, Any]]:
    """Every server's settings, in one query (storage/guild_settings_cache.py reads them once at start)."""
    found: dict[int, dict[str, Any]] = {}
    for row in db.query("SELECT guild_id, key, value FROM guild_settings"):
        found.setdefault(row["guild_id"], {})[row["key"]] = json.loads(row["value"])
    return found


def call_on_change(db: sqlite_utils.Database, name: str, changed: Callable[[int | None], None]) -> None:
    """From now on, `changed(guild_id)` is called on this connection's thread for every row of `guild_settings`
    written through this connection, whichever statement wrote it. TEMP triggers: never stored in the file."""
    db.conn.create_function(name, 1, changed)
    for event, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",))):
        calls = " ".join(f"SELECT {name}({row}.guild_id);" for row in rows)
        db.execute(f"CREATE TEMP TRIGGER IF NOT EXISTS {name}_{event.lower()} AFTER {event} ON main.guild_settings "
                   f"BEGIN {calls} END")
