"""First start: fill an empty database with the real history that ships with rotobot."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from alerts.fomc.bundled import bundled_decisions, bundled_meetings
from alerts.market.bundled import BUNDLED_FILES, bundled_history
from storage import fomc, prices
from storage.database import Database
from storage.prices import StoreResult

log = logging.getLogger(__name__)


async def seed_if_empty(database: Database, now: datetime) -> StoreResult | None:
    """Store the bundled history when no daily bar is stored yet; None when there was history already."""
    if not await database.run(prices.is_empty):
        return None
    log.info("First start: storing the bundled daily history of %d symbols (a few seconds, once)", len(BUNDLED_FILES))
    total = StoreResult()
    for symbol in BUNDLED_FILES:
        bars = await asyncio.to_thread(bundled_history, symbol, now=now)  # ~0.2 s of CSV parsing per file
        total += await database.run(prices.store_bars, bars)
    log.info("Seeded an empty database with %d bundled daily bars of %d symbols", total.added, len(BUNDLED_FILES))
    return total


async def seed_fomc_if_empty(database: Database, now: datetime) -> int:
    """The official 2024-2027 calendar and the decisions behind it, so !fomc answers offline from the start."""
    if await database.run(fomc.meetings):
        return 0
    meetings, decisions = await asyncio.to_thread(lambda: (bundled_meetings(), bundled_decisions()))
    await database.run(fomc.upsert_meetings, meetings, now)
    for decision in decisions:
        await database.run(fomc.upsert_decision, decision, now)
    log.info("Seeded the FOMC calendar: %d meetings, %d decisions", len(meetings), len(decisions))
    return len(meetings)
