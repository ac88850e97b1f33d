"""Review 3: FOMC announcements as readers get them, with the real FomcJobs, the real outbox and a real SQLite
file (the loopback Fed of test_fomc_jobs.py where a page is needed)."""

from __future__ import annotations


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


async def test_the_follow_up_says_the_statement_was_read_when_its_number_is_freds(fed_world):
    """The 10 December statement could not be read, so the decision went out with its link and no number. The
    page stays unreadable. At 09:30 the next day confirm_with_fred stores FRED's range over the 'unknown' decision
    (source 'fred'). At the next feed poll the page fails again; poll_feed then keeps FRED's decision (a failed read
    never replaces a known number) and _store, seeing the first announcement had no number, queues the follow-up
    fomc_decision|2025-12-10|read with the fixed body "The statement could not be read at first; this is its
    reading." Readers are told the statement was read, when it still was not and the number is FRED's."""
    from tests.fomc.test_fomc_jobs import DEC_FEED, FIXTURES

    statement = "/newsevents/pressreleases/monetary20251210a.htm"
    fed_world.site.page("/feeds/press_monetary.xml", DEC_FEED, content_type="application/xml")
    fed_world.site.page(statement, "Service Unavailable", status=503, content_type="text/plain")
    assert await fed_world.jobs.poll_window() == 1  # with its link only

    upper = (FIXTURES / "fred_DFEDTARU_2008-12-16_to_2025-12-10.csv").read_text().rstrip("\n") + "\n2025-12-11,3.75\n"
    lower = (FIXTURES / "fred_DFEDTARL_2008-12-16_to_2025-12-10.csv").read_text().rstrip("\n") + "\n2025-12-11,3.50\n"
    fed_world.site.page("/graph/fredgraph.csv?id=DFEDTARU", upper, content_type="text/csv")
    fed_world.site.page("/graph/fredgraph.csv?id=DFEDTARL", lower, content_type="text/csv")
    fed_world.clock.now = ny(2025, 12, 11, 9, 30)
    await fed_world.jobs.confirm_with_fred()
    fed_world.clock.now = ny(2025, 12, 11, 9, 45)
    await fed_world.jobs.poll_feed()  # the statement still fails

    follow_ups = [a for a in fed_world.published if a.key == "fomc_decision|2025-12-10|read"]
    assert follow_ups, "no follow-up at all"
    (follow_up,) = follow_ups
    assert "3.50%–3.75%" in follow_up.message
    assert "this is its reading" not in follow_up.body, follow_up.body  # the statement was never read
