"""Migrations 6 on, in plain SQL: tables rebuilt (SQLite cannot change a primary key or split a table in place) or
renamed.

A rebuild copies the rows into the new table, drops the old one and renames the new one into its place. Every step
runs inside the one transaction storage/migrations.py gives it. Append new steps here (or in a module of their own
when this one grows); never edit one that has shipped.
"""

from __future__ import annotations

import sqlite_utils


def v6_subscription_ids_never_reused(db: sqlite_utils.Database) -> None:
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


def v7_deliveries_per_target(db: sqlite_utils.Database) -> None:
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


def v8_subscription_changes(db: sqlite_utils.Database) -> None:
    """A counter every change to the subscriptions table moves, kept by triggers so that no writer can forget it:
    the engine rebuilds its subscription index when the counter moved, never from sums that two changes can
    cancel out in (two people leaving and two pending tickers found in the same minute)."""
    db.execute("CREATE TABLE change_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT")
    db.execute("INSERT INTO change_counters (name, value) VALUES ('subscriptions', 0)")
    for event in ("INSERT", "UPDATE", "DELETE"):
        db.execute(f"""
            CREATE TRIGGER subscriptions_changed_on_{event.lower()} AFTER {event} ON subscriptions
            BEGIN
                UPDATE change_counters SET value = value + 1 WHERE name = 'subscriptions';
            END""")


def v9_rule_state(db: sqlite_utils.Database) -> None:
    """alert_state holds what each rule remembers (armed, the last record, the last session judged), not alerts:
    it is renamed rule_state. Its only index is its primary key's, which the rename carries along."""
    db.execute("ALTER TABLE alert_state RENAME TO rule_state")


def v10_fomc_projections(db: sqlite_utils.Database) -> None:
    """The Summary of Economic Projections of each meeting that had one, read whole from the Fed's page (or a saved
    copy), so `!fomc` can show the dots and a restart knows which rounds were announced already."""
    db.execute("""
        CREATE TABLE fomc_projections (
            meeting TEXT PRIMARY KEY,  -- the meeting's last day, YYYY-MM-DD, as the page's heading gives it
            projections TEXT NOT NULL,  -- the whole reading as JSON (alerts/fomc/projections_json.py)
            source_url TEXT NOT NULL,  -- the page it was read from; file:///... for a saved copy imported
            recorded_at TEXT NOT NULL
        ) STRICT""")


def v11_watches(db: sqlite_utils.Database) -> None:
    """Watches: rules a server's admins add from Discord (!watch), each under a number of its server's own. A
    number names the watch's state and alerts ("watch:<guild>:<number>"), so it is never handed out twice in a
    server: watch_numbers keeps the last one each server was given, and outlives the watches themselves (the
    lesson of v6, where a reused id gave a new subscriber the old one's state)."""
    db.execute("""
        CREATE TABLE watches (
            guild_id INTEGER NOT NULL,
            number INTEGER NOT NULL,
            kind TEXT NOT NULL,  -- rotation_spread, ma_cross or move_over
            symbol TEXT NOT NULL,  -- "^RUT", or two legs "KRE/SPY"
            sessions INTEGER NOT NULL,  -- the spread's window, the average's, the move's look-back
            upper REAL,  -- rotation_spread's lines, percent; NULL: that side is off
            lower REAL,
            band REAL NOT NULL DEFAULT 0.0,  -- rotation_spread's re-arm points; ma_cross's band, percent
            pct REAL,  -- move_over's line, percent either way
            spec TEXT NOT NULL,  -- the watch as the grammar writes it: its name, and what makes two the same
            status TEXT NOT NULL DEFAULT 'active',  -- 'pending': a ticker no data job has found yet
            created_by INTEGER NOT NULL,
            channel_id INTEGER,  -- where it was added: the lookup of a new ticker is answered there
            created_at TEXT NOT NULL,
            PRIMARY KEY (guild_id, number),
            UNIQUE (guild_id, spec)
        ) STRICT""")
    db.execute("CREATE INDEX watches_status ON watches (status)")
    db.execute("CREATE TABLE watch_numbers (guild_id INTEGER PRIMARY KEY, last INTEGER NOT NULL) STRICT")
