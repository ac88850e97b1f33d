"""storage.outbox: each event queued once by its key, retried when due, and kept as delivered once sent."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from storage.outbox import due, enqueue, mark_delivered, mark_failed, pending_count, recent

NOW = datetime(2024, 3, 1, 15, 30, tzinfo=timezone.utc)
MINUTE = timedelta(minutes=1)


def test_enqueue_twice_with_the_same_key_keeps_one_row(db):
    assert db.call(enqueue, "rotation:2024-03-01", "rotation", {"spread": 5.5}, NOW) is True
    assert db.call(enqueue, "rotation:2024-03-01", "rotation", {"spread": 9.9}, NOW + MINUTE) is False
    [event] = db.call(recent)
    assert db.call(pending_count) == 1
    assert (event.event_key, event.kind, event.payload, event.created_at) == (
        "rotation:2024-03-01", "rotation", {"spread": 5.5}, NOW
    )
    assert (event.attempts, event.next_attempt_at, event.delivered_at, event.last_error) == (0, NOW, None, None)


def test_due_respects_next_attempt_at(db):
    db.call(enqueue, "a", "price", {}, NOW)
    assert db.call(due, NOW - timedelta(seconds=1)) == []
    assert [e.event_key for e in db.call(due, NOW)] == ["a"]


def test_due_is_oldest_first_and_limited(db):
    for key in ("first", "second", "third"):
        db.call(enqueue, key, "price", {}, NOW)
    assert [e.event_key for e in db.call(due, NOW, limit=2)] == ["first", "second"]


def test_mark_failed_schedules_a_retry_and_records_the_error(db):
    db.call(enqueue, "a", "price", {}, NOW)
    [event] = db.call(due, NOW)
    db.call(mark_failed, event.id, "429 Too Many Requests", NOW + 5 * MINUTE)
    assert db.call(due, NOW + MINUTE) == []
    [retry] = db.call(due, NOW + 5 * MINUTE)
    assert (retry.id, retry.attempts, retry.last_error, retry.next_attempt_at) == (
        event.id, 1, "429 Too Many Requests", NOW + 5 * MINUTE
    )
    assert db.call(pending_count) == 1


def test_a_long_error_is_cut_to_500_characters(db):
    db.call(enqueue, "a", "price", {}, NOW)
    [event] = db.call(due, NOW)
    db.call(mark_failed, event.id, "x" * 2000, NOW)
    assert db.call(due, NOW)[0].last_error == "x" * 500


def test_mark_delivered_removes_it_from_due_and_keeps_it_in_the_log(db):
    db.call(enqueue, "a", "price", {}, NOW)
    [event] = db.call(due, NOW)
    db.call(mark_failed, event.id, "timeout", NOW)
    db.call(mark_delivered, event.id, NOW + MINUTE)
    assert db.call(due, NOW + timedelta(days=1)) == [] and db.call(pending_count) == 0
    [logged] = db.call(recent)
    assert (logged.delivered_at, logged.attempts, logged.last_error) == (NOW + MINUTE, 2, None)


def test_a_delivered_event_is_neither_queued_again_nor_changed(db):
    db.call(enqueue, "a", "price", {}, NOW)
    [event] = db.call(due, NOW)
    db.call(mark_delivered, event.id, NOW)
    db.call(mark_delivered, event.id, NOW + MINUTE)
    db.call(mark_failed, event.id, "late failure", NOW + MINUTE)
    assert db.call(enqueue, "a", "price", {}, NOW + MINUTE) is False
    [logged] = db.call(recent)
    assert (logged.delivered_at, logged.attempts, logged.last_error) == (NOW, 1, None)


def test_recent_is_newest_first(db):
    for key in ("a", "b", "c"):
        db.call(enqueue, key, "price", {}, NOW)
    assert [e.event_key for e in db.call(recent, limit=2)] == ["c", "b"]


def test_a_naive_time_is_refused(db):
    with pytest.raises(ValueError, match="naive datetime"):
        db.call(enqueue, "a", "price", {}, datetime(2024, 3, 1, 15, 30))
    assert db.call(pending_count) == 0
