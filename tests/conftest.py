"""Shared helpers: run the real `rotobot` in a subprocess with a clean environment and a temporary home."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `long` first, the rest in their order: on two workers a minute-long test that comes last leaves
    the other worker idle for that minute."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without any rotobot or Discord setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROTOBOT_", "DISCORD_"))}
    env["PYTHONUNBUFFERED"] = "1"
    # No test may reach the internet: the market data probe goes to a closed loopback port.
    env.setdefault("ROTOBOT_MARKET_YAHOO_URL", "http://127.0.0.1:9")
    env.setdefault("ROTOBOT_MARKET_STOOQ_URL", "http://127.0.0.1:9")
    env.setdefault("ROTOBOT_FOMC_FRED_URL", "http://127.0.0.1:9")  # FRED's series are market data too
    env.update(extra)
    return env


@pytest.fixture
def rotobot(tmp_path):
    """Run `rotobot ARGS` to completion in tmp_path; returns the CompletedProcess."""

    def run(*args: str, input: str = "", env: dict[str, str] | None = None, timeout: float = 60):
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            input=input,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env or clean_env(),
            timeout=timeout,
        )

    return run


@pytest.fixture(scope="session")
def first_start(tmp_path_factory) -> Path:
    """The database a first `rotobot run` (console, offline) leaves behind: seeded with the bundled history, every
    session judged, the signal cache computed. Built once per worker, the real way."""
    folder = tmp_path_factory.mktemp("first-start")
    result = subprocess.run([sys.executable, "-m", "bot", "run"], input="", capture_output=True, text=True,
                            cwd=folder, env=clean_env(), timeout=120)
    assert result.returncode == 0, result.stderr
    return folder / "data" / "rotobot.db"


@pytest.fixture
def restarted(tmp_path, first_start) -> Path:
    """tmp_path/data/rotobot.db as a first start left it, so the app started there starts as it does after every
    restart, seconds sooner than seeding again. Tests of the first start itself (make run on a fresh machine, the
    seed) leave this out."""
    database = tmp_path / "data" / "rotobot.db"
    database.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(first_start, database)  # one file: closing checkpointed the WAL into it
    return database


@pytest.fixture
def spawn(tmp_path):
    """Start `rotobot ARGS` in tmp_path with pipes; every process is killed at the end of the test."""
    procs: list[subprocess.Popen] = []

    def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            env=env or clean_env(),
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


class LineReader:
    """Reads a pipe on a thread so a test can wait for a line with a deadline instead of blocking forever."""

    def __init__(self, stream) -> None:
        import queue
        import threading

        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, text: str, timeout: float = 30) -> str:
        import queue
        import time

        deadline = time.monotonic() + timeout
        for line in self.lines:
            if text in line:
                return line
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no line containing {text!r} within {timeout} s; got:\n{''.join(self.lines)}")
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"stream ended without {text!r}; got:\n{''.join(self.lines)}")
            self.lines.append(line)
            if text in line:
                return line

    def rest(self, timeout: float = 10) -> str:
        """Everything until the stream ends."""
        import queue

        while True:
            try:
                line = self._queue.get(timeout=timeout)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
        return "".join(self.lines)


class Clock:
    """The injected clock of a test: it says what `now` is told to be, and moves only when the test moves it."""

    def __init__(self, now) -> None:
        self.now = now

    def __call__(self):
        return self.now


async def no_sleep(seconds: float) -> None:
    """An injected sleep that returns at once: retries and backoff run without waiting."""
    return None


def publisher(database, clock):
    """The real publisher (bot/jobs/publish.py) over `database`, with a dispatcher that has no transport: what a job
    queues is committed exactly as in the app, and nothing is sent."""
    from zoneinfo import ZoneInfo

    from bot.dispatch import Dispatcher
    from bot.jobs.publish import make_publisher

    return make_publisher(database, Dispatcher(database, [], clock, ZoneInfo("America/New_York")), clock)
