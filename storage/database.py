"""The one path to SQLite: a single connection owned by a single worker thread.

sqlite-utils calls are synchronous and a 10,000-row upsert takes about 0.1 s, which would freeze the event loop
(and with it Discord's heartbeat). So every database call goes through `Database.run`, which hands a plain sync
function to one dedicated thread. One thread means one connection used by one thread at a time, no interleaved
transactions, and no `check_same_thread` errors; the repositories stay plain functions of a `sqlite_utils.Database`.

Opening checks the file before writing a byte: a file that is not SQLite, or a schema newer than this code knows,
is refused and left exactly as it was.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ParamSpec, TypeVar

import sqlite_utils

from storage.errors import NewerSchema, NotADatabase, StorageError
from storage.migrations import LATEST, migrate, schema_version

P = ParamSpec("P")
T = TypeVar("T")

_SQLITE_HEADER = b"SQLite format 3\x00"


def inspect_file(path: Path) -> int | None:
    """The schema version of an existing database file, None if there is no file yet. Writes nothing.

    Raises NotADatabase or NewerSchema so that start-up stops before anything touches the file.
    """
    if not path.exists():
        return None
    if path.is_dir():
        raise NotADatabase(f"{path} is a folder: expected the path of a SQLite database file")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise StorageError(f"{path} cannot be read ({exc.strerror}): check its permissions") from None
    if header == b"":
        return 0  # SQLite treats an empty file as an empty database
    if header != _SQLITE_HEADER:
        raise NotADatabase(
            f"{path} is not a SQLite database (it starts with {header[:8]!r}); rotobot left it untouched. "
            "Move it aside or set storage.database to another path."
        )
    # Read-only: not a byte of the file changes. Immutable too (no -shm is created) unless a -wal holds commits
    # that a crashed process never checkpointed; those may carry a newer schema, and a read-only reader sees them.
    wal = path.with_name(path.name + "-wal")
    has_wal = wal.exists() and wal.stat().st_size > 0
    uri = f"{path.resolve().as_uri()}?mode=ro" + ("" if has_wal else "&immutable=1")
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise NotADatabase(f"{path} is not a readable SQLite database ({exc}); rotobot left it untouched.") from None
    if version > LATEST:
        raise NewerSchema(
            f"{path} has schema version {version}, newer than this rotobot knows ({LATEST}); it was written by a "
            "newer release. Upgrade rotobot, or point storage.database at another file. The file was left untouched."
        )
    return version


class Database:
    """A migrated SQLite database and the one thread that may touch it."""

    def __init__(self, path: Path, db: sqlite_utils.Database, executor: ThreadPoolExecutor) -> None:
        self.path = path
        self._db = db
        self._executor = executor
        self._closed = False

    @classmethod
    def open(cls, path: str | Path, *, busy_timeout_ms: int = 5000) -> Database:
        """Check, open and migrate the database at `path` (creating it and its folder if missing)."""
        path = Path(path)
        inspect_file(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        try:
            db = executor.submit(_connect, path, busy_timeout_ms).result()
        except BaseException:
            executor.shutdown(wait=True)
            raise
        return cls(path, db, executor)

    async def run(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """Run `fn(db, *args, **kwargs)` on the database thread without blocking the event loop."""
        self._check_open()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, self._db, *args, **kwargs))

    def call(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """The same from synchronous code (CLI, tests): blocks the caller, not the event loop."""
        self._check_open()
        return self._executor.submit(fn, self._db, *args, **kwargs).result()

    def close(self) -> None:
        """Finish queued work, checkpoint the WAL and close. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._executor.submit(_close, self._db).result()
        self._executor.shutdown(wait=True)

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError(f"the database {self.path} is closed")


def _connect(path: Path, busy_timeout_ms: int) -> sqlite_utils.Database:
    conn = sqlite3.connect(str(path), timeout=busy_timeout_ms / 1000)
    try:
        db = sqlite_utils.Database(conn, strict=True)
        db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        db.execute("PRAGMA foreign_keys = ON")
        version = schema_version(db)  # again, now with any WAL applied, which the read-only look skipped
        if version > LATEST:
            raise NewerSchema(f"{path} has schema version {version}, newer than this rotobot knows ({LATEST})")
        db.enable_wal()  # readers (backup, CLI) never block the writer
        # synchronous stays FULL (the default): an alert marked sent must still be marked after a power cut.
        migrate(db)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StorageError(f"{path} could not be opened ({exc})") from None
    except BaseException:
        conn.close()
        raise
    return db


def _close(db: sqlite_utils.Database) -> None:
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
