"""Review 3: FOMC announcements as readers get them, with the real FomcJobs, the real outbox and a real SQLite
file (the loopback Fed of test_fomc_jobs.py where a page is needed)."""

from __future__ import annotations

from datetime import timedelta

from tests.fomc.test_fomc_jobs import fed_world, ny  # noqa: F401 - the fixture

__all__ = ["fed_world"]


async def test_a_reminder_owed_since_yesterday_says_tomorrow_on_the_decision_day(fed_world):
    """rotobot was down from the afternoon before the 10 December 2025 decision until 09:00 that morning (a
    deploy, a crash overnight). At 09:00 remind() finds the 24-hour reminder 'due' (due_reminders only asks whether
    its moment has passed and the decision is still ahead) and queues it with reminder_message(meeting, 24), whose
    words are fixed by `hours_before`: "FOMC decision tomorrow at 2:00 pm ET". Readers are told, on the morning of
    the decision, that it comes tomorrow; the 'late' note the dispatcher adds does not undo a wrong day."""
    fed_world.clock.now = ny(2025, 12, 10, 9, 0)  # the decision is today at 14:00
    await fed_world.jobs.remind()
    said = [alert.message for alert in fed_world.published]
    assert not any("tomorrow" in message for message in said), said
