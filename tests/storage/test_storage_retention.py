"""storage.retention: delivered alerts older than keep_days go with their delivery log; what is owed never does;
states go only when nothing can read them again."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from alerts.delivery import Target
from alerts.payloads import NoticeAlert, Operator
from storage import rule_state, deliveries, guild_settings, outbox, subscriptions
from storage.deliveries import SENT, Outcome
from storage.retention import prune

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)
CONSOLE = Target("console", "console", "the console")


def alert(key: str, at: datetime) -> NoticeAlert:
    return NoticeAlert(key=key, topic="test", message=f"alert {key}", occurred_at=at, route=Operator())


def deliver(db, key: str, at: datetime, *, done: bool = True) -> None:
    db.call(outbox.enqueue, alert(key, at), at)
    (event,) = [q for q in db.call(outbox.recent, 100) if q.key == key]
    db.call(deliveries.resolve, event.id, "console", [CONSOLE], at, ["console"])
    if done:
        db.call(deliveries.record, "console", [Outcome(event.id, "console", SENT)], at, ["console"])


def keys(db) -> list[str]:
    return sorted(q.key for q in db.call(outbox.recent, 100))


def test_delivered_alerts_older_than_keep_days_go_with_their_log_and_owed_ones_stay(db):
    deliver(db, "old", NOW - 100 * DAY)
    deliver(db, "owed", NOW - 100 * DAY, done=False)
    deliver(db, "recent", NOW - 10 * DAY)
    dry = db.call(prune, NOW, 90, dry_run=True)
    assert (dry.alerts, dry.deliveries) == (1, 1) and keys(db) == ["old", "owed", "recent"]  # a dry run changes nothing
    done = db.call(prune, NOW, 90)
    assert (done.alerts, done.deliveries) == (1, 1)
    assert keys(db) == ["owed", "recent"]
    counts = db.call(lambda d: [d.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("fanouts", "deliveries")])
    assert counts == [2, 2]  # the pruned alert's fan-out and delivery rows went with it
    assert db.call(prune, NOW, 90).alerts == 0
    assert "would remove 1 alerts" in dry.text(dry_run=True)


def test_states_go_only_when_no_rule_can_read_them(db):
    kept, _ = db.call(subscriptions.add, subscriptions.Subscription(7, 1, "CFG", "move", NOW, 3.0))
    for rule_id in (subscriptions.rule_id(kept.id), "sub:999", "rotation_spread:^RUT/^NDX:20",
                    "rotation_spread:^RUT/^NDX:20@77", "rotation_spread:^RUT/^NDX:20@78"):
        db.call(rule_state.save_state, rule_id, "*", {"armed": True}, NOW - 400 * DAY)
    db.call(guild_settings.set_value, 77, "upper", 4.0, NOW)  # server 77 still has its own lines; 78 dropped them
    assert db.call(prune, NOW, 90).states == 2
    left = db.call(lambda d: sorted(r["rule_id"] for r in d["rule_state"].rows))
    assert left == ["rotation_spread:^RUT/^NDX:20", "rotation_spread:^RUT/^NDX:20@77", subscriptions.rule_id(kept.id)]


def test_a_long_gone_run_of_failures_is_forgotten(db):
    db.call(lambda d: d.execute("INSERT INTO failing_targets (transport, target, since, permanent) VALUES "
                                "('discord', 'server:1', ?, 1), ('discord', 'server:2', ?, 1)",
                                [(NOW - 100 * DAY).isoformat(), (NOW - DAY).isoformat()]))
    assert db.call(prune, NOW, 90).failing_targets == 1
