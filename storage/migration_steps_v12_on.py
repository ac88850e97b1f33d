"""Migrations 12 on (11 is the watches' step, in migration_steps_v6_on.py). Append new steps here; never edit one
that has shipped. Every step runs inside the one transaction storage/migrations.py gives it."""

from __future__ import annotations

import sqlite_utils


def v12_signal_records(db: sqlite_utils.Database) -> None:
    """The signal cache (storage/signal_records.py): each close rule's backtest over all stored history, computed
    after the daily close, so an alert carries its track record and `!signals` answers from store. A cache: what
    it holds can always be computed again from the daily bars, so no later migration needs to keep its rows."""
    db.execute("""
        CREATE TABLE signal_rules (
            rule_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            symbol TEXT NOT NULL,  -- the symbol, or the pair "^RUT/^NDX"
            guild_id INTEGER,  -- a server's own rule (its spread lines): the only server shown it; NULL: shared
            exclude_guilds TEXT NOT NULL DEFAULT '[]',  -- a shared rule: servers that hear their own rule instead
            fingerprint TEXT NOT NULL,  -- the rule's parameters, horizon and count kept (alerts/backtest/ledger.py)
            horizon INTEGER NOT NULL,  -- sessions after each signal its move is measured over
            points INTEGER NOT NULL DEFAULT 0,  -- 1: one series with a value at or under zero, moves in its own units
            first_session TEXT NOT NULL,  -- the stored sessions replayed: from the first every leg has ...
            through_session TEXT NOT NULL,  -- ... to the last every leg has; a new one means computing again
            computed_at TEXT NOT NULL
        ) STRICT""")
    db.execute("""
        CREATE TABLE signal_records (
            rule_id TEXT NOT NULL REFERENCES signal_rules(rule_id) ON DELETE CASCADE,
            direction TEXT NOT NULL,  -- '' for a rule without one (a record close)
            count INTEGER NOT NULL,  -- every signal in that direction whose move over the horizon is stored
            hits INTEGER NOT NULL,
            median REAL,
            baseline_hit_rate REAL,  -- any session of the replayed range, judged the direction's way
            PRIMARY KEY (rule_id, direction)
        ) STRICT""")
    db.execute("""
        CREATE TABLE signal_firings (
            rule_id TEXT NOT NULL REFERENCES signal_rules(rule_id) ON DELETE CASCADE,
            session TEXT NOT NULL,
            direction TEXT NOT NULL,  -- '' for none
            value REAL NOT NULL,  -- what the alert carried: the spread, the close, the change, the ratio
            move REAL,  -- over the horizon after it; NULL while those sessions are not stored
            ends TEXT,  -- the session the move was measured to (t+h); NULL with move. An alert counts a move only
                        -- when it ended before the alert's own session: what was known at its close
            hit INTEGER,  -- 1 when the move came true the direction's way; NULL with move
            PRIMARY KEY (rule_id, direction, session)
        ) STRICT""")


def v13_delivery_urgency(db: sqlite_utils.Database) -> None:
    """When more is owed than Discord takes in a second, urgent alerts (an FOMC decision, a record, the spread) go
    before subscription DMs: each delivery carries its alert's urgency (alerts/delivery.py), and the due ones are
    read in that order from an index rather than by sorting every waiting delivery at each look. Deliveries
    waiting at the upgrade are of normal urgency. (The first 10,000-server fan-out also showed the question asked
    after each send, whether an alert has deliveries left, counting all of them: it gets an index of its own.)"""
    db.execute("ALTER TABLE deliveries ADD COLUMN urgency INTEGER NOT NULL DEFAULT 1")
    db.execute("CREATE INDEX deliveries_in_order ON deliveries (transport, urgency, event_id, target) "
               "WHERE done_at IS NULL")
    # A target's other alerts due now, fetched with it so that they go as one message.
    db.execute("CREATE INDEX deliveries_of_target ON deliveries (transport, target) WHERE done_at IS NULL")
    # Whether an alert has deliveries left on a transport, asked after every send: one entry, not a count of them.
    db.execute("CREATE INDEX deliveries_left ON deliveries (event_id, transport) WHERE done_at IS NULL")
