"""Urgent alerts ahead of subscription DMs (issue 14, item 2): when more is owed than a transport sends at once,
an FOMC decision or a record queued after thousands of subscription alerts is resolved and sent before them, and a
target's other alerts due at the same moment still go with it, whatever their urgency."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

import bot.dispatch
from alerts.delivery import NORMAL, SUBSCRIPTION, URGENT, Target, urgency
from alerts.payloads import (Everyone, FomcDecisionAlert, FomcReminderAlert, RecordAlert, Server, Subscriber,
                             SubscriptionAlert, TrendAlert)
from bot.dispatch import Dispatcher
from storage import deliveries, outbox
from storage.database import Database

NOW = datetime(2025, 12, 10, 19, 0, 5, tzinfo=timezone.utc)
NY = ZoneInfo("America/New_York")


def subscription(n: int) -> SubscriptionAlert:
    return SubscriptionAlert(key=f"sub:{n}|CFG|2025-12-10:up:3", message=f"CFG is up 3.40% (for trader {n})",
                             occurred_at=NOW, route=Subscriber(1, 500 + n), rule_kind="move",
                             rule_id=f"rules:cfg-{n}", symbol="CFG", trigger="2025-12-10:up:3", direction="up",
                             value=3.4, threshold=3.0)


DECISION = FomcDecisionAlert(key="fomc_decision|2025-12-10", message="The Fed lowers rates by 0.25 points",
                             occurred_at=NOW, date=date(2025, 12, 10), action="lower", lower=3.5, upper=3.75,
                             change_bp=-25)
REMINDER = FomcReminderAlert(key="fomc_reminder|2025-12-10|1", message="The FOMC decides in an hour",
                             occurred_at=NOW, date=date(2025, 12, 10), hours_before=1.0)


class Recorder:
    """A transport with a DM per subscriber and two servers; records what it sends, in order."""

    name = "discord"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def ready(self) -> bool:
        return True

    async def targets(self, alert):
        if isinstance(alert.route, Subscriber):
            return [Target(f"dm:{alert.route.user_id}", "dm", "a DM")]
        return [Target(f"server:{g}", "server", f"server {g}", g) for g in (1, 2)]

    async def send(self, target, notification) -> None:
        self.sent.append((target.key, notification.title))


@pytest.fixture
def db(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    yield database
    database.close()


def test_what_is_urgent_is_said_in_one_place():
    record = RecordAlert(key="r", message="m", occurred_at=NOW, rule_id="new_high:^RUT:close", symbol="^RUT",
                         session=NOW.date(), price=1.0, previous_record=1.0, previous_record_date=NOW.date())
    trend = TrendAlert(key="t", message="m", occurred_at=NOW, route=Server(7), rule_kind="ma_cross", rule_id="w",
                       symbol="^RUT", session=NOW.date(), direction="above", value=1.0, threshold=1.0, sessions=200)
    assert [urgency(a) for a in (DECISION, record, trend, REMINDER, subscription(1))] == [
        URGENT, URGENT, URGENT, NORMAL, SUBSCRIPTION]


async def test_an_fomc_decision_queued_after_subscription_alerts_goes_out_first(db, monkeypatch):
    monkeypatch.setattr(bot.dispatch, "MAX_TARGETS_IN_FLIGHT", 2)  # a transport that sends two at a time
    monkeypatch.setattr(bot.dispatch, "BATCH", 4)  # and new alerts resolved four at a look
    db.call(outbox.commit, [subscription(n) for n in range(6)], NOW)
    db.call(outbox.commit, [REMINDER, DECISION], NOW)  # queued last
    transport = Recorder()
    await Dispatcher(db, [transport], lambda: NOW, NY).run_once()
    assert [title for _, title in transport.sent[:2]] == [DECISION.message] * 2  # both servers, first
    assert [title for _, title in transport.sent[2:4]] == [REMINDER.message] * 2
    assert [key for key, _ in transport.sent[4:]] == [f"dm:{500 + n}" for n in range(6)]  # oldest first
    assert db.call(outbox.pending_count) == 0


async def test_due_deliveries_come_most_urgent_first_each_target_with_all_its_due_alerts(db):
    db.call(outbox.commit, [subscription(1), REMINDER, DECISION], NOW)
    ids = {q.key: q.id for q in db.call(outbox.recent)}
    dm, server = Target("dm:501", "dm", "a DM"), Target("server:1", "server", "server 1", 1)
    db.call(deliveries.resolve_many, "discord", [
        (ids[subscription(1).key], [dm], SUBSCRIPTION), (ids[REMINDER.key], [server, dm], NORMAL),
        (ids[DECISION.key], [server], URGENT)], NOW, ["discord"])
    first = db.call(deliveries.due, "discord", NOW, 1)
    # The decision's server first; that server's reminder, due too, comes with it to go in the same message.
    assert [(d.target.key, d.event.key) for d in first] == [("server:1", DECISION.key), ("server:1", REMINDER.key)]
    by_target: dict[str, list[str]] = {}
    for d in db.call(deliveries.due, "discord", NOW):
        by_target.setdefault(d.target.key, []).append(d.event.key)
    assert by_target == {"server:1": [DECISION.key, REMINDER.key], "dm:501": [REMINDER.key, subscription(1).key]}
