"""An alert the transport could not resolve to targets once (a bug, a database hiccup) is asked about again later,
and given up on with a notice after `give_up_after`; it is never left in the outbox unasked until a restart."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from alerts.delivery import Target
from alerts.payloads import Everyone, NoticeAlert, RecordAlert
from bot.dispatch import Dispatcher
from storage import outbox
from storage.database import Database
from tests.conftest import Clock

NOW = datetime(2025, 12, 11, 21, 5, tzinfo=timezone.utc)
NY = ZoneInfo("America/New_York")
RECORD = RecordAlert(key="new_high|^RUT|2025-12-11", message="Russell 2000 closes at a record 2,590.61",
                     occurred_at=NOW, route=Everyone(), rule_id="new_high:^RUT:close", symbol="^RUT",
                     session=NOW.date(), price=2590.61, previous_record=2559.61, previous_record_date=NOW.date())


class Flaky:
    """A transport that cannot say where alerts go while `broken`."""

    name = "discord"

    def __init__(self) -> None:
        self.broken = True
        self.sent: list[str] = []

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def ready(self) -> bool:
        return True

    async def targets(self, alert):
        if self.broken and not isinstance(alert, NoticeAlert):
            raise RuntimeError("the server list is being rebuilt")
        return [Target("server:1", "server", "server 1", 1)]

    async def send(self, target, notification) -> None:
        self.sent.append(notification.title)


@pytest.fixture
def db(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    yield database
    database.close()


async def test_an_alert_that_could_not_be_resolved_is_asked_about_again_later(db):
    transport, clock = Flaky(), Clock(NOW)
    db.call(outbox.commit, [RECORD], NOW)
    dispatcher = Dispatcher(db, [transport], clock, NY)
    await dispatcher.run_once()
    assert transport.sent == [] and db.call(outbox.pending_count) == 1
    transport.broken = False
    clock.now += timedelta(minutes=2)
    await dispatcher.run_once()
    assert transport.sent == [RECORD.message]
    assert db.call(outbox.pending_count) == 0


async def test_one_that_never_resolves_goes_nowhere_after_the_patience_with_a_notice(db):
    transport, clock = Flaky(), Clock(NOW)
    db.call(outbox.commit, [RECORD], NOW)
    dispatcher = Dispatcher(db, [transport], clock, NY, give_up_after=timedelta(hours=1))
    await dispatcher.run_once()
    clock.now += timedelta(minutes=61)
    await dispatcher.run_once()
    assert [t for t in transport.sent if "gave up working out where an alert goes" in t] == [
        f"rotobot gave up working out where an alert goes on discord: {RECORD.message}"]
    assert RECORD.message not in transport.sent
    assert db.call(outbox.pending_count) == 0
