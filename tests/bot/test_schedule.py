"""Trigger maths: when each job fires, across weekends and daylight saving time."""

from __future__ import annotations

from datetime import datetime

from alerts.market.calendar import NEW_YORK
from bot.schedule import backfill_trigger, close_trigger, poll_trigger


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def test_close_job_fires_after_the_close_on_weekdays_only():
    trigger = close_trigger()
    assert trigger.get_next_fire_time(None, ny(2025, 12, 11, 12, 0)) == ny(2025, 12, 11, 16, 20)
    assert trigger.get_next_fire_time(None, ny(2025, 12, 12, 17, 0)) == ny(2025, 12, 15, 16, 20)  # Fri -> Mon


def test_close_job_keeps_new_york_time_across_dst():
    trigger = close_trigger()
    fire = trigger.get_next_fire_time(None, ny(2026, 3, 6, 17, 0))  # Friday before DST starts on 8 March
    assert fire == ny(2026, 3, 9, 16, 20)
    assert fire.utcoffset().total_seconds() == -4 * 3600


def test_nightly_backfill_runs_every_night():
    trigger = backfill_trigger()
    assert trigger.get_next_fire_time(None, ny(2025, 12, 13, 4, 0)) == ny(2025, 12, 14, 3, 10)


def test_poll_interval_follows_the_setting():
    trigger = poll_trigger(60)
    start = ny(2025, 12, 11, 10, 0)
    first = trigger.get_next_fire_time(None, start)
    assert trigger.get_next_fire_time(first, first) - first == (ny(2025, 12, 11, 10, 1) - ny(2025, 12, 11, 10, 0))
