"""Stale or not: two poll intervals in session for quotes, a missing closed session for daily bars."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from alerts.market.calendar import NEW_YORK, NyseCalendar
from alerts.market.freshness import bars_freshness, quote_freshness


@pytest.fixture(scope="module")
def nyse():
    return NyseCalendar(date(2024, 12, 1), date(2026, 12, 31))


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def test_a_quote_is_stale_after_two_poll_intervals_in_session(nyse):
    now = ny(2025, 12, 11, 11, 0)
    assert not quote_freshness(now - timedelta(seconds=120), now, 60, nyse).stale
    stale = quote_freshness(now - timedelta(seconds=121), now, 60, nyse)
    assert stale.stale and stale.text == "stale: last quote 2 min ago"


def test_nothing_goes_stale_overnight_or_on_a_holiday(nyse):
    last_tick = ny(2025, 12, 24, 12, 59)
    assert not quote_freshness(last_tick, ny(2025, 12, 25, 12, 0), 60, nyse).stale


def test_daily_bars_are_up_to_date_until_a_session_closes_without_its_bar(nyse):
    assert bars_freshness(date(2025, 12, 10), ny(2025, 12, 11, 15, 59), nyse).text == "up to date"
    late = bars_freshness(date(2025, 12, 10), ny(2025, 12, 11, 16, 0), nyse)
    assert late.stale and late.text == "stale: last bar 2025-12-10, 1 session behind"


def test_a_long_gap_counts_sessions_not_days(nyse):
    gap = bars_freshness(date(2025, 12, 19), ny(2025, 12, 29, 17, 0), nyse)
    assert gap.text == "stale: last bar 2025-12-19, 5 sessions behind"  # 22, 23, 24, 26 and 29 December


def test_history_older_than_the_loaded_calendar_is_still_called_stale(nyse):
    assert bars_freshness(date(2020, 1, 2), ny(2025, 12, 11, 17, 0), nyse).text.endswith("more than a year behind")
