"""Ordered schema migrations, tracked in SQLite's `PRAGMA user_version`.

Each migration moves the schema from version N-1 to N inside one transaction, so a crash mid-migration leaves the
previous version intact. Append new migrations; never edit one that has shipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[sqlite_utils.Database], None]


def _v1_market_data(db: sqlite_utils.Database) -> None:
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


def _v2_alerts(db: sqlite_utils.Database) -> None:
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


def _v3_fomc(db: sqlite_utils.Database) -> None:
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


def _v4_deliveries(db: sqlite_utils.Database) -> None:
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


def _v5_pending_subscriptions(db: sqlite_utils.Database) -> None:
    # A ticker rotobot has never seen is held as "pending" until a data job finds it (or finds it does not exist).
    db["subscriptions"].add_column("status", str, not_null_default="active")


def _v6_subscription_ids_never_reused(db: sqlite_utils.Database) -> None:
    # INTEGER PRIMARY KEY hands the id of the newest row out again once it is deleted, and the engine keys a
    # subscription's state and its alerts by that id: a new subscriber inherited the old one's arming state, and
    # the old one's alert keys. AUTOINCREMENT never hands an id out twice. SQLite cannot add it to a table, so the
    # table is rebuilt, and the sequence starts above every id any state or alert still names.
    db.execute("""
        CREATE TABLE subscriptions_v6 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            guild_id INTEGER NOT NULL,
            user_id INTEGER NOT NULL,
            channel_id INTEGER,
            symbol TEXT NOT NULL,
            kind TEXT NOT NULL,
            threshold REAL NOT NULL DEFAULT 0.0,
            cooldown_seconds INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'active'
        ) STRICT""")
    db.execute("""
        INSERT INTO subscriptions_v6 (id, guild_id, user_id, channel_id, symbol, kind, threshold, cooldown_seconds,
                                      created_at, status)
        SELECT id, guild_id, user_id, channel_id, symbol, kind, threshold, cooldown_seconds, created_at, status
        FROM subscriptions""")
    db.execute("DROP TABLE subscriptions")
    db.execute("ALTER TABLE subscriptions_v6 RENAME TO subscriptions")
    db["subscriptions"].create_index(["guild_id", "user_id", "symbol", "kind", "threshold"], unique=True)
    db["subscriptions"].create_index(["symbol"])
    named = [int(m) for (m,) in db.execute(
        "SELECT substr(rule_id, 5) FROM alert_state WHERE rule_id GLOB 'sub:[0-9]*' UNION "
        "SELECT substr(event_key, 5, instr(event_key, '|') - 5) FROM outbox WHERE event_key GLOB 'sub:[0-9]*|*'"
    ).fetchall() if m.isdigit()]
    highest = max([db.execute("SELECT coalesce(max(id), 0) FROM subscriptions").fetchone()[0], *named])
    # Copying the rows already made the table's sequence row (the rename carries it over) unless it was empty.
    if not db.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'subscriptions'", [highest]).rowcount:
        db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('subscriptions', ?)", [highest])
    # States of subscriptions that are gone: nobody can own them again, and they only grow the table.
    db.execute("DELETE FROM alert_state WHERE rule_id GLOB 'sub:[0-9]*' AND CAST(substr(rule_id, 5) AS INTEGER) "
               "NOT IN (SELECT id FROM subscriptions)")


def _v7_deliveries_per_target(db: sqlite_utils.Database) -> None:
    # Delivery was logged per (alert, transport), so when one of three servers refused a message the alert was
    # marked delivered and that server never got it. Now each transport resolves an alert to its targets (a
    # server's channel, a DM, the webhook) once, in `fanouts`, and each target is logged, retried and given up on
    # by itself in `deliveries`. The outbox is rebuilt with AUTOINCREMENT too: pruning deletes its newest rows
    # sometimes, and an id must never name two alerts.
    db.execute("""
        CREATE TABLE outbox_v7 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            event_key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at TEXT NOT NULL,
            delivered_at TEXT  -- every transport has finished with it: sent, given up, or no longer wanted
        ) STRICT""")
    db.execute("INSERT INTO outbox_v7 (id, event_key, kind, payload, created_at, delivered_at) "
               "SELECT id, event_key, kind, payload, created_at, delivered_at FROM outbox")
    db.execute("""
        CREATE TABLE fanouts_v7 (
            event_id INTEGER NOT NULL REFERENCES outbox_v7(id) ON DELETE CASCADE,
            transport TEXT NOT NULL,
            resolved_at TEXT,  -- when the transport said where the alert goes; NULL: not yet
            done_at TEXT,  -- every target has finished
            possibly_repeated INTEGER NOT NULL DEFAULT 0,  -- a send before the targets were known was unconfirmed
            PRIMARY KEY (event_id, transport)
        ) STRICT""")
    # What the old log knew: a transport that had the alert is done with it; one whose send was never confirmed
    # sends again to every target, marked as possibly repeated; one that only failed starts afresh.
    db.execute("""
        INSERT INTO fanouts_v7 (event_id, transport, resolved_at, done_at, possibly_repeated)
        SELECT event_id, transport, delivered_at, delivered_at, 0 FROM deliveries WHERE delivered_at IS NOT NULL
        UNION ALL
        SELECT event_id, transport, NULL, NULL, 1 FROM deliveries
        WHERE delivered_at IS NULL AND (sending_at IS NOT NULL OR possibly_repeated = 1)""")
    db.execute("DROP TABLE deliveries")
    db.execute("DROP TABLE outbox")
    db.execute("ALTER TABLE outbox_v7 RENAME TO outbox")  # also renames the reference in fanouts_v7
    db.execute("ALTER TABLE fanouts_v7 RENAME TO fanouts")
    db.execute("CREATE INDEX outbox_undelivered ON outbox (id) WHERE delivered_at IS NULL")
    db.execute("CREATE INDEX outbox_created ON outbox (created_at)")
    db.execute("""
        CREATE TABLE deliveries (
            event_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
            transport TEXT NOT NULL,
            target TEXT NOT NULL,  -- the transport's name for it: "server:G", "dm:U", "webhook", "console"
            place TEXT NOT NULL,  -- what kind of target it is: server, channel, dm, operator, webhook, console
            guild_id INTEGER,  -- the server it belongs to, if any
            label TEXT NOT NULL,  -- how a notice names it to people
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            sending_at TEXT,  -- set just before a send; still set after a crash: an unconfirmed send
            first_failed_at TEXT,  -- the start of this target's run of failures for this alert
            last_error TEXT,
            possibly_repeated INTEGER NOT NULL DEFAULT 0,
            done_at TEXT,
            outcome TEXT,  -- sent, gave up, not wanted (muted, or the channel was unset meanwhile)
            PRIMARY KEY (event_id, transport, target)
        ) STRICT""")
    db.execute("CREATE INDEX deliveries_due ON deliveries (transport, next_attempt_at) WHERE done_at IS NULL")
    db.execute("""
        CREATE TABLE failing_targets (
            transport TEXT NOT NULL,
            target TEXT NOT NULL,
            since TEXT NOT NULL,  -- first failure of this run of failures; a success ends the run
            permanent INTEGER NOT NULL,
            last_error TEXT,
            gave_up_at TEXT,  -- once given up on, later alerts to it are given up after one more try
            PRIMARY KEY (transport, target)
        ) STRICT""")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "market data and guild settings", _v1_market_data),
    Migration(2, "alert state, outbox and subscriptions", _v2_alerts),
    Migration(3, "FOMC meetings and decisions", _v3_fomc),
    Migration(4, "per-transport delivery log", _v4_deliveries),
    Migration(5, "pending subscriptions", _v5_pending_subscriptions),
    Migration(6, "subscription ids never reused", _v6_subscription_ids_never_reused),
    Migration(7, "deliveries per target", _v7_deliveries_per_target),
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
