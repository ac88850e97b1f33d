"""One notice when a source has been down a while, one when it is back: never one per poll."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from alerts.market.outages import SourceOutages

T0 = datetime(2025, 12, 11, 15, 0, tzinfo=timezone.utc)


def test_a_long_outage_gives_exactly_two_notices():
    outages = SourceOutages(notice_after=timedelta(minutes=10))
    notices = []
    for minute in range(30):  # a poll a minute, failing for half an hour
        notices.append(outages.failed("yahoo", "HTTP 503 after 4 tries", T0 + timedelta(minutes=minute)))
    notices.append(outages.succeeded("yahoo", T0 + timedelta(minutes=30)))
    notices += [outages.succeeded("yahoo", T0 + timedelta(minutes=31 + m)) for m in range(5)]
    sent = [n for n in notices if n]
    assert [n.kind for n in sent] == ["down", "recovered"]
    assert "failing for 10 min (HTTP 503 after 4 tries)" in sent[0].text
    assert "back after 30 min" in sent[1].text


def test_a_short_blip_says_nothing():
    outages = SourceOutages(notice_after=timedelta(minutes=10))
    assert outages.failed("stooq", "timeout", T0) is None
    assert outages.failed("stooq", "timeout", T0 + timedelta(minutes=5)) is None
    assert outages.succeeded("stooq", T0 + timedelta(minutes=6)) is None
    assert outages.failing() == {}


def test_failing_reports_since_when_and_why():
    outages = SourceOutages(notice_after=timedelta(minutes=10))
    outages.failed("yahoo", "HTTP 429", T0)
    outages.failed("yahoo", "HTTP 503", T0 + timedelta(minutes=1))
    assert outages.failing() == {"yahoo": (T0, "HTTP 503")}
