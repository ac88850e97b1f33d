"""storage.lock: one bot per database; the kernel frees the lock of a dead process, so no lock goes stale."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage.errors import AlreadyRunning
from storage.lock import InstanceLock

ROOT = Path(__file__).resolve().parents[2]

HOLDER = """
import sys
from pathlib import Path
from storage.lock import InstanceLock
InstanceLock(Path(sys.argv[1])).acquire()
print("locked", flush=True)
sys.stdin.read()
"""


def test_second_lock_on_the_same_database_names_the_pid_of_the_first(tmp_path):
    database = tmp_path / "rotobot.db"
    with InstanceLock(database):
        with pytest.raises(AlreadyRunning) as info:
            InstanceLock(database).acquire()
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"Another rotobot (pid {os.getpid()}) is already running on {database}.")


def test_after_release_a_new_lock_succeeds(tmp_path):
    database = tmp_path / "data" / "rotobot.db"
    first = InstanceLock(database).acquire()
    first.release()
    first.release()  # harmless twice
    with InstanceLock(database) as second:
        assert second.path.read_text() == f"{os.getpid()}\n"


def test_lock_of_another_process_blocks_until_that_process_is_killed(tmp_path):
    database = tmp_path / "rotobot.db"
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(database)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert child.stdout.readline() == "locked\n"
        with pytest.raises(AlreadyRunning, match=rf"\(pid {child.pid}\)"):
            InstanceLock(database).acquire()
        child.kill()  # SIGKILL: no clean-up code runs in the child
        child.wait(timeout=10)
        with InstanceLock(database):
            pass
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
        child.stdin.close()
        child.stdout.close()
