"""storage.outbox: each event queued once by its key; each transport's delivery logged, retried and recovered."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from storage.outbox import (
    deliveries_due, delivery_log, enqueue, mark_send_failed, mark_sending, mark_sent, oldest_undelivered,
    pending_count, recent, recover_unconfirmed,
)

NOW = datetime(2024, 3, 1, 15, 30, tzinfo=timezone.utc)
MINUTE = timedelta(minutes=1)
BOTH = ["console", "discord"]


def test_enqueue_twice_with_the_same_key_keeps_one_row(db):
    assert db.call(enqueue, "rotation:2024-03-01", "rotation", {"spread": 5.5}, NOW) == "rotation:2024-03-01"
    assert db.call(enqueue, "rotation:2024-03-01", "rotation", {"spread": 9.9}, NOW + MINUTE) is None
    [event] = db.call(recent)
    assert db.call(pending_count) == 1
    assert (event.event_key, event.kind, event.payload, event.created_at) == (
        "rotation:2024-03-01", "rotation", {"spread": 5.5}, NOW
    )
    assert db.call(oldest_undelivered) == NOW


def test_each_transport_is_due_once_oldest_event_first(db):
    for key in ("first", "second"):
        db.call(enqueue, key, "price", {}, NOW)
    due = db.call(deliveries_due, BOTH, NOW)
    assert [(d.event.event_key, d.transport) for d in due] == [
        ("first", "console"), ("first", "discord"), ("second", "console"), ("second", "discord")
    ]
    assert [d.event.event_key for d in db.call(deliveries_due, BOTH, NOW, limit=1)] == ["first"]


def test_a_send_in_progress_is_not_due_and_a_sent_one_never_again(db):
    db.call(enqueue, "a", "price", {}, NOW)
    event = db.call(recent)[0]
    db.call(mark_sending, event.id, "console", NOW)
    assert [d.transport for d in db.call(deliveries_due, BOTH, NOW)] == ["discord"]
    db.call(mark_sent, event.id, "console", NOW, BOTH)
    assert db.call(pending_count) == 1  # discord still owes it
    db.call(mark_sending, event.id, "discord", NOW)
    db.call(mark_sent, event.id, "discord", NOW + MINUTE, BOTH)
    assert db.call(pending_count) == 0 and db.call(deliveries_due, BOTH, NOW + timedelta(days=1)) == []
    assert db.call(recent)[0].delivered_at == NOW + MINUTE and db.call(oldest_undelivered) is None


def test_a_failed_send_waits_for_its_retry_and_keeps_a_short_error(db):
    db.call(enqueue, "a", "price", {}, NOW)
    event = db.call(recent)[0]
    db.call(mark_sending, event.id, "discord", NOW)
    db.call(mark_send_failed, event.id, "discord", "x" * 2000, NOW + 5 * MINUTE)
    assert db.call(deliveries_due, ["discord"], NOW + MINUTE) == []
    [retry] = db.call(deliveries_due, ["discord"], NOW + 5 * MINUTE)
    assert retry.attempts == 1 and not retry.possibly_repeated
    assert db.call(delivery_log, "a")[0]["last_error"] == "x" * 500


def test_a_send_never_confirmed_comes_back_marked_possibly_repeated(db):
    db.call(enqueue, "a", "price", {}, NOW)
    event = db.call(recent)[0]
    db.call(mark_sending, event.id, "discord", NOW)  # ... and the process died here
    assert db.call(recover_unconfirmed) == 1
    [again] = db.call(deliveries_due, ["discord"], NOW)
    assert again.possibly_repeated and again.attempts == 1
    assert db.call(recover_unconfirmed) == 0


def test_recent_is_newest_first(db):
    for key in ("a", "b", "c"):
        db.call(enqueue, key, "price", {}, NOW)
    assert [e.event_key for e in db.call(recent, limit=2)] == ["c", "b"]


def test_a_naive_time_is_refused(db):
    with pytest.raises(ValueError, match="naive datetime"):
        db.call(enqueue, "a", "price", {}, datetime(2024, 3, 1, 15, 30))
    assert db.call(pending_count) == 0
