"""storage.database: one checked, migrated connection on one worker thread; a file it cannot use is left untouched."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from storage.database import Database
from storage.errors import NewerSchema, NotADatabase, StorageError
from storage.migrations import LATEST, schema_version

TABLES = {"daily_bars", "quotes", "guild_settings", "rule_state", "outbox", "subscriptions", "fomc_meetings", "fomc_decisions", "deliveries", "fanouts", "failing_targets",
          "change_counters", "fomc_projections", "watches", "watch_numbers"}
TABLES |= {"signal_rules", "signal_records", "signal_firings"}  # v12: the signal cache


def pragmas(db, *names: str) -> dict:
    return db.call(lambda d: {name: d.execute(f"PRAGMA {name}").fetchone()[0] for name in names})


def test_open_creates_the_folder_and_a_wal_database_at_the_latest_schema(tmp_path):
    path = tmp_path / "new" / "folder" / "rotobot.db"
    db = Database.open(path, busy_timeout_ms=1234)
    try:
        found = pragmas(db, "journal_mode", "foreign_keys", "busy_timeout", "user_version")
        tables = {name for name in db.call(lambda d: d.table_names()) if not name.startswith("sqlite_")}
    finally:
        db.close()
    assert path.is_file()
    assert found == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 1234, "user_version": LATEST}
    assert tables == TABLES


def test_reopening_keeps_the_data_and_close_leaves_no_wal_files(tmp_path):
    path = tmp_path / "rotobot.db"
    db = Database.open(path)
    db.call(lambda d: d.execute("INSERT INTO guild_settings VALUES (1, 'k', '1', '2024-01-01T00:00:00+00:00')"))
    db.close()
    assert sorted(os.listdir(tmp_path)) == ["rotobot.db"]
    db = Database.open(path)
    try:
        assert db.call(lambda d: d.execute("SELECT count(*) FROM guild_settings").fetchone()[0]) == 1
    finally:
        db.close()


async def test_run_works_from_async_code_on_a_thread_other_than_the_event_loops(tmp_path):
    db = Database.open(tmp_path / "rotobot.db")
    try:
        first = await db.run(lambda d, x, *, y: (threading.get_ident(), x + y), 1, y=2)
        second = await db.run(lambda d: threading.get_ident())
        from_sync_call = db.call(lambda d: threading.get_ident())
    finally:
        db.close()
    assert first[1] == 3
    assert first[0] != threading.get_ident()
    assert first[0] == second == from_sync_call  # one connection, one thread


def test_call_after_close_raises_storage_error_and_close_is_idempotent(tmp_path):
    path = tmp_path / "rotobot.db"
    db = Database.open(path)
    db.close()
    db.close()
    with pytest.raises(StorageError) as info:
        db.call(schema_version)
    assert str(info.value) == f"the database {path} is closed"


async def test_run_after_close_raises_storage_error(tmp_path):
    db = Database.open(tmp_path / "rotobot.db")
    db.close()
    with pytest.raises(StorageError, match="closed"):
        await db.run(schema_version)


def test_an_empty_file_is_accepted_as_a_new_database(tmp_path):
    path = tmp_path / "rotobot.db"
    path.touch()
    db = Database.open(path)
    try:
        assert db.call(schema_version) == LATEST
    finally:
        db.close()


# --- refusals ------------------------------------------------------------------------------------------------------------


def text_file(path: Path) -> None:
    path.write_text("these are my notes, not a database\n")


def png_file(path: Path) -> None:
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)


def truncated_header(path: Path) -> None:
    path.write_bytes(b"SQLite form")


def truncated_after_header(path: Path) -> None:
    full = path.with_name("full.db")
    conn = sqlite3.connect(full)
    conn.execute("CREATE TABLE big (x TEXT)")
    conn.executemany("INSERT INTO big VALUES (?)", [("x" * 500,)] * 100)
    conn.commit()
    conn.close()
    path.write_bytes(full.read_bytes()[:8192])
    full.unlink()


def newer_schema(path: Path) -> None:
    conn = sqlite3.connect(path)  # rollback journal: the whole database is in the file itself
    conn.execute("CREATE TABLE from_the_future (x)")
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.commit()
    conn.close()


def snapshot(path: Path) -> tuple:
    return path.read_bytes(), path.stat().st_mtime_ns, sorted(os.listdir(path.parent))


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (text_file, NotADatabase),
        (png_file, NotADatabase),
        (truncated_header, NotADatabase),
        (truncated_after_header, NotADatabase),
        (newer_schema, NewerSchema),
    ],
)
def test_a_file_that_cannot_be_used_is_refused_and_left_untouched(tmp_path, make, error):
    path = tmp_path / "rotobot.db"
    make(path)
    before = snapshot(path)
    with pytest.raises(error) as info:
        Database.open(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message and "untouched" in message
    assert snapshot(path) == before
    assert sorted(os.listdir(tmp_path)) == ["rotobot.db"]  # no -wal, -shm or -journal beside it


def test_newer_schema_names_both_versions(tmp_path):
    path = tmp_path / "rotobot.db"
    newer_schema(path)
    with pytest.raises(NewerSchema) as info:
        Database.open(path)
    assert f"schema version {LATEST + 1}, newer than this rotobot knows ({LATEST})" in str(info.value)


def test_a_folder_is_refused_and_left_untouched(tmp_path):
    folder = tmp_path / "rotobot.db"
    folder.mkdir()
    mtime = folder.stat().st_mtime_ns
    with pytest.raises(NotADatabase) as info:
        Database.open(folder)
    assert str(info.value) == f"{folder} is a folder: expected the path of a SQLite database file"
    assert os.listdir(folder) == [] and folder.stat().st_mtime_ns == mtime
    assert sorted(os.listdir(tmp_path)) == ["rotobot.db"]


CRASHED_NEWER_RELEASE = f"""
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA journal_mode = wal")
conn.execute("CREATE TABLE from_the_future (x)")
conn.execute("PRAGMA user_version = {LATEST + 1}")
os._exit(0)  # dies without closing: the new schema lives only in the -wal file
"""


def test_newer_schema_left_in_the_wal_by_a_crashed_release_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "rotobot.db"
    subprocess.run([sys.executable, "-c", CRASHED_NEWER_RELEASE, str(path)], check=True, timeout=30)
    before = {name: (tmp_path / name).read_bytes() for name in sorted(os.listdir(tmp_path))}
    assert sorted(before) == ["rotobot.db", "rotobot.db-shm", "rotobot.db-wal"]
    with pytest.raises(NewerSchema):
        Database.open(path)
    after = {name: (tmp_path / name).read_bytes() for name in sorted(os.listdir(tmp_path))}
    # The database and its WAL keep every byte. The -shm file is SQLite's shared-memory index of the WAL, which any
    # reader rebuilds after a crash; it holds no data.
    assert sorted(after) == sorted(before)
    assert after["rotobot.db"] == before["rotobot.db"]
    assert after["rotobot.db-wal"] == before["rotobot.db-wal"]
