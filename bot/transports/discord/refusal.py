"""What a Discord error means for one target: permanent when a person must change something first (a deleted
channel, a missing permission, closed DMs), transient otherwise; and whether the message may exist anyway."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable

import aiohttp
import discord

from alerts.delivery import DeliveryFailed
from bot.transports.base import answer_lost

# Discord's JSON error codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json).
UNKNOWN_CHANNEL, UNKNOWN_USER, MISSING_ACCESS, CANNOT_DM, MISSING_PERMISSIONS = 10003, 10013, 50001, 50007, 50013
INVALID_RECIPIENT = 50033  # opening a DM with a user who is gone (or a bot)


class DeliveryError(DeliveryFailed):
    """An alert did not reach one Discord target; the dispatcher retries it, or gives up on it in the end."""


def refusal(exc: BaseException, key: Hashable) -> DeliveryFailed:
    """What a Discord error means for one target: permanent when a person must change something first."""
    if isinstance(exc, DeliveryFailed):
        return exc
    kind, ident = key[0], key[1]
    what = f"user {ident}" if kind == "dm" else f"channel {ident}"
    if isinstance(exc, discord.NotFound):
        hint = ("The account is gone." if kind == "dm" else
                "The channel was deleted: choose another with !set channel (or subscribe again elsewhere).")
        return DeliveryError(f"{what} does not exist (Discord {exc.code or 404})", permanent=True, hint=hint)
    if isinstance(exc, discord.Forbidden):
        if exc.code == CANNOT_DM:
            return DeliveryError(f"{what} does not accept direct messages from the bot", permanent=True,
                                 hint="They can allow direct messages from the bot, or subscribe with `here` in a "
                                      "channel.")
        if exc.code == MISSING_PERMISSIONS:
            return DeliveryError(f"the bot lacks a permission in {what} (Send Messages)", permanent=True,
                                 hint="Give the bot Send Messages there, or choose another channel with !set "
                                      "channel.")
        return DeliveryError(f"the bot may not see {what} (Discord {exc.code or 403})", permanent=True,
                             hint="Give the bot View Channel there, or choose another channel with !set channel.")
    if isinstance(exc, discord.HTTPException) and exc.code == INVALID_RECIPIENT and kind == "dm":
        return DeliveryError(f"{what} cannot be sent a direct message (Discord {INVALID_RECIPIENT} Invalid "
                             "Recipient)", permanent=True, hint="The account is gone.")
    if isinstance(exc, discord.HTTPException):
        return DeliveryError(f"Discord answered HTTP {exc.status} for {what}", permanent=400 <= exc.status < 500
                             and exc.status != 429)
    if isinstance(exc, (aiohttp.ClientError, OSError, asyncio.TimeoutError)):
        return DeliveryError(f"Discord could not be reached ({type(exc).__name__})", maybe_sent=answer_lost(exc))
    return DeliveryError(f"{type(exc).__name__}: {exc}")
