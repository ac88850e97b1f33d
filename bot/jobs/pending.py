"""Subscriptions to tickers rotobot had never seen: confirmed or refused once a data job has looked them up.

The subscribe command never waits on the network; it stores the subscription as pending and says so. This job
asks the sources, then tells each subscriber the outcome as a follow-up message through the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.jobs.market import MarketJobs
from storage import subscriptions
from storage.database import Database

log = logging.getLogger(__name__)


async def confirm_pending(
    database: Database,
    market: MarketJobs,
    publish: Callable[..., Awaitable[list[str]]],
    clock: Callable[[], datetime],
) -> int:
    """Settle every pending symbol a source could answer for; returns how many subscribers were told."""
    told = 0
    for symbol in await database.run(subscriptions.pending_symbols):
        found = await market.look_up(symbol)
        if found is None:
            continue  # the sources are failing, not the ticker: try at the next run
        subs = await database.run(subscriptions.settle_pending, symbol, found)
        log.info("%s %s for %d pending subscriptions", symbol, "found" if found else "not found", len(subs))
        now = clock()
        events, seen = [], set()
        for sub in subs:
            if (sub.guild_id, sub.user_id) in seen:
                continue
            seen.add((sub.guild_id, sub.user_id))
            message = (f"{symbol} found: your alerts on it are active" if found else
                       f"{symbol} is not a ticker rotobot's sources know: that subscription was removed")
            payload = {"message": message, "occurred_at": now.isoformat(), "kind": "subscription_status",
                       "guild_id": sub.guild_id, "user_id": sub.user_id, "channel_id": sub.channel_id}
            events.append((f"pending|{symbol}|{sub.guild_id}|{sub.user_id}|{sub.created_at.isoformat()}",
                           "subscription_status", payload))
        told += len(await publish(events)) if events else 0
    return told
