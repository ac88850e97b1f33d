"""First start: fill an empty database with the real history that ships with rotobot."""

from __future__ import annotations

import logging
from datetime import datetime

from alerts.market.bundled import BUNDLED_FILES, bundled_history
from storage import prices
from storage.database import Database
from storage.prices import StoreResult

log = logging.getLogger(__name__)


async def seed_if_empty(database: Database, now: datetime) -> StoreResult | None:
    """Store the bundled history when no daily bar is stored yet; None when there was history already."""
    if not await database.run(prices.is_empty):
        return None
    total = StoreResult()
    for symbol in BUNDLED_FILES:
        bars = bundled_history(symbol, now=now)
        total += await database.run(prices.store_bars, bars)
    log.info("Seeded an empty database with %d bundled daily bars of %d symbols", total.added, len(BUNDLED_FILES))
    return total
