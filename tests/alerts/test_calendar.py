"""NYSE sessions, holidays and early closes, from exchange_calendars."""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta, timezone

import pytest

from alerts.market import calendar as calendar_module
from alerts.market.calendar import NEW_YORK, NyseCalendar, TradingCalendar, around_in_child_process


@pytest.fixture(scope="module")
def nyse():
    return NyseCalendar(date(2025, 1, 1), date(2026, 12, 31))


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def test_black_friday_2025_closes_at_13_00(nyse):
    session = nyse.session(date(2025, 11, 28))
    assert session.close == datetime(2025, 11, 28, 18, 0, tzinfo=timezone.utc)
    assert nyse.is_open(ny(2025, 11, 28, 12, 59))
    assert not nyse.is_open(ny(2025, 11, 28, 13, 0))


def test_christmas_is_no_session_and_christmas_eve_is_short(nyse):
    assert not nyse.is_session(date(2025, 12, 25))
    assert not nyse.is_open(ny(2025, 12, 25, 11, 0))
    assert nyse.session(date(2025, 12, 24)).close == datetime(2025, 12, 24, 18, 0, tzinfo=timezone.utc)
    assert nyse.is_open(ny(2025, 12, 24, 12, 59)) and not nyse.is_open(ny(2025, 12, 24, 13, 0))


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


def test_sessions_between_is_inclusive(nyse):
    assert nyse.sessions_between(date(2025, 12, 22), date(2025, 12, 26)) == [
        date(2025, 12, 22), date(2025, 12, 23), date(2025, 12, 24), date(2025, 12, 26)
    ]


def test_a_day_outside_the_loaded_range_is_an_error_not_a_guess(nyse):
    with pytest.raises(ValueError, match="outside the loaded NYSE calendar"):
        nyse.is_session(date(2030, 1, 2))


def test_session_book_rebuilds_for_a_bot_that_outlives_its_calendar():
    book = TradingCalendar()
    first = book.around(date(2025, 12, 1))
    assert book.around(date(2025, 12, 2)) is first
    later = book.around(date(2027, 6, 1))
    assert later is not first and later.is_session(date(2027, 6, 1))


class Builds:
    """A TradingCalendar builder that notes the day and thread of each build; its calendars are empty (instant)."""

    def __init__(self) -> None:
        self.days: list[date] = []
        self.threads: list[int] = []
        self.fail = False

    def __call__(self, day: date) -> NyseCalendar:
        self.days.append(day)
        self.threads.append(threading.get_ident())
        if self.fail:
            raise RuntimeError("exchange_calendars is broken")
        return NyseCalendar(day - timedelta(days=400), day + timedelta(days=400), [])


D = date(2026, 2, 24)


async def test_prepare_builds_on_a_worker_thread_and_around_then_only_reads():
    builds = Builds()
    book = TradingCalendar(builds)
    loaded = await book.prepare(D)
    assert book.around(D + timedelta(days=200)) is loaded  # 200 days on, still 200 days to the end
    assert await book.prepare(D + timedelta(days=1)) is loaded  # already fits: nothing built
    assert builds.days == [D] and threading.get_ident() not in builds.threads


async def test_a_calendar_running_low_answers_while_one_rebuild_runs_and_is_then_swapped_in():
    builds = Builds()
    book = TradingCalendar(builds)
    loaded = await book.prepare(D)
    late = D + timedelta(days=320)  # the loaded calendar ends 80 days later
    for _ in range(3):
        assert book.around(late) is loaded  # answered at once from what is loaded
    assert book.rebuilding and builds.days == [D]
    await book.settle()
    assert not book.rebuilding
    assert builds.days == [D, late]  # one rebuild, however many asked
    rebuilt = book.around(late)
    assert rebuilt is not loaded and rebuilt.covers(late + timedelta(days=400))
    assert threading.get_ident() not in builds.threads


async def test_the_background_builder_makes_the_rebuilds_and_the_other_the_rest():
    builds, background = Builds(), Builds()
    book = TradingCalendar(builds, background_build=background)
    await book.prepare(D)
    book.around(D + timedelta(days=320))
    await book.settle()
    book.around(D + timedelta(days=2000))  # nothing loaded covers it: built at once, by `build`
    assert builds.days == [D, D + timedelta(days=2000)] and background.days == [D + timedelta(days=320)]


async def test_a_failed_rebuild_keeps_the_loaded_calendar_and_is_tried_again_on_a_later_day(caplog):
    builds = Builds()
    book = TradingCalendar(builds)
    loaded = await book.prepare(D)
    builds.fail = True
    late = D + timedelta(days=320)
    with caplog.at_level(logging.ERROR, logger="alerts.market.calendar"):
        book.around(late)
        await book.settle()
    assert "Rebuilding the NYSE calendar around 2027-01-10 failed" in caplog.text
    assert book.around(late) is loaded and not book.rebuilding  # not again for the same day
    builds.fail = False
    book.around(late + timedelta(days=1))
    await book.settle()
    assert book.around(late + timedelta(days=1)) is not loaded
    assert builds.days == [D, late, late + timedelta(days=1)]


async def test_a_rebuild_never_replaces_a_calendar_loaded_for_a_far_off_day_meanwhile():
    builds = Builds()
    book = TradingCalendar(builds)
    await book.prepare(D)
    book.around(D + timedelta(days=320))  # starts a rebuild around that day
    far = D + timedelta(days=2000)  # the clock jumped years ahead: nothing loaded covers it
    jumped = book.around(far)
    assert builds.threads[-1] == threading.get_ident()  # built there and then: see TradingCalendar's docstring
    await book.settle()
    assert book.around(far) is jumped


def test_without_an_event_loop_a_calendar_running_low_is_rebuilt_at_once():
    builds = Builds()
    book = TradingCalendar(builds)
    first = book.around(D)
    assert book.around(D + timedelta(days=320)) is not first and builds.days == [D, D + timedelta(days=320)]


def test_a_child_process_builds_the_same_calendar_as_this_one():
    here = NyseCalendar.around(D)
    there = around_in_child_process(D)
    assert (there.start, there.end) == (here.start, here.end)
    assert [there.session(d) for d in there.sessions_between(there.start, there.end)] == [
        here.session(d) for d in here.sessions_between(here.start, here.end)]
    assert there.session(date(2026, 11, 27)).close == datetime(2026, 11, 27, 18, 0, tzinfo=timezone.utc)  # 13:00


def test_a_failing_child_process_falls_back_to_building_here(monkeypatch, caplog):
    monkeypatch.setattr(calendar_module.sys, "executable", "/nonexistent/python")
    with caplog.at_level(logging.WARNING, logger="alerts.market.calendar"):
        calendar = around_in_child_process(D)
    assert "child process failed" in caplog.text
    assert calendar.is_session(date(2026, 2, 24)) and not calendar.is_session(date(2026, 12, 25))
