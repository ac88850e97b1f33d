"""Review 3: delivery breaks found by an adversarial review, each reproduced with the real Dispatcher, the real
outbox and delivery log, and a real SQLite file. Each test fails on the code it was written against."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alerts.delivery import DeliveryFailed, NotWanted
from alerts.payloads import NoticeAlert
from bot.dispatch import Dispatcher
from storage import outbox
from storage.database import Database
from tests.bot.test_dispatch import HOUR, NOW, NY, Recorder, queue, record
from tests.conftest import Clock


@pytest.fixture
def db(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    yield database
    database.close()


async def test_a_run_of_failures_that_ended_without_a_success_makes_one_later_blip_lose_an_alert(db):
    """A server's alert channel refused an alert (the bot lost Send Messages); an admin muted the server while
    mending it, so that alert became 'not wanted'. Nothing was ever sent there successfully afterwards, so the
    target's row in failing_targets (deliveries.record deletes it only on SENT) keeps `since` = that first failure.
    Eight days later, unmuted and mended, the server's next alert meets one transient Discord 503: _outcome takes
    failing_since from that stale row, should_give_up sees a run of failures older than the transient limit (a
    week), and the alert is given up on after its first try instead of being retried with backoff: lost, and the
    operator is told rotobot 'gave up delivering to it after 8 days'."""
    discord = Recorder("discord", ("alpha",))
    clock = Clock(NOW)
    dispatcher = Dispatcher(db, [discord], clock, NY)
    discord.failing["alpha"] = DeliveryFailed("the bot lacks a permission in channel 1 (Send Messages)",
                                              permanent=True)
    queue(db)
    await dispatcher.run_once()  # refused
    clock.now += HOUR
    discord.failing["alpha"] = NotWanted("the server muted its channel alerts since")
    await dispatcher.run_once()  # the muted server no longer wants it: done with, not a failure
    assert db.call(outbox.pending_count) == 0

    clock.now += timedelta(days=8)  # unmuted, permission mended; the next alert meets one 503
    discord.failing["alpha"] = DeliveryFailed("Discord answered HTTP 503 for channel 1")
    queue(db, record(key="new_high|^RUT|2025-12-19", price=2650.0), states=())
    await dispatcher.run_once()
    del discord.failing["alpha"]  # the blip is over
    for _ in range(6):
        clock.now += timedelta(minutes=10)
        await dispatcher.run_once()
    assert ("alpha", "Russell 2000 closes at a record 2,650.00") in discord.sent, \
        "one transient failure lost the alert: it was given up on at its first try"
    notices = [q.alert for q in db.call(outbox.recent, 10) if isinstance(q.alert, NoticeAlert)]
    assert notices == []


async def test_daily_pruning_keeps_a_failing_target_from_ever_being_given_up(db):
    """delivery.keep_days may be 1 to 3650 (bot/settings.py). With keep_days = 3 the daily prune
    (storage/retention.py) deletes every failing_targets row whose run began more than 3 days ago, while that
    target still owes the alert. The next failure inserts a new row with since = now, and should_give_up measures
    the run from there, so a target that fails transiently (a webhook answering 500) never reaches the week after
    which such a failure is given up on: the alert is retried every 10 minutes for ever, stays owed in the outbox
    (rotobot_oldest_undelivered_alert_seconds only grows) and the operator is never told. 'Nothing is retried
    forever', says the README."""
    from storage.retention import prune

    webhook = Recorder("webhook")
    webhook.failing["only"] = DeliveryFailed("the webhook failed on Discord's side (HTTP 500)")
    clock = Clock(NOW)
    dispatcher = Dispatcher(db, [webhook], clock, NY)
    queue(db)
    for hour in range(24 * 10):  # ten days: hourly looks, the prune once a day
        await dispatcher.run_once()
        if hour % 24 == 7:
            db.call(prune, clock(), 3)
        clock.now += HOUR
    outcome = db.call(lambda d: d.execute(
        "SELECT d.outcome FROM deliveries d JOIN outbox o ON o.id = d.event_id "
        "WHERE o.event_key = 'new_high|^RUT|2025-12-11'").fetchone()[0])
    assert outcome == "gave up", "ten days of HTTP 500 and the alert is still being retried: the prune reset the run"
    notices = [q.alert for q in db.call(outbox.recent, 10) if isinstance(q.alert, NoticeAlert)]
    assert len(notices) == 1  # the operator was told, once
