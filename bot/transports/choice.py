"""Which transports run: Discord with a token; the console without one (unless only a webhook is wanted and
nobody is at a terminal: a container's closed stdin must not end the bot); the webhook beside either when set."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO
from zoneinfo import ZoneInfo

import aiohttp

from bot.commands.context import CommandContext
from bot.commands.reply import Reply
from bot.commands.router import Router
from bot.settings import Settings
from bot.transports.base import Transport
from bot.transports.console import ConsoleTransport, charts_folder
from bot.transports.discord import DiscordTransport
from bot.transports.webhook import WebhookTransport
from storage.database import Database


def transport_names(settings: Settings, stdin: TextIO) -> tuple[str, ...]:
    names = []
    if settings.discord.token is not None:
        names.append("discord")
    elif settings.webhook.url is None or stdin.isatty():
        names.append("console")
    if settings.webhook.url is not None:
        names.append("webhook")
    return tuple(names)


def build_transports(
    names: tuple[str, ...],
    settings: Settings,
    *,
    router: Router,
    context: CommandContext,
    database: Database,
    session: aiohttp.ClientSession,
    stdin: TextIO,
    stdout: TextIO,
    on_eof: Callable[[], None],
    on_fatal: Callable[[str], None],
) -> list[Transport]:
    async def answer(text: str) -> Reply:
        return await router.dispatch(text, context)

    built = {
        "discord": lambda: DiscordTransport(settings.discord.token, router=router, context=context, database=database,
                                            alert_channel_id=settings.discord.alert_channel_id, on_fatal=on_fatal,
                                            clock=context.now, message_content=settings.discord.message_content),
        "console": lambda: ConsoleTransport(answer=answer, on_eof=on_eof, stdin=stdin, stdout=stdout,
                                            zone=ZoneInfo(settings.display.timezone),
                                            charts=charts_folder(settings.storage.database), clock=context.now),
        "webhook": lambda: WebhookTransport(settings.webhook.url, session),
    }
    return [built[name]() for name in names]
