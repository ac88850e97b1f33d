"""storage.outbox and storage.deliveries: each alert queued once by its key; each target's delivery logged, retried,
given up on and recovered on its own."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from alerts.delivery import Target
from alerts.payloads import Everyone, NoticeAlert, Operator, UnreadableAlert, WrapAlert, Server
from storage import rule_state, deliveries, outbox
from storage.deliveries import FAILED, GAVE_UP, NOT_WANTED, SENT, WAITING, Outcome

NOW = datetime(2024, 3, 1, 15, 30, tzinfo=timezone.utc)
MINUTE = timedelta(minutes=1)
BOTH = ["console", "discord"]
ALPHA = Target("server:1", "server", "#alerts in Alpha", 1)
BRAVO = Target("server:2", "server", "#alerts in Bravo", 2)
CONSOLE = Target("console", "console", "the console")


def notice(key: str, text: str = "Data source yahoo has been failing for 10 min") -> NoticeAlert:
    return NoticeAlert(key=key, topic="source_down", message=text, occurred_at=NOW, route=Operator())


def queue(db, *keys: str) -> list[outbox.Queued]:
    for key in keys:
        db.call(outbox.enqueue, notice(key), NOW)
    return list(reversed(db.call(outbox.recent, 100)))


def test_the_same_alert_twice_is_queued_once(db):
    assert db.call(outbox.enqueue, notice("a"), NOW) == "a"
    assert db.call(outbox.enqueue, notice("a", "the same alert, worded again"), NOW + MINUTE) is None
    [event] = db.call(outbox.recent)
    assert (event.key, event.kind, event.alert, event.created_at) == ("a", "notice", notice("a"), NOW)
    assert db.call(outbox.pending_count) == 1 and db.call(outbox.oldest_undelivered) == NOW


def test_commit_saves_states_the_extra_write_and_the_alerts_together_or_not_at_all(db):
    def boom(d):
        d.execute("INSERT INTO guild_settings (guild_id, key, value, updated_at) VALUES (1, 'x', '1', 'now')")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        db.call(outbox.commit, [notice("a")], NOW, [("rule", "*", {"armed": True})], boom)
    assert db.call(outbox.recent) == [] and db.call(rule_state.load_state, "rule", "*") is None
    assert db.call(lambda d: d.execute("SELECT count(*) FROM guild_settings").fetchone()[0]) == 0
    assert db.call(outbox.commit, [notice("a")], NOW, [("rule", "*", {"armed": True})]) == ["a"]
    assert db.call(rule_state.load_state, "rule", "*") == {"armed": True}


def test_each_target_is_due_once_oldest_alert_first(db):
    first, second = queue(db, "first", "second")
    assert [e.key for e in db.call(deliveries.unresolved, "discord")] == ["first", "second"]
    for event in (first, second):
        db.call(deliveries.resolve, event.id, "discord", [ALPHA, BRAVO], NOW, BOTH)
    assert db.call(deliveries.unresolved, "discord") == []
    due = db.call(deliveries.due, "discord", NOW)
    assert [(d.event.key, d.target.key) for d in due] == [
        ("first", "server:1"), ("first", "server:2"), ("second", "server:1"), ("second", "server:2")]
    assert due[0].target == ALPHA  # the target comes back as the transport gave it
    assert [d.target.key for d in db.call(deliveries.due, "discord", NOW, busy=["server:1"])] == ["server:2"] * 2


def test_a_sending_delivery_is_not_due_and_a_sent_one_never_again(db):
    (event,) = queue(db, "a")
    db.call(deliveries.resolve, event.id, "discord", [ALPHA, BRAVO], NOW, BOTH)
    db.call(deliveries.resolve, event.id, "console", [CONSOLE], NOW, BOTH)
    db.call(deliveries.mark_sending, "discord", [(event.id, "server:1")], NOW)
    assert [d.target.key for d in db.call(deliveries.due, "discord", NOW)] == ["server:2"]
    db.call(deliveries.record, "discord", [Outcome(event.id, "server:1", SENT)], NOW, BOTH)
    db.call(deliveries.record, "console", [Outcome(event.id, "console", SENT)], NOW, BOTH)
    assert db.call(outbox.pending_count) == 1  # Bravo still owes it
    db.call(deliveries.record, "discord", [Outcome(event.id, "server:2", SENT)], NOW + MINUTE, BOTH)
    assert db.call(outbox.pending_count) == 0 and db.call(deliveries.due, "discord", NOW + timedelta(days=1)) == []
    assert db.call(outbox.recent)[0].delivered_at == NOW + MINUTE and db.call(outbox.oldest_undelivered) is None


def test_a_transport_with_no_target_for_an_alert_is_done_with_it_at_once(db):
    (event,) = queue(db, "a")
    db.call(deliveries.resolve, event.id, "discord", [], NOW, BOTH)
    db.call(deliveries.resolve, event.id, "console", [CONSOLE], NOW, BOTH)
    db.call(deliveries.record, "console", [Outcome(event.id, "console", NOT_WANTED, error="muted")], NOW, BOTH)
    assert db.call(outbox.pending_count) == 0


def test_a_failed_try_waits_for_its_retry_keeps_a_short_error_and_marks_the_target_failing(db):
    (event,) = queue(db, "a")
    db.call(deliveries.resolve, event.id, "discord", [BRAVO], NOW, ["discord"])
    db.call(deliveries.mark_sending, "discord", [(event.id, "server:2")], NOW)
    db.call(deliveries.record, "discord", [Outcome(event.id, "server:2", FAILED, error="x" * 2000, permanent=True,
                                                   retry_at=NOW + 5 * MINUTE)], NOW, ["discord"])
    assert db.call(deliveries.due, "discord", NOW + MINUTE) == []
    assert db.call(deliveries.next_try, "discord") == NOW + 5 * MINUTE
    [retry] = db.call(deliveries.due, "discord", NOW + 5 * MINUTE)
    assert retry.attempts == 1 and not retry.possibly_repeated and retry.failing_since == NOW
    assert not retry.given_up_before
    error = db.call(lambda d: d.execute("SELECT last_error FROM deliveries").fetchone()[0])
    assert error == "x" * 500


def test_a_try_that_could_not_start_does_not_count(db):
    (event,) = queue(db, "a")
    db.call(deliveries.resolve, event.id, "discord", [BRAVO], NOW, ["discord"])
    db.call(deliveries.mark_sending, "discord", [(event.id, "server:2")], NOW)
    db.call(deliveries.record, "discord", [Outcome(event.id, "server:2", WAITING, retry_at=NOW + MINUTE)], NOW,
            ["discord"])
    [again] = db.call(deliveries.due, "discord", NOW + MINUTE)
    assert again.attempts == 0 and again.failing_since is None


def test_giving_up_queues_its_notice_once_and_marks_the_target_until_a_send_succeeds(db):
    first, second, third = queue(db, "a", "b", "c")
    for event in (first, second, third):
        db.call(deliveries.resolve, event.id, "discord", [BRAVO], NOW, ["discord"])
    gone = notice("gave_up|discord|server:2|t0", "rotobot gave up delivering to #alerts in Bravo after 24 h")
    keys = db.call(deliveries.record, "discord", [Outcome(first.id, "server:2", GAVE_UP, error="403", permanent=True,
                                                          notice=gone)], NOW, ["discord"])
    assert keys == [gone.key]
    again = db.call(deliveries.record, "discord", [Outcome(second.id, "server:2", GAVE_UP, error="403",
                                                           permanent=True, notice=gone)], NOW, ["discord"])
    assert again == []  # the same run of failures: one notice
    [due] = [d for d in db.call(deliveries.due, "discord", NOW) if d.event.key == "c"]
    assert due.given_up_before
    db.call(deliveries.record, "discord", [Outcome(third.id, "server:2", SENT)], NOW, ["discord"])
    assert db.call(lambda d: d.execute("SELECT count(*) FROM failing_targets").fetchone()[0]) == 0
    assert db.call(outbox.pending_count) == 1  # only the notice is owed now


def test_a_send_never_confirmed_comes_back_marked_possibly_repeated(db):
    (event,) = queue(db, "a")
    db.call(deliveries.resolve, event.id, "discord", [ALPHA], NOW, ["discord"])
    db.call(deliveries.mark_sending, "discord", [(event.id, "server:1")], NOW)  # ... and the process died here
    assert db.call(deliveries.recover_unconfirmed) == 1
    [again] = db.call(deliveries.due, "discord", NOW)
    assert again.possibly_repeated and again.attempts == 1
    assert db.call(deliveries.recover_unconfirmed) == 0


def test_an_alert_every_configured_transport_finished_leaves_the_queue_at_start(db):
    (event,) = queue(db, "a")
    db.call(deliveries.resolve, event.id, "console", [CONSOLE], NOW, BOTH)
    db.call(deliveries.record, "console", [Outcome(event.id, "console", SENT)], NOW, BOTH)
    assert db.call(outbox.pending_count) == 1  # discord never had it ...
    assert db.call(deliveries.settle_finished, ["console"], NOW) == 1  # ... and is configured no more
    assert db.call(outbox.pending_count) == 0


def test_recent_is_newest_first_and_since_oldest_first(db):
    queue(db, "a", "b", "c")
    assert [e.key for e in db.call(outbox.recent, limit=2)] == ["c", "b"]
    assert [e.key for e in db.call(outbox.since, NOW)] == ["a", "b", "c"]
    assert db.call(outbox.since, NOW + MINUTE) == []


def test_a_naive_time_is_refused(db):
    with pytest.raises(ValueError, match="naive datetime"):
        db.call(outbox.enqueue, notice("a"), datetime(2024, 3, 1, 15, 30))
    with pytest.raises(ValueError, match="naive datetime"):
        db.call(outbox.enqueue, WrapAlert(key="w", message="m", occurred_at=datetime(2024, 3, 1), route=Server(1),
                                          date=NOW.date()), NOW)
    assert db.call(outbox.pending_count) == 0


def test_a_damaged_payload_is_read_as_an_alert_for_the_operator(db):
    db.call(outbox.enqueue, notice("a"), NOW)
    db.call(lambda d: d.execute("UPDATE outbox SET payload = '{\"v\": 2, \"type\": \"notice\", \"key\": 3}'"))
    [event] = db.call(outbox.recent)
    assert isinstance(event.alert, UnreadableAlert) and event.alert.route == Operator()
    assert "could not read" in event.alert.message and event.key == "a"


def test_an_everyone_route_keeps_its_excluded_servers(db):
    from alerts.payloads import SpreadAlert

    spread = SpreadAlert(key="s", message="Rotation into small caps", occurred_at=NOW, route=Everyone((77, 78)),
                         rule_id="rotation", pair="^RUT/^NDX", session=NOW.date(), direction="small", spread=5.01,
                         line=5.0, window=20, small_close=2590.61, large_close=25000.0)
    db.call(outbox.enqueue, spread, NOW)
    assert db.call(outbox.recent)[0].alert == spread


def test_a_payload_that_lost_its_route_is_not_read_as_one_for_everyone(db):
    """A version-2 payload missing a field that has a default is read with the default: a subscriber's alert whose
    stored route is gone (a damaged row) decodes with route=Everyone() and goes to every server's alert channel
    and the webhook. A route stored as null decodes as route=None, which DiscordTransport.targets() also treats as
    every server. decode must refuse both (UnreadableAlert, for the operator)."""
    from alerts.payloads import Subscriber, SubscriptionAlert

    personal = SubscriptionAlert(key="sub:1|CFG|2024-03-01:above:58", message="CFG at 58.30, up through 58.00",
                                 occurred_at=NOW, route=Subscriber(77, 42, None), rule_kind="above", rule_id="sub:1",
                                 symbol="CFG", trigger="2024-03-01:above:58", direction="above", value=58.3,
                                 threshold=58.0)
    db.call(outbox.enqueue, personal, NOW)
    for damage in ("json_remove(payload, '$.route')", "json_set(payload, '$.route', json('null'))"):
        db.call(lambda d: d.execute(f"UPDATE outbox SET payload = {damage}"))
        [event] = db.call(outbox.recent)
        assert isinstance(event.alert, UnreadableAlert), damage
        assert event.alert.route == Operator()
