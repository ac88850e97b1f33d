"""storage.fomc: the meeting calendar and the decisions, keyed by the decision date."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from storage.fomc import Decision, Meeting, decisions, meetings, upsert_decision, upsert_meetings

NOW = datetime(2024, 3, 1, 15, 30, tzinfo=timezone.utc)


def meeting(month: int, day: int, sep: bool = False, **extra) -> Meeting:
    end = date(2024, month, day)
    return Meeting(start=end - timedelta(days=1), end=end, sep=sep, source="fed", **extra)


def decision(month: int, day: int, **extra) -> Decision:
    values = dict(action="maintain", lower=5.25, upper=5.5, change_bp=0, source="both") | extra
    return Decision(date=date(2024, month, day), **values)


def test_meetings_round_trip_oldest_first(db):
    calendar = [meeting(5, 1), meeting(1, 31), meeting(3, 20, sep=True), meeting(3, 25, unscheduled=True, notation_vote=True)]
    assert db.call(upsert_meetings, calendar, NOW) == 4
    assert db.call(meetings) == sorted(calendar, key=lambda m: m.end)


def test_meetings_since_includes_that_day(db):
    db.call(upsert_meetings, [meeting(1, 31), meeting(3, 20), meeting(5, 1)], NOW)
    assert [m.end for m in db.call(meetings, date(2024, 3, 20))] == [date(2024, 3, 20), date(2024, 5, 1)]
    assert db.call(meetings, date(2024, 5, 2)) == []


def test_upserting_a_meeting_again_updates_it(db):
    db.call(upsert_meetings, [meeting(3, 20, sep=False)], NOW)
    db.call(upsert_meetings, [meeting(3, 20, sep=True)], NOW)
    assert db.call(meetings) == [meeting(3, 20, sep=True)]
    assert db.call(upsert_meetings, [], NOW) == 0


def test_decisions_round_trip_newest_first_with_a_limit(db):
    hike = decision(1, 31, action="raise", change_bp=25, statement_url="https://x/a.htm", votes={"for": 12, "against": 0})
    unread = decision(3, 20, action="unknown", lower=None, upper=None, change_bp=None, source="fred")
    cut = decision(5, 1, action="lower", change_bp=-25, unscheduled=True)
    for d in (unread, cut, hike):
        db.call(upsert_decision, d, NOW)
    assert db.call(decisions) == [cut, unread, hike]
    assert db.call(decisions, limit=2) == [cut, unread]
    assert db.call(decisions, limit=0) == []


def test_upserting_a_decision_again_replaces_it(db):
    db.call(upsert_decision, decision(3, 20, action="unknown", source="fred"), NOW)
    db.call(upsert_decision, decision(3, 20, source="both"), NOW)
    assert db.call(decisions) == [decision(3, 20, source="both")]


def test_a_naive_time_is_refused(db):
    with pytest.raises(ValueError, match="naive datetime"):
        db.call(upsert_meetings, [meeting(3, 20)], datetime(2024, 3, 1))
    with pytest.raises(ValueError, match="naive datetime"):
        db.call(upsert_decision, decision(3, 20), datetime(2024, 3, 1))
    assert db.call(meetings) == [] and db.call(decisions) == []
