"""Daily: forget delivered alerts older than delivery.keep_days, and state nothing uses (storage/retention.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from storage.database import Database
from storage.retention import PruneReport, prune

log = logging.getLogger(__name__)


async def prune_daily(database: Database, keep_days: int, clock: Callable[[], datetime]) -> PruneReport:
    report = await database.run(prune, clock(), keep_days)
    log.info("Pruned the database: %s", report.text(dry_run=False))
    return report
