"""Every server's settings in memory, so that an alert to 10,000 servers reads none of them from the disk.

They are read whole once, at the first look. From then on, any write to `guild_settings` through the database's
connection (`!set`, `!mute`, `!unmute`, a test's direct write: any path) marks that server's settings stale the
moment it happens: temporary triggers call back into this cache on the database's thread. The next look at a
stale server reads its settings again; every other look is a dictionary lookup. A write from another process is
not seen, and none writes server settings while rotobot runs.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import weakref
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from storage import guild_settings
from storage.database import Database

_names = itertools.count()  # one callback per cache: two caches on one connection must not replace each other's


class GuildSettingsCache:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._settings: dict[int, dict[str, Any]] = {}
        self._lock = threading.Lock()  # the database's thread marks servers stale; the event loop reads
        self._writes: dict[int, int] = {}  # server -> writes seen: one that lands while it is read stays stale
        self._generation = 0  # moves when everything must be read again
        self._stale: set[int] = set()
        self._loading = asyncio.Lock()
        self._loaded = False
        self._watching = False

    async def of(self, guild_id: int) -> dict[str, Any]:
        """One server's settings ({} when it has none), a copy: changing it changes nothing."""
        return (await self.of_many([guild_id]))[guild_id]

    async def of_many(self, guild_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        ids = list(guild_ids)
        await self._load()
        with self._lock:
            stale = [g for g in dict.fromkeys(ids) if g in self._stale]
            seen = {g: self._writes.get(g, 0) for g in stale}
        if stale:
            fresh = await self._database.run(guild_settings.all_for_many, stale)
            with self._lock:
                for guild in stale:
                    self._settings[guild] = fresh.get(guild, {})
                    if self._writes.get(guild, 0) == seen[guild]:
                        self._stale.discard(guild)
        return {g: dict(self._settings.get(g, {})) for g in ids}

    def forget(self, guild_id: int) -> None:
        """Read this server's settings again at the next look (the bot joined or left it)."""
        with self._lock:
            self._writes[guild_id] = self._writes.get(guild_id, 0) + 1
            self._stale.add(guild_id)

    def forget_all(self) -> None:
        """Read every server's settings again at the next look."""
        with self._lock:
            self._generation += 1
            self._loaded = False

    async def _load(self) -> None:
        if self._loaded:
            return
        async with self._loading:
            if self._loaded:
                return
            with self._lock:
                generation = self._generation
            if self._watching:
                everything = await self._database.run(guild_settings.all_servers)
            else:
                everything = await self._database.run(_watch_then_read, weakref.ref(self))
                self._watching = True
            with self._lock:
                self._settings = everything  # a server written to meanwhile is stale still, and read again
                self._loaded = self._generation == generation


def _watch_then_read(db: sqlite_utils.Database, cache: weakref.ref) -> dict[int, dict[str, Any]]:
    """On the database's thread: the triggers first, then the read, so that no write falls between the two."""

    def changed(guild_id: int | None) -> None:
        alive = cache()  # a cache that is gone (its transport closed) leaves a callback that does nothing
        if alive is None:
            return
        try:
            alive.forget(int(guild_id))
        except Exception:  # noqa: BLE001 - an error here would fail the write itself: read everything again instead
            alive.forget_all()

    guild_settings.call_on_change(db, f"rotobot_guild_settings_changed_{next(_names)}", changed)
    return guild_settings.all_servers(db)
