"""Exactly-once delivery: the outbox, the per-transport log, retries, late and possibly-repeated marks, crashes."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.dispatch import Dispatcher, retry_delay, scrub_urls
from storage import alert_state, outbox
from storage.database import Database
from tests.conftest import ROOT, Clock

NOW = datetime(2025, 12, 11, 21, 5, tzinfo=timezone.utc)
NY = ZoneInfo("America/New_York")


class Recorder:
    """A transport that records what it was given, and fails while told to."""

    def __init__(self, name: str, failures: int = 0) -> None:
        self.name, self.failures, self.sent = name, failures, []

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def send(self, notification) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("https://discord.com/api/webhooks/1/SECRET-PART unreachable")
        self.sent.append(notification)



@pytest.fixture
def db(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    yield database
    database.close()


def queue(db, key="new_high|^RUT|2025-12-11", occurred=NOW, message="Russell 2000 closes at a record 2,590.61"):
    return db.call(outbox.commit_evaluation, [("new_high:^RUT", "^RUT", {"record": 2590.61})],
                   [(key, "new_high", {"message": message, "occurred_at": occurred.isoformat()})], NOW)


async def test_state_and_event_commit_together_and_a_key_is_queued_once(db):
    assert queue(db) == ["new_high|^RUT|2025-12-11"]
    assert queue(db) == []  # the same event again: the unique key refuses it
    assert db.call(alert_state.load_state, "new_high:^RUT", "^RUT") == {"record": 2590.61}
    assert db.call(outbox.pending_count) == 1


async def test_each_transport_gets_each_event_once(db):
    console, discord = Recorder("console"), Recorder("discord")
    queue(db)
    dispatcher = Dispatcher(db, [console, discord], lambda: NOW, NY)
    assert await dispatcher.run_once() == 2
    assert await dispatcher.run_once() == 0
    assert [n.title for n in console.sent] == [n.title for n in discord.sent] == ["Russell 2000 closes at a record 2,590.61"]
    assert db.call(outbox.pending_count) == 0


async def test_a_failing_transport_is_retried_with_backoff_and_never_blocks_the_others(db):
    console, webhook = Recorder("console"), Recorder("webhook", failures=2)
    clock = Clock(NOW)
    queue(db)
    dispatcher = Dispatcher(db, [console, webhook], clock, NY)
    assert await dispatcher.run_once() == 1 and len(console.sent) == 1
    assert db.call(outbox.pending_count) == 1  # waiting for the webhook
    (log,) = [row for row in db.call(outbox.delivery_log, "new_high|^RUT|2025-12-11") if row["transport"] == "webhook"]
    assert "SECRET-PART" not in log["last_error"] and "<discord.com>" in log["last_error"]  # no secret stored
    clock.now += retry_delay(1)
    assert await dispatcher.run_once() == 0  # second failure; the next try waits longer
    clock.now += retry_delay(1)
    assert await dispatcher.run_once() == 0  # not due yet
    clock.now += retry_delay(2)
    assert await dispatcher.run_once() == 1
    assert len(console.sent) == 1 and len(webhook.sent) == 1
    assert db.call(outbox.pending_count) == 0


async def test_an_alert_delivered_late_says_so_with_the_original_time(db):
    console = Recorder("console")
    queue(db, occurred=NOW - timedelta(hours=17))  # happened yesterday at the close, the bot was down
    await Dispatcher(db, [console], lambda: NOW, NY).run_once()
    assert "late: this happened Wed 10 Dec 23:05 EST" in console.sent[0].body


def test_retry_delay_doubles_up_to_ten_minutes():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [5, 10, 20, 600, 600]


def test_scrub_urls_keeps_only_the_host():
    assert scrub_urls("POST https://discord.com/api/webhooks/1/tok?wait=1 failed") == "POST <discord.com> failed"


# --- killed at each point, then restarted ------------------------------------------------------------------------------


def child(tmp_path, mode: str) -> int:
    return subprocess.run(
        [sys.executable, str(ROOT / "tests" / "bot" / "crash_child.py"), str(tmp_path / "r.db"),
         str(tmp_path / "seen.log"), mode],
        cwd=ROOT, timeout=60, capture_output=True,
    ).returncode


def seen(tmp_path) -> list[list[str]]:
    path = tmp_path / "seen.log"
    return [line.split("\t") for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.parametrize(
    "crash, expected_repeats",
    [
        ("none", 0),  # killed between the state change and the first send
        ("mid-send", 0),  # killed inside the send, before the reader saw anything
        ("after-send", 1),  # killed after the reader saw it, before it was marked: sent again, marked
    ],
)
def test_killed_at_each_point_every_event_is_delivered_as_documented(tmp_path, crash, expected_repeats):
    assert child(tmp_path, "queue") == 9  # state and events committed, then killed
    if crash != "none":
        assert child(tmp_path, crash) == 9
    assert child(tmp_path, "deliver") == 0
    assert child(tmp_path, "deliver") == 0  # a further restart sends nothing more

    lines = seen(tmp_path)
    keys = [line[0] for line in lines]
    assert sorted(set(keys)) == ["new_high|^RUT|2025-12-11", "rotation|^RUT/^NDX|2025-12-11"]  # never lost
    repeats = len(keys) - len(set(keys))
    assert repeats == expected_repeats  # never repeated, except the one unconfirmed send
    if expected_repeats:
        first, second = [line for line in lines if line[0] == keys[0]]
        assert "possibly repeated" not in first[2] and "possibly repeated" in second[2]
