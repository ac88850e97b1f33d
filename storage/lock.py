"""One bot per database: an advisory lock on a file beside it.

Two bots on one database would both send every alert. `flock` is released by the kernel when the process dies,
so a crash never leaves a stale lock behind; the pid written inside is only there to name the other process.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from storage.errors import AlreadyRunning


class InstanceLock:
    def __init__(self, database: Path) -> None:
        self.path = Path(str(database) + ".lock")
        self._fd: int | None = None

    def acquire(self) -> InstanceLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise AlreadyRunning(
                f"Another rotobot (pid {holder}) is already running on {self.path.with_suffix('')}. "
                "Stop it first, or give this one its own database (storage.database)."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
