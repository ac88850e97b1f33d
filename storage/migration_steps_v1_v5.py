"""Migrations 1 to 5: the schema rotobot 0.1 shipped, built with sqlite-utils' table API.

Shipped means frozen: every database 0.1 made was made by exactly these steps (and
tests/storage/test_upgrade_from_schema_5.py replays them), so they are never edited; a later change is a new
migration in storage/migration_steps_v6_on.py.
"""

from __future__ import annotations

import sqlite_utils


def v1_market_data(db: sqlite_utils.Database) -> None:
    # One row per symbol and exchange-local session date; upserts by that key keep refetches idempotent.
    db["daily_bars"].create(
        {
            "symbol": str,
            "date": str,  # YYYY-MM-DD, exchange-local
            "open": float,
            "high": float,
            "low": float,
            "close": float,
            "volume": int,
            "source": str,
            "fetched_at": str,  # UTC ISO 8601
        },
        pk=("symbol", "date"),
        not_null={"close", "source", "fetched_at"},
        strict=True,
    )
    # The latest intraday quote of each symbol.
    db["quotes"].create(
        {
            "symbol": str,
            "price": float,
            "previous_close": float,
            "exchange_time": str,  # UTC ISO 8601 of the trade, as the exchange stamped it
            "source": str,
            "fetched_at": str,
        },
        pk="symbol",
        not_null={"price", "exchange_time", "source", "fetched_at"},
        strict=True,
    )
    db["guild_settings"].create(
        {"guild_id": int, "key": str, "value": str, "updated_at": str},  # value is JSON
        pk=("guild_id", "key"),
        not_null={"value", "updated_at"},
        strict=True,
    )


def v2_alerts(db: sqlite_utils.Database) -> None:
    # Persisted state of each rule per key (symbol, subscription...), so a restart neither repeats nor forgets.
    db["alert_state"].create(
        {"rule_id": str, "key": str, "state": str, "updated_at": str},  # state is JSON
        pk=("rule_id", "key"),
        not_null={"state", "updated_at"},
        strict=True,
    )
    # Events waiting for delivery and the log of those delivered; event_key is the exactly-once backstop.
    db["outbox"].create(
        {
            "id": int,
            "event_key": str,
            "kind": str,
            "payload": str,  # JSON
            "created_at": str,
            "attempts": int,
            "next_attempt_at": str,
            "delivered_at": str,
            "last_error": str,
        },
        pk="id",
        not_null={"event_key", "kind", "payload", "created_at", "attempts", "next_attempt_at"},
        defaults={"attempts": 0},
        strict=True,
    )
    db["outbox"].create_index(["event_key"], unique=True)
    db["outbox"].create_index(["delivered_at", "next_attempt_at"])
    db["subscriptions"].create(
        {
            "id": int,
            "guild_id": int,
            "user_id": int,
            "channel_id": int,  # NULL: by direct message
            "symbol": str,
            "kind": str,  # above, below, move, high_52w, low_52w
            "threshold": float,  # 0 where the kind has none
            "cooldown_seconds": int,
            "created_at": str,
        },
        pk="id",
        not_null={"guild_id", "user_id", "symbol", "kind", "threshold", "cooldown_seconds", "created_at"},
        defaults={"threshold": 0.0, "cooldown_seconds": 0},
        strict=True,
    )
    db["subscriptions"].create_index(["guild_id", "user_id", "symbol", "kind", "threshold"], unique=True)
    db["subscriptions"].create_index(["symbol"])


def v3_fomc(db: sqlite_utils.Database) -> None:
    db["fomc_meetings"].create(
        {
            "end_date": str,  # the decision day, YYYY-MM-DD
            "start_date": str,
            "sep": int,  # 1 when a Summary of Economic Projections comes with it
            "unscheduled": int,
            "notation_vote": int,
            "source": str,
            "updated_at": str,
        },
        pk="end_date",
        not_null={"start_date", "sep", "unscheduled", "notation_vote", "source", "updated_at"},
        strict=True,
    )
    db["fomc_decisions"].create(
        {
            "date": str,
            "action": str,  # raise, lower, maintain, unknown
            "lower": float,  # percent; NULL when the statement could not be read
            "upper": float,
            "change_bp": int,
            "unscheduled": int,
            "statement_url": str,
            "votes": str,  # JSON
            "source": str,  # statement, fred, both
            "recorded_at": str,
        },
        pk="date",
        not_null={"action", "unscheduled", "source", "recorded_at"},
        strict=True,
    )


def v4_deliveries(db: sqlite_utils.Database) -> None:
    # One row per (event, transport): each transport gets each event once, and one failing transport never holds
    # back or repeats another's. `sending_at` is set just before a send; a row still sending after a crash is an
    # unconfirmed send, repeated once and marked as possibly repeated.
    db["deliveries"].create(
        {
            "event_id": int,
            "transport": str,
            "attempts": int,
            "next_attempt_at": str,
            "sending_at": str,
            "delivered_at": str,
            "possibly_repeated": int,
            "last_error": str,
        },
        pk=("event_id", "transport"),
        not_null={"attempts", "next_attempt_at", "possibly_repeated"},
        defaults={"attempts": 0, "possibly_repeated": 0},
        foreign_keys=[("event_id", "outbox", "id")],
        strict=True,
    )
    db["deliveries"].create_index(["delivered_at", "next_attempt_at"])


def v5_pending_subscriptions(db: sqlite_utils.Database) -> None:
    # A ticker rotobot has never seen is held as "pending" until a data job finds it (or finds it does not exist).
    db["subscriptions"].add_column("status", str, not_null_default="active")
