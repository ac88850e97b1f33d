"""A consistent copy of the live database, taken with SQLite's online backup API.

The copy is read inside one read transaction, so it is a snapshot of one committed moment even while the bot
keeps writing (WAL lets the writer go on meanwhile). It is written to a temporary file and renamed into place, so
a failed backup never leaves a half-written file under the target name.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from storage.database import inspect_file
from storage.errors import StorageError


def backup(source: Path, target: Path, *, overwrite: bool = False) -> int:
    """Copy `source` to `target`; returns the size in bytes of the copy."""
    source, target = Path(source), Path(target)
    if not source.exists():
        raise StorageError(f"There is no database at {source} to back up: check storage.database")
    inspect_file(source)  # refuses a file that is not a database, touching nothing
    if target.resolve() == source.resolve():
        raise StorageError(f"The backup target {target} is the database itself: expected another path")
    if target.is_dir():
        raise StorageError(f"The backup target {target} is a folder: expected the path of a file to write")
    if target.exists() and not overwrite:
        raise StorageError(f"{target} already exists: choose a new path, or pass --force to replace it")
    if not target.parent.is_dir():
        raise StorageError(f"The folder {target.parent} does not exist: create it or choose another path")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # pages=-1: the whole database in one step, under one read lock
            dst.execute("PRAGMA journal_mode = DELETE")  # a backup is one self-contained file
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
            src.close()
        if check != "ok":
            raise StorageError(f"The copy failed SQLite's integrity check ({check}); the backup was discarded")
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise StorageError(f"Backup of {source} failed ({exc}); nothing was written to {target}") from None
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size
