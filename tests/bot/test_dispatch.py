"""Exactly-once delivery, per target: the outbox, the log, retries, giving up, late and possibly-repeated marks,
transports and targets that never hold each other back, and crashes."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from alerts.delivery import DeliveryFailed, NotReady, NotWanted, Target, retry_delay
from alerts.payloads import Everyone, NoticeAlert, RecordAlert, Server
from bot.delivery_notices import scrub_urls
from bot.dispatch import Dispatcher
from bot.metrics import standard
from storage import rule_state, deliveries, outbox
from storage.database import Database
from tests.conftest import ROOT, Clock

NOW = datetime(2025, 12, 11, 21, 5, tzinfo=timezone.utc)
NY = ZoneInfo("America/New_York")
HOUR = timedelta(hours=1)


def record(key="new_high|^RUT|2025-12-11", occurred=NOW, price=2590.61, route=Everyone()) -> RecordAlert:
    return RecordAlert(key=key, message=f"Russell 2000 closes at a record {price:,.2f}", occurred_at=occurred,
                       route=route, rule_id="new_high:^RUT:close", symbol="^RUT", session=occurred.date(),
                       price=price, previous_record=2559.61, previous_record_date=occurred.date())


class Recorder:
    """A transport with named targets, recording what each was given, failing where told to."""

    def __init__(self, name: str, targets: tuple[str, ...] = ("only",)) -> None:
        self.name = name
        self.target_names = targets
        self.sent: list[tuple[str, str]] = []  # (target, title)
        self.notes = []
        self.failing: dict[str, Exception] = {}
        self.is_ready = True
        self.gate: asyncio.Event | None = None  # when set, every send waits for it (a rate-limited fan-out)
        self.got_one = asyncio.Event()

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def ready(self) -> bool:
        return self.is_ready

    async def targets(self, alert):
        return [Target(f"{self.name}:{t}", "server", f"{t} of {self.name}", 1) for t in self.target_names]

    async def send(self, target, notification) -> None:
        if self.gate is not None:
            await self.gate.wait()
        short = target.key.partition(":")[2] or target.key
        if short in self.failing:
            raise self.failing[short]
        self.sent.append((short, notification.title))
        self.notes.append(notification)
        self.got_one.set()


@pytest.fixture
def db(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    yield database
    database.close()


def queue(db, *alerts, states=(("new_high:^RUT", "^RUT", {"record": 2590.61}),)):
    return db.call(outbox.commit, list(alerts or [record()]), NOW, list(states))


async def test_state_and_alert_commit_together_and_a_key_is_queued_once(db):
    assert queue(db) == ["new_high|^RUT|2025-12-11"]
    assert queue(db) == []  # the same alert again: the unique key refuses it
    assert db.call(rule_state.load_state, "new_high:^RUT", "^RUT") == {"record": 2590.61}
    assert db.call(outbox.pending_count) == 1


async def test_each_target_of_each_transport_gets_each_alert_once(db):
    console, discord = Recorder("console"), Recorder("discord", ("alpha", "bravo"))
    queue(db)
    dispatcher = Dispatcher(db, [console, discord], lambda: NOW, NY)
    assert await dispatcher.run_once() == 3
    assert await dispatcher.run_once() == 0
    assert console.sent == [("only", "Russell 2000 closes at a record 2,590.61")]
    assert sorted(t for t, _ in discord.sent) == ["alpha", "bravo"]
    assert db.call(outbox.pending_count) == 0


async def test_a_refusing_target_is_retried_alone_and_the_others_never_again(db):
    discord = Recorder("discord", ("alpha", "bravo", "charlie"))
    discord.failing["bravo"] = DeliveryFailed("403 Missing Permissions", permanent=True)
    clock = Clock(NOW)
    queue(db)
    dispatcher = Dispatcher(db, [discord], clock, NY)
    await dispatcher.run_once()
    assert sorted(t for t, _ in discord.sent) == ["alpha", "charlie"]
    assert db.call(outbox.pending_count) == 1  # Bravo still owes it
    del discord.failing["bravo"]
    clock.now += retry_delay(1, permanent=True)
    await dispatcher.run_once()
    assert sorted(t for t, _ in discord.sent) == ["alpha", "bravo", "charlie"]
    assert db.call(outbox.pending_count) == 0


async def test_a_failing_transport_is_retried_with_backoff_and_no_secret_is_stored(db):
    console, webhook = Recorder("console"), Recorder("webhook")
    webhook.failing["only"] = ConnectionError("https://discord.com/api/webhooks/1/SECRET-PART unreachable")
    clock = Clock(NOW)
    queue(db)
    dispatcher = Dispatcher(db, [console, webhook], clock, NY)
    assert await dispatcher.run_once() == 2 and len(console.sent) == 1
    assert db.call(outbox.pending_count) == 1  # waiting for the webhook
    error = db.call(lambda d: d.execute("SELECT last_error FROM deliveries WHERE transport = 'webhook'").fetchone()[0])
    assert "SECRET-PART" not in error and "<discord.com>" in error
    clock.now += retry_delay(1, permanent=False)
    await dispatcher.run_once()  # second failure; the next try waits longer
    clock.now += retry_delay(1, permanent=False)
    assert await dispatcher.run_once() == 0  # not due yet
    del webhook.failing["only"]
    clock.now += retry_delay(2, permanent=False)
    assert await dispatcher.run_once() == 1
    assert len(console.sent) == 1 and len(webhook.sent) == 1
    assert db.call(outbox.pending_count) == 0


async def test_a_stuck_transport_never_holds_back_the_others(db):
    """A rate-limited Discord fan-out (every send waits) must not keep the console from its alerts."""
    console, discord = Recorder("console"), Recorder("discord", ("alpha", "bravo"))
    discord.gate = asyncio.Event()
    queue(db)
    dispatcher = Dispatcher(db, [console, discord], lambda: NOW, NY)
    running = asyncio.create_task(dispatcher.run_forever())
    try:
        await asyncio.wait_for(console.got_one.wait(), 10)  # while every Discord send is still waiting
        assert console.sent and not discord.sent
        discord.gate.set()
        await asyncio.wait_for(discord.got_one.wait(), 10)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def test_a_target_failing_for_a_day_is_given_up_with_one_notice_and_later_alerts_after_one_try(db):
    console, discord = Recorder("console"), Recorder("discord", ("alpha", "bravo"))
    discord.failing["bravo"] = DeliveryFailed("channel 2 does not exist (Discord 10003)", permanent=True)
    clock = Clock(NOW)
    metrics = standard()
    queue(db)
    dispatcher = Dispatcher(db, [console, discord], clock, NY, give_up_after=timedelta(hours=24), metrics=metrics)
    await dispatcher.run_once()
    for _ in range(40):  # a day and a bit of patient retries
        clock.now += 2 * HOUR
        await dispatcher.run_once()
        if db.call(outbox.pending_count) == 0:
            break
    waited = clock.now - NOW
    assert timedelta(hours=24) <= waited <= timedelta(hours=27)
    notices = [q.alert for q in db.call(outbox.recent, 10) if isinstance(q.alert, NoticeAlert)]
    (notice,) = notices
    assert notice.topic == "gave_up" and "bravo of discord" in notice.message and "10003" in notice.body
    assert ("only", notice.message) in console.sent  # the operator heard of it
    # The alert, and the notice's own try at Bravo (a dead target: given up after one try, and noticed no more).
    assert metrics.value("rotobot_deliveries_total", transport="discord", outcome="gave_up") == 2

    # A later alert to the same dead target: given up after one try, and no second notice.
    queue(db, record(key="new_high|^RUT|2025-12-12", price=2600.0))
    await dispatcher.run_once()
    assert db.call(outbox.pending_count) == 0
    assert len([q for q in db.call(outbox.recent, 10) if isinstance(q.alert, NoticeAlert)]) == 1
    # Once it takes an alert again, it is a healthy target: the next failure starts a new day of patience.
    del discord.failing["bravo"]
    queue(db, record(key="new_high|^RUT|2025-12-15", price=2610.0))
    await dispatcher.run_once()
    assert ("bravo", "Russell 2000 closes at a record 2,610.00") in discord.sent


async def test_a_give_up_notice_for_a_dm_goes_to_its_server_and_a_notice_is_never_noticed_again(db):
    class Dms(Recorder):
        async def targets(self, alert):
            if isinstance(alert, NoticeAlert):
                return [Target("operator", "operator", "the operator's channel")]
            return [Target("dm:42", "dm", "a direct message to <@42>", 77)]

    dms = Dms("discord")
    dms.failing["42"] = DeliveryFailed("user 42 does not accept direct messages from the bot", permanent=True)
    dms.failing["operator"] = DeliveryFailed("channel 9 does not exist", permanent=True)
    clock = Clock(NOW)
    queue(db, record(route=Server(77)))
    dispatcher = Dispatcher(db, [dms], clock, NY, give_up_after=timedelta(hours=1))
    for _ in range(12):
        await dispatcher.run_once()
        clock.now += HOUR
    notices = [q.alert for q in db.call(outbox.recent, 10) if isinstance(q.alert, NoticeAlert)]
    assert len(notices) == 1 and notices[0].route.guild_id == 77  # to that server's alert channel
    assert db.call(outbox.pending_count) == 0  # the notice itself was given up on, quietly: no notice of a notice


async def test_not_ready_is_no_failure_and_not_wanted_is_done(db):
    discord = Recorder("discord", ("alpha", "bravo"))
    discord.is_ready = False
    clock = Clock(NOW)
    queue(db)
    dispatcher = Dispatcher(db, [discord], clock, NY)
    assert await dispatcher.run_once() == 0  # nothing resolved, nothing tried while not connected
    discord.is_ready = True
    discord.failing["alpha"] = NotWanted("muted since")
    discord.failing["bravo"] = NotReady("disconnected mid-way")
    await dispatcher.run_once()
    assert db.call(outbox.pending_count) == 1
    del discord.failing["bravo"]
    clock.now += timedelta(seconds=5)
    await dispatcher.run_once()
    assert discord.sent == [("bravo", "Russell 2000 closes at a record 2,590.61")]
    attempts = db.call(lambda d: d.execute("SELECT attempts FROM deliveries WHERE target = 'discord:bravo'").fetchone())
    assert attempts == (1,)  # the try that could not start did not count
    assert db.call(outbox.pending_count) == 0


async def test_an_alert_delivered_late_says_so_with_the_original_time(db):
    console = Recorder("console")
    queue(db, record(occurred=NOW - timedelta(hours=17)))  # happened yesterday at the close, the bot was down
    await Dispatcher(db, [console], lambda: NOW, NY).run_once()
    assert console.notes[0].notes == ("late: this happened Wed 10 Dec 23:05 EST",)


def test_retry_delays_double_up_to_their_caps():
    assert [retry_delay(n, permanent=False).total_seconds() for n in (1, 2, 3, 8, 20)] == [5, 10, 20, 600, 600]
    assert [retry_delay(n, permanent=True).total_seconds() for n in (1, 2, 3, 6, 20)] == [300, 600, 1200, 7200, 7200]


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
def test_killed_at_each_point_every_alert_is_delivered_as_documented(tmp_path, crash, expected_repeats):
    assert child(tmp_path, "queue") == 9  # state and alerts committed, then killed
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


async def test_one_alert_a_transport_cannot_resolve_never_holds_back_the_others(db):
    """A transport's targets() that raises on one alert (a bug, a stored setting it cannot read) must cost that alert
    only, like a send that raises something unforeseen. _resolve lets it out of _look, before any send: every later
    alert of that transport, and every retry already due, waits behind it for good (run_forever logs and retries
    the same alert every 5 s, forever)."""

    class Picky(Recorder):
        async def targets(self, alert):
            if alert.key == "new_high|^RUT|2025-12-11":
                raise KeyError("alert_channel")  # something unforeseen, for this alert alone
            return await super().targets(alert)

    discord = Picky("discord")
    queue(db, record(), record(key="new_high|^RUT|2025-12-12", price=2600.0), states=())
    dispatcher = Dispatcher(db, [discord], lambda: NOW, NY)
    for _ in range(3):  # run_forever's loop, three times round
        try:
            await dispatcher.run_once()
        except Exception:  # noqa: BLE001 - what _drain logs before it tries again
            pass
    assert discord.sent == [("only", "Russell 2000 closes at a record 2,600.00")]


async def test_an_alert_settled_when_its_transport_was_removed_is_not_sent_when_it_comes_back(db):
    """The webhook failed, the operator removed it and restarted: settle_finished takes the alert out of the queue
    (every configured transport is done with it). Weeks later a webhook is configured again. due() never looks at
    outbox.delivered_at, so the old deliveries row of the webhook, still owed, goes out to the new webhook: an alert
    weeks old, settled long ago, arrives as news."""
    clock = Clock(NOW)
    console, webhook = Recorder("console"), Recorder("webhook")
    webhook.failing["only"] = DeliveryFailed("the webhook was refused (HTTP 404)", permanent=True)
    queue(db)
    await Dispatcher(db, [console, webhook], clock, NY).run_once()
    assert db.call(outbox.pending_count) == 1

    clock.now += HOUR  # restarted without the webhook
    without = Dispatcher(db, [console], clock, NY)
    await without.recover()
    await without.run_once()
    assert db.call(outbox.pending_count) == 0

    clock.now += timedelta(days=21)  # restarted with a new webhook
    fresh = Recorder("webhook")
    again = Dispatcher(db, [console, fresh], clock, NY)
    await again.recover()
    await again.run_once()
    assert fresh.sent == []


async def test_a_send_whose_outcome_cannot_be_written_is_written_later_and_never_sent_again(db):
    """The alert went out, then the write of what became of it failed (disk full, a locked file). Its rows stay
    marked 'sending', which due() never returns: the target gets nothing more, this alert or any later one to it,
    until the process restarts, and then the alert goes out again marked possibly repeated though it was sent."""
    discord = Recorder("discord", ("alpha",))
    queue(db)
    real_run = db.run
    refuse = [deliveries.record]

    async def flaky(fn, *args, **kwargs):
        if refuse and fn is refuse[0]:
            refuse.clear()
            raise sqlite3.OperationalError("database or disk is full")
        return await real_run(fn, *args, **kwargs)

    db.run = flaky
    dispatcher = Dispatcher(db, [discord], lambda: NOW, NY)
    await dispatcher.run_once()  # sent, but what became of it is not written
    assert discord.sent == [("alpha", "Russell 2000 closes at a record 2,590.61")]
    queue(db, record(key="new_high|^RUT|2025-12-12", price=2600.0), states=())
    await dispatcher.run_once()
    assert discord.sent == [("alpha", "Russell 2000 closes at a record 2,590.61"),
                            ("alpha", "Russell 2000 closes at a record 2,600.00")]  # the first never twice
    assert db.call(outbox.pending_count) == 0
    assert db.call(deliveries.recover_unconfirmed) == 0  # nothing left looking unconfirmed
