"""The Discord transport: logs in with the bot token, answers prefix commands, posts alerts to a channel.

Login is retried with backoff while Discord cannot be reached (no network must not crash the bot), but a token
Discord rejects stops the application: retrying a bad token only gets the bot rate-limited.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import aiohttp
import discord

from bot.commands.reply import Reply
from bot.secret import Secret
from bot.transports.base import Notification

log = logging.getLogger(__name__)

_RETRY_FIRST, _RETRY_MAX = 5.0, 300.0
_COLOUR_OK, _COLOUR_ERROR = 0x2E86DE, 0xC0392B


def as_embed(reply: Reply) -> discord.Embed:
    embed = discord.Embed(
        title=reply.title[:256],
        description="\n".join(reply.lines)[:4096] or None,
        colour=_COLOUR_ERROR if reply.error else _COLOUR_OK,
    )
    for name, value in reply.fields[:25]:
        embed.add_field(name=name[:256], value=value[:1024], inline=False)
    if reply.footer:
        embed.set_footer(text=reply.footer[:2048])
    return embed


def intents() -> discord.Intents:
    chosen = discord.Intents.default()
    chosen.message_content = True  # prefix commands read message text; slash commands do not need it
    return chosen


class DiscordTransport:
    name = "discord"

    def __init__(
        self,
        token: Secret,
        prefix: str,
        alert_channel_id: int,
        answer: Callable[[str], Awaitable[Reply]],
        on_fatal: Callable[[str], None],
    ) -> None:
        self._token = token
        self._prefix = prefix
        self._alert_channel_id = alert_channel_id
        self._answer = answer
        self._on_fatal = on_fatal
        self.client = discord.Client(intents=intents())
        self.client.event(self.on_message)
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="discord")

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or not message.content.startswith(self._prefix):
            return
        reply = await self._answer(message.content)
        await message.channel.send(embed=as_embed(reply))

    async def send(self, notification: Notification) -> None:
        if not self._alert_channel_id:
            return
        channel = self.client.get_channel(self._alert_channel_id)
        if channel is None:
            raise RuntimeError(f"alert channel {self._alert_channel_id} is not visible to the bot")
        await channel.send(f"**{notification.title}**" + (f"\n{notification.body}" if notification.body else ""))

    async def close(self) -> None:
        await self.client.close()
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        delay = _RETRY_FIRST
        while True:
            try:
                await self.client.login(self._token.reveal())
                break
            except discord.LoginFailure:
                self._on_fatal(
                    "Discord rejected the bot token. Check DISCORD_TOKEN (or the file DISCORD_TOKEN_FILE names): "
                    "copy it again from the Bot page of the Discord developer portal."
                )
                return
            except (aiohttp.ClientError, OSError, asyncio.TimeoutError, discord.HTTPException) as exc:
                log.warning(
                    "Cannot reach Discord (%s); trying again in %.0f s. rotobot keeps running on stored data.",
                    type(exc).__name__,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RETRY_MAX)
        log.info("Logged in to Discord as %s", self.client.user)
        try:
            await self.client.connect(reconnect=True)
        except discord.PrivilegedIntentsRequired:
            self._on_fatal(
                "Discord refused the Message Content intent: enable it on the Bot page of the developer portal "
                "so that prefix commands such as !rotation can be read."
            )
