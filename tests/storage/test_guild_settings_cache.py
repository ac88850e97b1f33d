"""Server settings in memory (storage/guild_settings_cache.py): read whole once, then never from the disk until a
write, by whatever path, marks that one server stale. Counted with SQLite's own trace of every statement run."""

from __future__ import annotations

import gc
from datetime import datetime, timezone

import pytest

from storage import guild_settings
from storage.database import Database
from storage.guild_settings_cache import GuildSettingsCache

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)
SERVERS = list(range(101, 111))


@pytest.fixture
def db(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    for guild in SERVERS:
        database.call(guild_settings.set_value, guild, "alert_channel", 1000 + guild, NOW)
    yield database
    database.close()


@pytest.fixture
def statements(db):
    """Every statement the connection runs from now on that touches guild_settings."""
    seen: list[str] = []

    def trace(conn) -> None:
        conn.conn.set_trace_callback(seen.append)

    db.call(trace)
    return lambda: [s for s in seen if "guild_settings" in s and "TRIGGER" not in s]


async def test_settings_are_read_once_and_then_from_memory(db, statements):
    cache = GuildSettingsCache(db)
    assert (await cache.of_many(SERVERS))[105] == {"alert_channel": 1105}
    assert len(statements()) == 1  # every server's settings in one read
    for _ in range(3):
        for guild in SERVERS:
            assert (await cache.of(guild))["alert_channel"] == 1000 + guild
    assert await cache.of(999) == {}  # a server with none
    assert len(statements()) == 1  # 31 looks, no more reads


async def test_a_write_by_any_path_is_seen_at_the_next_look_reading_only_that_server(db, statements):
    cache = GuildSettingsCache(db)
    await cache.of_many(SERVERS)
    db.call(guild_settings.set_value, 103, "alert_channel", 7, NOW)  # !set channel
    db.call(guild_settings.set_value, 104, "muted_until", "2026-11-25T18:00:00+00:00", NOW)  # !mute
    db.call(guild_settings.reset, 105, "alert_channel")  # !set channel off
    db.call(lambda d: d.execute("UPDATE guild_settings SET value = '8' WHERE guild_id = 106"))  # raw SQL
    before = len(statements())
    found = await cache.of_many(SERVERS)
    assert (found[103], found[104]["muted_until"], found[105], found[106]) == (
        {"alert_channel": 7}, "2026-11-25T18:00:00+00:00", {}, {"alert_channel": 8})
    assert found[101] == {"alert_channel": 1101}
    reads = statements()[before:]
    assert reads == ["SELECT guild_id, key, value FROM guild_settings WHERE guild_id IN (103, 104, 105, 106)"]
    await cache.of_many(SERVERS)
    assert len(statements()) == before + 1


async def test_a_write_that_lands_while_a_server_is_read_again_keeps_it_stale(db, monkeypatch):
    cache = GuildSettingsCache(db)
    await cache.of_many(SERVERS)
    db.call(guild_settings.set_value, 102, "alert_channel", 1, NOW)
    read = guild_settings.all_for_many

    def read_then_written(conn, ids):
        found = read(conn, ids)  # the value as it was read...
        guild_settings.set_value(conn, 102, "alert_channel", 2, NOW)  # ...and a write right after the read
        return found

    monkeypatch.setattr(guild_settings, "all_for_many", read_then_written)
    assert (await cache.of(102))["alert_channel"] == 1
    monkeypatch.setattr(guild_settings, "all_for_many", read)
    assert (await cache.of(102))["alert_channel"] == 2  # not the value read before that write


async def test_changing_a_copy_changes_nothing_and_a_cache_gone_leaves_writes_working(db):
    cache = GuildSettingsCache(db)
    copy = await cache.of(101)
    copy["alert_channel"] = 0
    assert (await cache.of(101))["alert_channel"] == 1101
    cache.forget(101)  # as when the bot joins or leaves a server
    assert (await cache.of(101))["alert_channel"] == 1101
    del cache, copy
    gc.collect()
    db.call(guild_settings.set_value, 101, "alert_channel", 5, NOW)  # its trigger's callback finds nobody
    assert db.call(guild_settings.all_for, 101) == {"alert_channel": 5}
    assert (await GuildSettingsCache(db).of(101)) == {"alert_channel": 5}
