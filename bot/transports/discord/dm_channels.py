"""The DM channel of each person alerts go to, opened once (one request, POST /users/@me/channels: the user
need not be fetched first) and kept for later alerts to them (none), the least recently used forgotten first
past a bound. A user who does not exist is refused there (400 Invalid Recipient), a permanent failure."""

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
            user = self._bot.get_user(user_id)  # rarely in the cache: the bot does not ask for the members intent
            if user is not None:
                channel = user.dm_channel or await user.create_dm()
            else:
                channel = await self._bot.create_dm(discord.Object(user_id))
        self._channels[user_id] = channel  # most recently used last: the oldest goes first past the bound
        while len(self._channels) > self._keep:
            del self._channels[next(iter(self._channels))]
        return channel
