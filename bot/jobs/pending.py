"""Subscriptions and watches on tickers rotobot had never seen: confirmed or refused once a data job looked them up.

The subscribe and watch commands never wait on the network; they store the subscription or watch as pending and
say so. This job asks the sources once per ticker, then settles what waited on it and queues the follow-up to
each subscriber, and to the admin who added each watch, in one transaction, so nothing is settled without its
person being told.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial

from alerts.payloads import Subscriber, TickerLookupAlert
from bot.jobs.market import FIRST_FETCH_DAYS, LOOKUP_DAYS, MarketJobs
from storage import prices, subscriptions, watches
from storage.database import Database

log = logging.getLogger(__name__)

Publish = Callable[..., Awaitable[list[str]]]


async def confirm_pending(database: Database, market: MarketJobs, publish: Publish,
                          clock: Callable[[], datetime]) -> int:
    """Settle every pending symbol a source could answer for; returns how many people were told."""
    told = 0
    waiting_subs = await database.run(subscriptions.pending_symbols)
    waiting_watches = await database.run(_watch_symbols)
    for symbol in dict.fromkeys([*waiting_subs, *waiting_watches]):
        # A watch may average years of closes: its ticker's first look fetches as much as a new symbol's first
        # daily fetch does, not the year a subscription's 52-week range needs.
        found = await market.look_up(symbol, days=FIRST_FETCH_DAYS if symbol in waiting_watches else LOOKUP_DAYS)
        if found is None:
            continue  # the sources are failing, not the ticker: try at the next run
        if symbol in waiting_subs:
            told += await _settle_subscriptions(database, publish, clock, symbol, found)
        if symbol in waiting_watches:
            told += await _settle_watches(database, publish, clock, symbol, found)
    # A watch whose tickers all have closes by now (another data job stored them meanwhile) waits for nothing.
    return told + await _settle_watches(database, publish, clock, None, True)


async def _settle_subscriptions(database: Database, publish: Publish, clock, symbol: str, found: bool) -> int:
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
    return len(await publish(events, also=settle))


async def _settle_watches(database: Database, publish: Publish, clock, symbol: str | None, found: bool) -> int:
    """A watch waits for every one of its tickers (`symbol`, just looked up; None: any): active once all have
    closes stored, removed as soon as one is not a ticker any source knows. Its admin is told either way, in the
    channel where the watch was added."""
    waiting, known = await database.run(_waiting_on, symbol)
    now = clock()
    events, activate, drop = [], [], []
    for watch in waiting:
        if not found:
            drop.append((watch.guild_id, watch.number))
            message = (f"{watch.name}: {symbol} is not a ticker or FRED series rotobot's sources know, so the "
                       "watch was removed")
        elif all(leg in known for leg in watch.spec.symbols):
            activate.append((watch.guild_id, watch.number))
            message = f"{watch.name}: {symbol or ' and '.join(watch.spec.symbols)} found, now watching"
        else:
            continue  # another of its tickers is still to be found
        events.append(TickerLookupAlert(
            key=f"watch-lookup|{watch.guild_id}|{watch.number}|{symbol or '*'}", message=message, occurred_at=now,
            route=Subscriber(watch.guild_id, watch.created_by, watch.channel_id), symbol=symbol or watch.spec.symbol,
            found=found))
    if not events:
        return 0
    log.info("%s %s for %d pending watches", symbol or "every ticker", "found" if found else "not found", len(events))
    return len(await publish(events, also=partial(watches.settle, activate=activate, drop=drop)))


def _watch_symbols(db) -> list[str]:
    """The tickers pending watches still wait for: those of their legs with no stored close yet."""
    legs = dict.fromkeys(leg for watch in watches.pending(db) for leg in watch.spec.symbols)
    return [leg for leg in legs if prices.last_bar(db, leg) is None]


def _waiting_on(db, symbol: str | None):
    waiting = [w for w in watches.pending(db) if symbol is None or symbol in w.spec.symbols]
    known = {leg for w in waiting for leg in w.spec.symbols if prices.last_bar(db, leg) is not None}
    return waiting, known
