"""storage.backup: a consistent snapshot of a live database, or a one-line refusal and nothing written."""

from __future__ import annotations

import os
import sqlite3
import threading

import pytest

from storage.backup import backup
from storage.database import Database
from storage.errors import NotADatabase, StorageError
from storage.migrations import LATEST


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "rotobot.db"
    Database.open(path).close()
    return path


def count(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM guild_settings").fetchone()[0]
    finally:
        conn.close()


def one_line(error) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


def test_backup_while_another_connection_keeps_writing_is_a_consistent_snapshot(source, tmp_path):
    started, failures = threading.Event(), []

    def writer():
        conn = sqlite3.connect(source, isolation_level=None, timeout=30)
        try:
            conn.execute("PRAGMA synchronous = OFF")  # speed only; the WAL still orders the commits
            for i in range(2000):
                conn.execute("INSERT INTO guild_settings VALUES (?, 'k', '1', '2024-03-01T15:30:00+00:00')", [i])
                if i == 50:
                    started.set()
        except Exception as exc:  # reported below, in the test's own thread
            failures.append(exc)
        finally:
            started.set()
            conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert started.wait(timeout=30)
        before = count(source)
        target = tmp_path / "backups" / "copy.db"
        target.parent.mkdir()
        size = backup(source, target)
        after = count(source)
    finally:
        thread.join(timeout=60)
    assert failures == []
    assert size == target.stat().st_size
    assert os.listdir(target.parent) == ["copy.db"]
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert copy.execute("PRAGMA user_version").fetchone()[0] == LATEST
        copied = copy.execute("SELECT count(*) FROM guild_settings").fetchone()[0]
    finally:
        copy.close()
    assert before <= copied <= after
    assert count(source) == 2000


def test_existing_target_is_refused_without_overwrite_and_replaced_with_it(source, tmp_path):
    target = tmp_path / "copy.db"
    target.write_bytes(b"an older backup")
    with pytest.raises(StorageError) as info:
        backup(source, target)
    assert one_line(info) == f"{target} already exists: choose a new path, or pass --force to replace it"
    assert target.read_bytes() == b"an older backup"
    backup(source, target, overwrite=True)
    assert target.read_bytes().startswith(b"SQLite format 3\x00")


def test_target_that_is_the_source_is_refused(source, tmp_path):
    before = source.read_bytes()
    same = tmp_path / "elsewhere" / ".." / source.name
    with pytest.raises(StorageError) as info:
        backup(source, same, overwrite=True)
    assert one_line(info) == f"The backup target {same} is the database itself: expected another path"
    assert source.read_bytes() == before


def test_missing_source_is_refused_and_nothing_is_written(tmp_path):
    missing = tmp_path / "none.db"
    with pytest.raises(StorageError) as info:
        backup(missing, tmp_path / "copy.db")
    assert one_line(info) == f"There is no database at {missing} to back up: check storage.database"
    assert os.listdir(tmp_path) == []


def test_source_that_is_not_a_database_is_refused_and_nothing_is_written(tmp_path):
    notes = tmp_path / "notes.db"
    notes.write_text("not a database\n")
    with pytest.raises(NotADatabase) as info:
        backup(notes, tmp_path / "copy.db")
    assert str(notes) in one_line(info) and "untouched" in str(info.value)
    assert os.listdir(tmp_path) == ["notes.db"]


def test_missing_target_folder_is_refused_and_nothing_is_written(source, tmp_path):
    target = tmp_path / "no-such-folder" / "copy.db"
    with pytest.raises(StorageError) as info:
        backup(source, target)
    assert one_line(info) == f"The folder {target.parent} does not exist: create it or choose another path"
    assert sorted(os.listdir(tmp_path)) == ["rotobot.db"]


def test_a_backup_that_fails_after_copying_leaves_no_partial_file(source, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    target = folder / "copy.db"
    target.mkdir()  # the copy is made, then cannot be renamed onto a folder
    with pytest.raises((StorageError, OSError)):
        backup(source, target, overwrite=True)
    assert os.listdir(folder) == ["copy.db"] and os.listdir(target) == []


def test_a_target_that_is_a_folder_is_refused_with_one_line(source, tmp_path):
    target = tmp_path / "backups"
    target.mkdir()
    with pytest.raises(StorageError) as info:
        backup(source, target, overwrite=True)
    assert str(target) in one_line(info)
