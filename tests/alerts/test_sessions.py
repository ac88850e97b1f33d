"""NYSE sessions, holidays and early closes, from exchange_calendars."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from alerts.market.sessions import NEW_YORK, NyseSessions, SessionBook


@pytest.fixture(scope="module")
def nyse():
    return NyseSessions(date(2025, 1, 1), date(2026, 12, 31))


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def test_black_friday_2025_closes_at_13_00(nyse):
    session = nyse.session(date(2025, 11, 28))
    assert session.early_close
    assert session.close == datetime(2025, 11, 28, 18, 0, tzinfo=timezone.utc)
    assert nyse.is_open(ny(2025, 11, 28, 12, 59))
    assert not nyse.is_open(ny(2025, 11, 28, 13, 0))


def test_christmas_is_no_session_and_christmas_eve_is_short(nyse):
    assert not nyse.is_session(date(2025, 12, 25))
    assert not nyse.is_open(ny(2025, 12, 25, 11, 0))
    assert nyse.session(date(2025, 12, 24)).early_close


@pytest.mark.parametrize(
    "moment, open_",
    [
        (ny(2025, 12, 11, 9, 29), False),
        (ny(2025, 12, 11, 9, 30), True),
        (ny(2025, 12, 11, 15, 59), True),
        (ny(2025, 12, 11, 16, 0), False),
        (ny(2025, 12, 13, 12, 0), False),  # Saturday
        (ny(2026, 11, 27, 12, 59), True),  # the day after Thanksgiving 2026, also short
        (ny(2026, 11, 27, 13, 0), False),
        (ny(2026, 3, 9, 9, 45), True),  # the Monday after DST starts: 13:45 UTC, not 14:45
    ],
)
def test_regular_session_hours(nyse, moment, open_):
    assert nyse.is_open(moment) is open_


def test_last_closed_session_is_the_one_with_an_official_bar(nyse):
    assert nyse.last_closed(ny(2025, 12, 11, 15, 0)).date == date(2025, 12, 10)
    assert nyse.last_closed(ny(2025, 12, 11, 16, 0)).date == date(2025, 12, 11)
    assert nyse.last_closed(ny(2025, 12, 26, 8, 0)).date == date(2025, 12, 24)


def test_next_open_skips_weekends_and_holidays(nyse):
    assert nyse.next_open(ny(2025, 12, 24, 14, 0)).date == date(2025, 12, 26)
    assert nyse.next_open(ny(2025, 12, 12, 17, 0)).date == date(2025, 12, 15)


def test_sessions_between_is_inclusive(nyse):
    assert nyse.sessions_between(date(2025, 12, 22), date(2025, 12, 26)) == [
        date(2025, 12, 22), date(2025, 12, 23), date(2025, 12, 24), date(2025, 12, 26)
    ]


def test_a_day_outside_the_loaded_range_is_an_error_not_a_guess(nyse):
    with pytest.raises(ValueError, match="outside the loaded NYSE calendar"):
        nyse.is_session(date(2030, 1, 2))


def test_session_book_rebuilds_for_a_bot_that_outlives_its_calendar():
    book = SessionBook()
    first = book.around(date(2025, 12, 1))
    assert book.around(date(2025, 12, 2)) is first
    later = book.around(date(2027, 6, 1))
    assert later is not first and later.is_session(date(2027, 6, 1))
