"""Issue 12, case 2: a statement's size, and its "Nth consecutive", never come from a phantom or across a gap.

Real parts: a real SQLite file seeded like a new install, the real FomcJobs polling the loopback Fed (the recorded
feed, its first item pointed at the statement of the day) and, where served, the loopback FRED with the real
DFEDTARU/DFEDTARL files. The statements are the real ones in tests/fixtures/fomc/.

- The 2015 lift-off ("decided to raise the target range ... to 1/4 to 1/2 percent", no size) in a database that an
  older rotobot filled from FRED, which dated that hike 2015-12-15: it was stored as "raise, 0 bp" and announced as
  the "second consecutive hike".
- The 2022-03-16 hike (no size either) in a database holding the 2020-03-03 cut but not the 2020-03-15 one: it was
  measured against 1 to 1-1/4 percent, stored as -75 bp and announced "raises 75 bp".

Both were also announced as "Unscheduled action" with "next meeting 30–31 Jan" (of 2024): the stored calendar
(2024-2027) did not know their meetings.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from alerts.fomc.models import Decision
from alerts.fomc.statement import read_statement
from storage import fomc
from storage.database import Database
from tests.fomc.test_fomc_jobs import FEED, FIXTURES, STATEMENT, fed_world, ny  # noqa: F401  (the loopback world)
from tests.fomc.test_fred_meeting_days import serve_fred


def statement_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def serve_statement(world, day: date, text: str) -> None:
    """The recorded feed with its first item set to the statement of `day`, and that statement's page."""
    page = f"monetary{day:%Y%m%d}a.htm"
    feed = FEED.replace("monetary20260729a.htm", page).replace(
        "Wed, 29 Jul 2026 18:00:00 GMT", f"{day:%a, %d %b %Y} 19:00:00 GMT")
    world.site.page("/feeds/press_monetary.xml", feed, content_type="application/xml")
    world.site.page(f"/newsevents/pressreleases/{page}", text)


def stored_on(world, day: date) -> Decision:
    return {d.date: d for d in world.db.call(fomc.decisions)}[day]


def as_imported(day: date, name: str) -> Decision:
    """A statement as `rotobot fomc import` stores it."""
    reading = read_statement(statement_text(name))
    return Decision(day, reading.action, reading.lower, reading.upper, reading.change_bp, "statement")


async def test_the_2015_lift_off_after_a_phantom_is_a_25_bp_hike_and_no_second_consecutive_one(fed_world):
    # What an older rotobot stored from FRED: the lift-off dated the day FRED shows it minus one.
    phantom = Decision(date(2015, 12, 15), "raise", 0.25, 0.5, 25, "fred")
    fed_world.db.call(fomc.upsert_decision, phantom, fed_world.clock())
    serve_fred(fed_world)  # FRED: 0 to 0.25 on 2015-12-15, the day before the decision
    serve_statement(fed_world, date(2015, 12, 16), statement_text("statement_2015-12-16.md"))
    fed_world.clock.now = ny(2015, 12, 16, 14, 0, 30)

    assert await fed_world.jobs.poll_feed() == 1
    (alert,) = fed_world.published
    # Scheduled (the shipped decision days know the meeting), and no "next meeting" from a calendar that starts
    # in 2024: the next decision day (2016-01-27) is not on it.
    assert alert.message == "FOMC raises the target range 25 bp to 0.25%–0.50%"
    lift_off = stored_on(fed_world, date(2015, 12, 16))
    assert (lift_off.action, lift_off.lower, lift_off.upper, lift_off.change_bp) == ("raise", 0.25, 0.5, 25)


async def test_the_2015_lift_off_with_nothing_to_measure_it_by_has_no_size_and_says_so(fed_world):
    fed_world.db.call(fomc.upsert_decision, Decision(date(2015, 12, 15), "raise", 0.25, 0.5, 25, "fred"),
                      fed_world.clock())  # the phantom, and no FRED today
    serve_statement(fed_world, date(2015, 12, 16), statement_text("statement_2015-12-16.md"))
    fed_world.clock.now = ny(2015, 12, 16, 14, 0, 30)

    assert await fed_world.jobs.poll_feed() == 1
    message = fed_world.published[0].message
    assert message == "FOMC raises the target range to 0.25%–0.50% (size unknown)"
    assert stored_on(fed_world, date(2015, 12, 16)).change_bp is None


async def test_the_2022_hike_across_a_missing_meeting_is_never_minus_75_bp(fed_world):
    fed_world.db.call(fomc.upsert_decision, as_imported(date(2020, 3, 3), "statement_2020-03-03.md"),
                      fed_world.clock())  # 1 to 1-1/4 percent; the cut of 2020-03-15 is not stored
    serve_statement(fed_world, date(2022, 3, 16), statement_text("statement_2022-03-16.md"))
    fed_world.clock.now = ny(2022, 3, 16, 14, 0, 30)

    assert await fed_world.jobs.poll_feed() == 1
    message = fed_world.published[0].message
    assert message == "FOMC raises the target range to 0.25%–0.50% (size unknown)"
    hike = stored_on(fed_world, date(2022, 3, 16))
    assert (hike.action, hike.change_bp) == ("raise", None)
    assert fed_world.published[0].change_bp is None


async def test_the_2022_hike_takes_its_size_from_fred_the_day_before(fed_world):
    fed_world.db.call(fomc.upsert_decision, as_imported(date(2020, 3, 3), "statement_2020-03-03.md"),
                      fed_world.clock())
    serve_fred(fed_world)
    serve_statement(fed_world, date(2022, 3, 16), statement_text("statement_2022-03-16.md"))
    fed_world.clock.now = ny(2022, 3, 16, 14, 0, 30)

    assert await fed_world.jobs.poll_feed() == 1
    assert fed_world.published[0].message == "FOMC raises the target range 25 bp to 0.25%–0.50%"
    assert stored_on(fed_world, date(2022, 3, 16)).change_bp == 25


async def test_a_cut_after_a_meeting_with_no_stored_decision_is_not_called_consecutive(fed_world):
    """The seeded history knows the cut of 2025-09-17; the October decision is missing (rotobot was down and FRED
    has not confirmed it yet). December's cut is then not 'second consecutive': rotobot cannot know."""
    fed_world.db.call(lambda db: db.execute("DELETE FROM fomc_decisions WHERE date = '2025-10-29'"))
    serve_statement(fed_world, date(2025, 12, 10), STATEMENT)

    assert await fed_world.jobs.poll_window() == 1
    assert fed_world.published[0].message == (
        "FOMC lowers the target range 25 bp to 3.50%–3.75%; next meeting 27–28 Jan")


async def test_fomc_never_shows_plus_0_bp_for_a_raise(tmp_path):
    """A database written before this fix holds the lift-off as 'raise, 0 bp'; a new one never stores it."""
    from bot.commands.overview import fomc_command

    database = Database.open(tmp_path / "rotobot.db")
    try:
        phantom_size = Decision(date(2015, 12, 16), "raise", 0.25, 0.5, 0, "statement")
        database.call(fomc.upsert_decision, phantom_size, ny(2015, 12, 16, 14, 1))
        assert database.call(fomc.decisions)[0].change_bp is None  # a size that disagrees is not a fact
        context = SimpleNamespace(database=database, now=lambda: ny(2015, 12, 20, 12, 0))
        reply = await fomc_command(context, None, [])
        shown = dict(reply.fields)["2015-12-16"]
        assert "+0 bp" not in shown and shown.startswith("raise, size unknown")
        database.call(fomc.upsert_decision, Decision(date(2016, 12, 14), "raise", 0.5, 0.75, -25, "x"),
                      ny(2016, 12, 14, 14, 1))
        assert database.call(fomc.decisions, 1)[0].change_bp is None
    finally:
        database.close()
