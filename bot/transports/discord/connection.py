"""Logging in to Discord and staying connected.

Login is retried with backoff while Discord cannot be reached (no network must not crash the bot), but a token
Discord rejects stops the application: retrying a bad token only gets the bot rate-limited. A gateway that ends
for good (a refused privileged intent, anything unforeseen) stops it too, saying why, rather than going quiet.

Sharding required (close code 4011) ends the connection too: discord.py cannot add shards to a running bot. The
bot asks Discord for its recommended shard count at every start, so the restart that exit code 1 asks of the
service manager comes back with enough shards; the message says so.
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
SHARDING_REQUIRED = 4011  # Discord's close code for a shard holding too many servers


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
            "can be read, or set discord.message_content = false (ROTOBOT_DISCORD_MESSAGE_CONTENT=false) to run "
            "with slash commands only."
        )
    except discord.ConnectionClosed as exc:
        if exc.code != SHARDING_REQUIRED:
            log.error("The Discord connection ended", exc_info=True)
            on_fatal(f"The Discord connection ended (ConnectionClosed, code {exc.code}); see the log above.")
            return
        on_fatal(
            f"Discord closed the gateway with code 4011 (sharding required): the bot is in more servers than its "
            f"{bot.shard_count or 1} shard(s) can hold. Restart rotobot (a service manager does, on exit code 1): "
            "it asks Discord for the recommended shard count at every start."
        )
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - a gateway that ended for good: say so rather than go quiet
        log.error("The Discord connection ended", exc_info=True)
        on_fatal(f"The Discord connection ended ({type(exc).__name__}); see the log above.")
