"""Ordered schema migrations, tracked in SQLite's `PRAGMA user_version`.

Each migration moves the schema from version N-1 to N inside one transaction, so a crash mid-migration leaves the
previous version intact. Append new migrations; never edit one that has shipped. This module is the list and the
runner; the steps are in storage/migration_steps_v1_v5.py (what rotobot 0.1 shipped), migration_steps_v6_on.py and
migration_steps_v12_on.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from storage.migration_steps_v1_v5 import v1_market_data, v2_alerts, v3_fomc, v4_deliveries, v5_pending_subscriptions
from storage.migration_steps_v6_on import (v6_subscription_ids_never_reused, v7_deliveries_per_target,
                                           v8_subscription_changes, v9_rule_state, v10_fomc_projections,
                                           v11_watches)
from storage.migration_steps_v12_on import v12_signal_records, v13_delivery_urgency


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[sqlite_utils.Database], None]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "market data and guild settings", v1_market_data),
    Migration(2, "alert state, outbox and subscriptions", v2_alerts),
    Migration(3, "FOMC meetings and decisions", v3_fomc),
    Migration(4, "per-transport delivery log", v4_deliveries),
    Migration(5, "pending subscriptions", v5_pending_subscriptions),
    Migration(6, "subscription ids never reused", v6_subscription_ids_never_reused),
    Migration(7, "deliveries per target", v7_deliveries_per_target),
    Migration(8, "a change counter for subscriptions", v8_subscription_changes),
    Migration(9, "alert state renamed rule state", v9_rule_state),
    Migration(10, "FOMC projections (SEP)", v10_fomc_projections),
    Migration(11, "watches per server", v11_watches),
    Migration(12, "the signal cache: each close rule's record and last signals", v12_signal_records),
    Migration(13, "deliveries in order of urgency", v13_delivery_urgency),
)
LATEST = MIGRATIONS[-1].version


def schema_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database, target: int = LATEST) -> list[Migration]:
    """Apply every migration above the current version up to `target`; returns those applied."""
    applied = []
    for migration in MIGRATIONS:
        if schema_version(db) < migration.version <= target:
            with db.atomic():  # one transaction: the tables and the new version land together or not at all
                migration.apply(db)
                db.execute(f"PRAGMA user_version = {int(migration.version)}")
            applied.append(migration)
    return applied
