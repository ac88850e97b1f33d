"""Subscriptions to tickers rotobot had never seen: confirmed or refused once a data job has looked them up.

The subscribe command never waits on the network; it stores the subscription as pending and says so. This job
asks the sources, then settles the subscriptions and queues the follow-up message to each subscriber in one
transaction, so a subscription is never settled without its subscriber being told.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial

from alerts.payloads import Subscriber, TickerLookupAlert
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
        # Exactly the subscriptions read here are settled: one added meanwhile waits for the next run.
        subs = await database.run(subscriptions.pending_for, symbol)
        log.info("%s %s for %d pending subscriptions", symbol, "found" if found else "not found", len(subs))
        now = clock()
        events, seen = [], set()
        for sub in subs:
            if (sub.guild_id, sub.user_id) in seen:
                continue
            seen.add((sub.guild_id, sub.user_id))
            message = (f"{symbol} found: your alerts on it are active" if found else
                       f"{symbol} is not a ticker rotobot's sources know: that subscription was removed")
            events.append(TickerLookupAlert(
                key=f"pending|{symbol}|{sub.guild_id}|{sub.user_id}|{sub.created_at.isoformat()}", message=message,
                occurred_at=now, route=Subscriber(sub.guild_id, sub.user_id, sub.channel_id), symbol=symbol,
                found=found))
        settle = partial(subscriptions.settle, ids=[s.id for s in subs], found=found)
        told += len(await publish(events, also=settle))
    return told
