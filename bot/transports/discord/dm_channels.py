"""The DM channel of each person alerts go to, fetched once (two requests: the user, then the channel) and kept
for later alerts to them (none), the least recently used forgotten first past a bound."""

from __future__ import annotations

import discord

DM_CHANNELS_KEPT = 10_000  # people whose DM channel is kept between alerts


class DmChannels:
    def __init__(self, bot: discord.Client, keep: int = DM_CHANNELS_KEPT) -> None:
        self._bot = bot
        self._keep = keep
        self._channels: dict[int, discord.DMChannel] = {}

    async def channel_of(self, user_id: int) -> discord.DMChannel:
        channel = self._channels.pop(user_id, None)
        if channel is None:
            user = self._bot.get_user(user_id) or await self._bot.fetch_user(user_id)
            channel = user.dm_channel or await user.create_dm()
        self._channels[user_id] = channel  # most recently used last: the oldest goes first past the bound
        while len(self._channels) > self._keep:
            del self._channels[next(iter(self._channels))]
        return channel
