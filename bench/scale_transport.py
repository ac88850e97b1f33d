"""A transport for `python -m bench scale` that says where each alert goes the way the Discord transport does, from
the stored server settings, and records each send instead of posting it.

Discord's own pace (50 requests a second per token, its rate-limit buckets) is `python -m bench fanout`'s
subject; here the sends cost nothing, so what the dispatch figures show is rotobot's own work: resolving targets,
the delivery log before and after each send, rendering. Resolving reads the settings as
bot/transports/discord/transport.py does, from the same in-memory cache (every server's at once for a server-wide
alert, the server's own for a subscription alert in a channel); the Discord transport's second look at a
server's settings at each send is not made here.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Callable

from alerts.delivery import Target, subscriber_target
from alerts.payloads import Alert, Everyone, Operator, Server, Subscriber
from bot.server_settings import muted
from bot.transports.base import Notification
from storage.guild_settings_cache import GuildSettingsCache
from storage.database import Database


class RecordingTransport:
    name = "recording"

    def __init__(self, database: Database, guilds: list[int], clock: Callable[[], datetime]) -> None:
        self._settings = GuildSettingsCache(database)  # as the Discord transport reads them: from memory
        self._guilds = guilds  # the servers the bot is in
        self._clock = clock
        self.sent: Counter[str] = Counter()  # target key -> alerts it received
        self.characters = 0

    async def start(self) -> None:
        return None

    def ready(self) -> bool:
        return True

    async def close(self) -> None:
        return None

    async def targets(self, alert: Alert) -> list[Target]:
        route = alert.route
        if isinstance(route, Subscriber):
            target = subscriber_target(route)
            if target.place == "channel" and muted(await self._settings.of(route.guild_id), self._clock()):
                return []
            return [target]
        if isinstance(route, Operator):
            return [Target("operator", "operator", "the operator's channel")]
        if isinstance(route, Server):
            return await self._servers([route.guild_id])
        skip = set(route.exclude_guilds) if isinstance(route, Everyone) else set()
        return await self._servers([g for g in self._guilds if g not in skip])

    async def _servers(self, guilds: list[int]) -> list[Target]:
        settings = await self._settings.of_many(guilds)
        now = self._clock()
        targets = []
        for guild_id in guilds:
            chosen = settings.get(guild_id, {})
            if muted(chosen, now) or not chosen.get("alert_channel"):
                continue
            targets.append(Target(f"server:{guild_id}", "server", f"<#{chosen['alert_channel']}>", guild_id))
        return targets

    async def send(self, target: Target, notification: Notification) -> None:
        text = f"{notification.title}\n{notification.body}\n{' '.join(notification.notes)}"
        self.characters += len(text)
        self.sent[target.key] += 1
