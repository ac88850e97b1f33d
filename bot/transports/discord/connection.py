"""Logging in to Discord and staying connected.

Login is retried with backoff while Discord cannot be reached (no network must not crash the bot), but a token
Discord rejects stops the application: retrying a bad token only gets the bot rate-limited. A gateway that ends
for good (a refused privileged intent, anything unforeseen) stops it too, saying why, rather than going quiet.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import aiohttp
import discord

from alerts.backoff import doubling
from bot.secret import Secret

log = logging.getLogger(__name__)

RETRY_FIRST, RETRY_MAX = 5.0, 300.0  # seconds between login attempts while Discord cannot be reached


async def log_in_and_stay_connected(bot: discord.Client, token: Secret, on_fatal: Callable[[str], None],
                                    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
    """Until cancelled, or until on_fatal is told why the bot cannot go on."""
    attempt = 0
    while True:
        try:
            await bot.login(token.reveal())
            break
        except discord.LoginFailure:
            on_fatal(
                "Discord rejected the bot token. Check DISCORD_TOKEN (or the file DISCORD_TOKEN_FILE names): "
                "copy it again from the Bot page of the Discord developer portal."
            )
            return
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError, discord.HTTPException) as exc:
            delay = doubling(attempt, RETRY_FIRST, RETRY_MAX)
            attempt += 1
            log.warning(
                "Cannot reach Discord (%s); trying again in %.0f s. rotobot keeps running on stored data.",
                type(exc).__name__,
                delay,
            )
            await bot.http.close()  # the failed attempt's HTTP session; the next login opens a new one
            await sleep(delay)
    log.info("Logged in to Discord as %s", bot.user)
    try:
        await bot.connect(reconnect=True)
    except discord.PrivilegedIntentsRequired:
        on_fatal(
            "Discord refused the Message Content intent: enable it on the Bot page of the developer portal "
            "(Privileged Gateway Intents, Message Content Intent) so that prefix commands such as !rotation "
            "can be read."
        )
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - a gateway that ended for good: say so rather than go quiet
        log.error("The Discord connection ended", exc_info=True)
        on_fatal(f"The Discord connection ended ({type(exc).__name__}); see the log above.")
