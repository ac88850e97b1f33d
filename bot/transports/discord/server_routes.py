"""Where a server's alerts go in Discord: its alert channel (`!set channel`, else `discord.alert_channel_id` when
that channel is in the server), the role to mention, and whether it muted its channel alerts. The settings come
from memory (storage/guild_settings_cache.py): one alert to 10,000 servers reads none of them from the disk."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import discord

from alerts.delivery import NotReady, NotWanted, Target
from bot.server_settings import muted
from storage.guild_settings_cache import GuildSettingsCache

log = logging.getLogger(__name__)


class ServerRoutes:
    def __init__(self, bot: discord.Client, settings: GuildSettingsCache, alert_channel_id: int,
                 clock: Callable[[], datetime]) -> None:
        self._bot = bot
        self.settings = settings
        self.alert_channel_id = alert_channel_id
        self._clock = clock
        self._warned_channel = False

    async def settings_of(self, guild_id: int) -> dict:
        return await self.settings.of(guild_id)

    def default_channel_in(self, guild: discord.Guild) -> int | None:
        """discord.alert_channel_id, when that channel is in `guild`."""
        if self.alert_channel_id and guild.get_channel_or_thread(self.alert_channel_id) is not None:
            return self.alert_channel_id
        return None

    async def targets(self, only: int | None = None, skip=()) -> list[Target]:
        """Each server's alert channel as a target (all servers, `only` one, or all but `skip`), leaving out
        the muted and those with no alert channel."""
        guilds = [g for g in self._bot.guilds if (only is None or g.id == only) and g.id not in skip]
        if not guilds:
            return []
        settings = await self.settings.of_many(g.id for g in guilds)
        now = self._clock()
        targets = []
        configured_found = False
        for guild in guilds:
            chosen = settings.get(guild.id, {})
            default = self.default_channel_in(guild)
            configured_found = configured_found or default is not None
            if muted(chosen, now):
                continue
            channel_id = chosen.get("alert_channel") or default
            if guild.unavailable:
                # In an outage Discord tells the bot only the server's id: whether it has an alert channel shows
                # once it is back, so it gets its target now and the send waits for it (see alert_channel).
                channel_id = channel_id or self.alert_channel_id
            if not channel_id:
                continue  # this server chose no alert channel: nothing to do, not an error
            name = guild.name or f"server {guild.id}"
            targets.append(Target(f"server:{guild.id}", "server", f"<#{channel_id}> in {name}", guild.id))
        if self.alert_channel_id and only is None and not configured_found and not self._warned_channel:
            self._warned_channel = True
            log.warning("discord.alert_channel_id %s is not a channel the bot can see in any of its servers",
                        self.alert_channel_id)
        return targets

    async def alert_channel(self, guild_id: int) -> tuple[int, int | None]:
        """The server's alert channel now, and its role to mention. NotWanted when it chose none, muted, or the
        bot left it since; NotReady while Discord cannot serve it (an outage)."""
        chosen = await self.settings_of(guild_id)
        if muted(chosen, self._clock()):
            raise NotWanted("the server muted its channel alerts since")
        guild = self._bot.get_guild(guild_id)
        if guild is None:
            raise NotWanted("the bot is no longer in that server")
        if guild.unavailable:
            raise NotReady(f"server {guild_id} is unavailable on Discord's side")
        channel_id = chosen.get("alert_channel") or self.default_channel_in(guild)
        if not channel_id:
            raise NotWanted("the server has no alert channel any more")
        role = chosen.get("alert_role")
        if role and guild.get_role(int(role)) is None:
            log.warning("Server %s's alert role %s is not one of its roles; alerting without the mention",
                        guild_id, role)
            role = None
        return int(channel_id), int(role) if role else None
