"""storage.migrations: a database of any older version reaches the latest with every row kept; a failed step is undone."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

import pytest
import sqlite_utils

from storage.database import Database
from storage.errors import StorageError
from storage.migrations import LATEST, MIGRATIONS, migrate, schema_version

T = "2024-03-01T15:30:00+00:00"

# One full row per table; a new migration that adds a table must add a sample here (see the coverage test).
SAMPLES = {
    "daily_bars": {
        "symbol": "IWM", "date": "2024-03-01", "open": 200.0, "high": 202.5, "low": 199.0, "close": 201.25,
        "volume": 1_000_000, "source": "yahoo", "fetched_at": T,
    },
    "quotes": {
        "symbol": "^RUT", "price": 2050.5, "previous_close": 2040.0, "exchange_time": T, "source": "yahoo",
        "fetched_at": T,
    },
    "guild_settings": {"guild_id": 42, "key": "alert_channel", "value": "123", "updated_at": T},
    "rule_state": {"rule_id": "rotation", "key": "^RUT/^NDX", "state": '{"armed": true}', "updated_at": T},
    "outbox": {
        "id": 7, "event_key": "rotation:2024-03-01", "kind": "rotation", "payload": "{}", "created_at": T,
        "delivered_at": None,
    },
    "subscriptions": {
        "id": 3, "guild_id": 42, "user_id": 9, "channel_id": None, "symbol": "IWM", "kind": "above",
        "threshold": 210.0, "cooldown_seconds": 3600, "created_at": T,
    },
    "deliveries": {
        "event_id": 7, "transport": "discord", "target": "server:42", "place": "server", "guild_id": 42,
        "label": "#alerts in rotobot", "attempts": 1, "next_attempt_at": T, "sending_at": None,
        "first_failed_at": T, "last_error": "HTTP 503", "possibly_repeated": 0, "done_at": None, "outcome": None,
    },
    "fanouts": {"event_id": 7, "transport": "discord", "resolved_at": T, "done_at": None, "possibly_repeated": 0},
    "failing_targets": {
        "transport": "discord", "target": "server:42", "since": T, "permanent": 0, "last_error": "HTTP 503",
        "gave_up_at": None,
    },
    "change_counters": {"name": "subscriptions", "value": 0},
    "fomc_meetings": {
        "end_date": "2024-03-20", "start_date": "2024-03-19", "sep": 1, "unscheduled": 0, "notation_vote": 0,
        "source": "fed", "updated_at": T,
    },
    "fomc_decisions": {
        "date": "2024-01-31", "action": "maintain", "lower": 5.25, "upper": 5.5, "change_bp": 0, "unscheduled": 0,
        "statement_url": "https://www.federalreserve.gov/x.htm", "votes": "{}", "source": "both", "recorded_at": T,
    },
    "fomc_projections": {  # v10
        "meeting": "2025-12-10", "projections": '{"format": 1}',
        "source_url": "https://www.federalreserve.gov/monetarypolicy/fomcprojtabl20251210.htm", "recorded_at": T,
    },
    "watches": {  # v11
        "guild_id": 42, "number": 3, "kind": "rotation_spread", "symbol": "KRE/SPY", "sessions": 20, "upper": 5.0,
        "lower": None, "band": 1.0, "pct": None, "spec": "KRE/SPY spread 20 above 5", "status": "active",
        "created_by": 9, "channel_id": 555, "created_at": T,
    },
    "watch_numbers": {"guild_id": 42, "last": 3},  # v11
    "signal_rules": {  # v12, with the two below
        "rule_id": "rotation_spread:^RUT/^NDX:20", "kind": "rotation_spread", "symbol": "^RUT/^NDX", "guild_id": None,
        "exclude_guilds": "[77]", "fingerprint": "0f3c", "horizon": 20, "first_session": "1987-09-10",
        "through_session": "2026-02-23", "computed_at": T,
    },
    "signal_records": {
        "rule_id": "rotation_spread:^RUT/^NDX:20", "direction": "small", "count": 127, "hits": 61, "median": -0.196,
        "baseline_hit_rate": 0.4586,
    },
    "signal_firings": {
        "rule_id": "rotation_spread:^RUT/^NDX:20", "session": "2025-12-11", "direction": "small", "value": 5.0078,
        "move": 1.347, "hit": 1,
    },
}
# Tables whose shape a later migration changed, as the older versions had them, and what each row becomes.
OLD_SAMPLES = {
    "outbox": {
        "id": 7, "event_key": "rotation:2024-03-01", "kind": "rotation", "payload": "{}", "created_at": T,
        "attempts": 1, "next_attempt_at": T, "delivered_at": None, "last_error": "timeout",
    },
    # v4-v6 logged per transport; a send never confirmed becomes a fan-out still to resolve, marked repeated
    "deliveries": {
        "event_id": 7, "transport": "console", "attempts": 1, "next_attempt_at": T, "sending_at": T,
        "delivered_at": None, "possibly_repeated": 0, "last_error": None,
    },
}
BECOMES = {
    "outbox": [SAMPLES["outbox"]],
    "deliveries": [],
    "fanouts": [{"event_id": 7, "transport": "console", "resolved_at": None, "done_at": None, "possibly_repeated": 1}],
}
RESHAPED_AT = 7
# Tables a later migration renamed, by their old name: the sample of the new name goes into the old table.
RENAMED = {"alert_state": "rule_state"}  # v9


def test_versions_are_consecutive_from_one():
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert LATEST == len(MIGRATIONS)


def tables(db: sqlite_utils.Database) -> set[str]:
    """rotobot's tables, without SQLite's own (sqlite_sequence comes with AUTOINCREMENT)."""
    return {name for name in db.table_names() if not name.startswith("sqlite_")}


def test_the_samples_cover_every_table_of_the_latest_schema(tmp_path):
    raw = sqlite_utils.Database(tmp_path / "latest.db")
    migrate(raw)
    assert tables(raw) == set(SAMPLES)


@pytest.mark.parametrize("version", range(LATEST))
def test_database_at_an_older_version_migrates_to_latest_keeping_every_row(tmp_path, version):
    path = tmp_path / "old.db"
    raw = sqlite_utils.Database(path)
    assert [m.version for m in migrate(raw, target=version)] == list(range(1, version + 1))
    assert schema_version(raw) == version
    old = OLD_SAMPLES if version < RESHAPED_AT else {}
    old_names = {new: old_name for old_name, new in RENAMED.items()}
    tables_then = set(raw.table_names())
    present = []
    for name in SAMPLES:  # in this order: the subscription goes in before the counter its triggers move
        table = name if name in tables_then else old_names.get(name)
        if table in tables_then:
            raw[table].insert(old.get(name, SAMPLES[name]), replace=True)  # replace: v8 seeds the counter's row
            present.append(name)
    present.sort()
    raw.close()

    db = Database.open(path)
    try:
        rows = {name: db.call(lambda d, n=name: list(d[n].rows)) for name in SAMPLES}
        assert db.call(schema_version) == LATEST
        assert db.call(tables) == set(SAMPLES)
    finally:
        db.close()
    # Every value survives; columns a later migration added hold their defaults; reshaped rows become BECOMES.
    expected = {name: [SAMPLES[name]] for name in present}
    if old:
        expected.update({name: rows for name, rows in BECOMES.items() if name in present or name == "fanouts"})
        if "deliveries" not in present:
            expected["fanouts"] = []
    kept = {name: [{k: row[k] for k in SAMPLES[name]} for row in rows[name]] for name in expected}
    assert kept == expected
    if "subscriptions" in present:
        assert rows["subscriptions"][0]["status"] == "active"  # v5: subscriptions made before it were active


def test_migrate_at_the_latest_version_applies_nothing(tmp_path):
    raw = sqlite_utils.Database(tmp_path / "db.db")
    assert len(migrate(raw)) == LATEST
    assert migrate(raw) == []


def test_a_migration_that_fails_midway_leaves_the_previous_version_intact(tmp_path):
    raw = sqlite_utils.Database(tmp_path / "db.db")
    migrate(raw, target=1)
    raw.execute("CREATE TABLE subscriptions (anything TEXT)")  # v2 creates alert_state and outbox, then fails here
    with pytest.raises(sqlite3.OperationalError, match="already exists"):
        migrate(raw)
    assert schema_version(raw) == 1
    assert sorted(raw.table_names()) == ["daily_bars", "guild_settings", "quotes", "subscriptions"]
    assert raw["subscriptions"].columns_dict == {"anything": str}


def test_opening_a_database_whose_migration_fails_raises_one_line_and_keeps_its_version(tmp_path):
    path = tmp_path / "db.db"
    raw = sqlite_utils.Database(path)
    migrate(raw, target=1)
    raw.execute("CREATE TABLE subscriptions (anything TEXT)")
    raw.close()
    with pytest.raises(StorageError) as info:
        Database.open(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message and "already exists" in message
    raw = sqlite_utils.Database(path)
    assert schema_version(raw) == 1 and not raw["alert_state"].exists() and not raw["outbox"].exists()
    raw.close()


def test_v6_starts_subscription_ids_above_every_id_a_state_or_alert_still_names(tmp_path):
    """A v5 database whose newest subscriptions were removed: their ids live on in states and queued alerts, so the
    rebuilt table must never hand them out again; states of removed subscriptions go, the others stay."""
    path = tmp_path / "v5.db"
    raw = sqlite_utils.Database(path)
    migrate(raw, target=5)
    raw["subscriptions"].insert(SAMPLES["subscriptions"])  # id 3, still subscribed
    raw["alert_state"].insert_all([
        {"rule_id": "sub:3", "key": "*", "state": '{"armed": false}', "updated_at": T},
        {"rule_id": "sub:9", "key": "*", "state": '{"armed": false}', "updated_at": T},  # removed long ago
        {"rule_id": "rotation", "key": "*", "state": "{}", "updated_at": T},
    ])
    raw["outbox"].insert({**OLD_SAMPLES["outbox"], "event_key": "sub:12|IWM|2024-03-01:above:210"})
    raw.close()

    db = Database.open(path)
    try:
        from storage import subscriptions

        made, new = db.call(subscriptions.add, subscriptions.Subscription(
            42, 10, "IWM", "move", datetime(2024, 3, 2, tzinfo=timezone.utc), 3.0))
        states = db.call(lambda d: sorted(r["rule_id"] for r in d["rule_state"].rows))
    finally:
        db.close()
    assert new and made.id == 13
    assert states == ["rotation", "sub:3"]


def test_every_change_to_the_subscriptions_moves_their_counter_whoever_writes_it(tmp_path):
    from storage import subscriptions
    from storage.subscriptions import Subscription

    db = Database.open(tmp_path / "rotobot.db")
    try:
        seen = [db.call(subscriptions.fingerprint)]
        sub, _ = db.call(subscriptions.add, Subscription(guild_id=7, user_id=1, symbol="CFG", kind="above",
                                                         created_at=datetime(2025, 12, 11, tzinfo=timezone.utc),
                                                         threshold=58.0, status="pending"))
        seen.append(db.call(subscriptions.fingerprint))
        db.call(subscriptions.settle, [sub.id], True)
        seen.append(db.call(subscriptions.fingerprint))
        db.call(subscriptions.remove, 7, 1, "CFG")
        seen.append(db.call(subscriptions.fingerprint))
        db.call(lambda d: d.execute("UPDATE subscriptions SET threshold = 1"))  # no row: nothing changes
        seen.append(db.call(subscriptions.fingerprint))
    finally:
        db.close()
    assert seen[0] < seen[1] < seen[2] < seen[3] == seen[4]


def test_v11_numbers_a_servers_watches_from_one_and_keeps_the_v10_rows(tmp_path):
    """A v10 database gains the watches: its rule states stay, and each server numbers its watches from 1, on its
    own, never giving a removed watch's number again."""
    from alerts.watches import Watch, WatchSpec
    from storage import watches

    path = tmp_path / "v10.db"
    raw = sqlite_utils.Database(path)
    migrate(raw, target=10)
    raw["rule_state"].insert(SAMPLES["rule_state"])
    raw.close()

    db = Database.open(path)
    try:
        made = datetime(2025, 12, 11, tzinfo=timezone.utc)

        def add(guild: int, text: str) -> int:
            spec = WatchSpec("ma_cross", "^RUT", int(text))
            return db.call(watches.add, Watch(guild, 0, spec, 9, made), limit=20).watch.number

        numbers = [add(1, "50"), add(1, "100"), add(2, "50")]
        db.call(watches.remove, 1, 2)
        numbers.append(add(1, "200"))
        states = db.call(lambda d: [r["rule_id"] for r in d["rule_state"].rows])
    finally:
        db.close()
    assert numbers == [1, 2, 1, 3]
    assert states == ["rotation"]


def test_v12_keeps_the_signal_cache_of_a_rule_only_while_the_rule_is_cached(tmp_path):
    """The signal cache's rows hang on their rule's row: replacing or dropping a rule's ledger takes its records and
    firings with it (foreign keys are on in every connection rotobot opens), and a firing without its rule is
    refused rather than kept where nothing would ever read or remove it."""
    path = tmp_path / "v11.db"
    raw = sqlite_utils.Database(path)
    migrate(raw, target=11)
    raw.close()
    db = Database.open(path)
    try:
        for table in ("signal_rules", "signal_records", "signal_firings"):
            db.call(lambda d, t=table: d[t].insert(SAMPLES[t]))
        db.call(lambda d: d.execute("DELETE FROM signal_rules"))
        assert db.call(lambda d: [d[t].count for t in ("signal_records", "signal_firings")]) == [0, 0]
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            db.call(lambda d: d["signal_firings"].insert(SAMPLES["signal_firings"]))
    finally:
        db.close()
