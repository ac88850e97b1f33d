"""Issue 12, case 1: every FRED range change is dated to the meeting that decided it, whatever calendar is stored.

The database here is seeded like a new install (the calendar of 2024-2027 only), then fed the real FRED
DFEDTARU/DFEDTARL files of 2008-12-16 to 2025-12-10, through the real FomcJobs against the loopback FRED and through
`rotobot fomc import`. FRED shows the hikes of 2015-12-16 and 2016-12-14 on the decision day itself; they used to be
dated a day early (2015-12-15, 2016-12-13) because no stored meeting was there to map them to.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from storage import fomc
from storage.database import Database
from tests.fomc.test_cli_fomc import LOWER, UPPER, cli  # noqa: F401  (the cli fixture)
from tests.fomc.test_fomc_jobs import fed_world, ny  # noqa: F401  (the loopback Fed and FRED, real SQLite)

UNSCHEDULED = {date(2020, 3, 3), date(2020, 3, 15)}  # the two changes FRED shows between scheduled meetings


def serve_fred(world) -> None:
    world.site.page("/graph/fredgraph.csv?id=DFEDTARU", UPPER.read_text(), content_type="text/csv")
    world.site.page("/graph/fredgraph.csv?id=DFEDTARL", LOWER.read_text(), content_type="text/csv")


def check_fred_history(decisions) -> None:
    stored = {d.date: d for d in decisions if "fred" in d.source}
    for decided, wrong in ((date(2015, 12, 16), date(2015, 12, 15)), (date(2016, 12, 14), date(2016, 12, 13))):
        assert wrong not in stored, f"the hike of {decided} is dated {wrong}"
        assert (stored[decided].action, stored[decided].change_bp) == ("raise", 25)
    assert (stored[date(2015, 12, 16)].lower, stored[date(2015, 12, 16)].upper) == (0.25, 0.5)
    # The usual case, FRED showing the range from the day after: the decision day, not the day FRED shows it.
    assert {date(2022, 3, 16), date(2024, 9, 18), date(2025, 10, 29)} <= set(stored)
    assert date(2020, 3, 16) not in stored and date(2020, 3, 15) in stored  # the Sunday cut, shown on Monday
    assert {d for d, decision in stored.items() if decision.unscheduled} == UNSCHEDULED


async def test_the_fred_job_dates_every_change_to_its_meeting_in_a_database_that_knows_2024_to_2027(fed_world):
    serve_fred(fed_world)
    fed_world.clock.now = ny(2025, 12, 11, 9, 30)
    await fed_world.jobs.confirm_with_fred()
    check_fred_history(fed_world.db.call(fomc.decisions))
    assert fed_world.notices == []


def test_fomc_import_of_the_fred_files_into_an_empty_database_dates_every_change_to_its_meeting(cli, tmp_path):
    code, out, _ = cli("fomc", "import", str(UPPER), str(LOWER))
    assert code == 0, out
    database = Database.open(tmp_path / "rotobot.db")
    try:
        check_fred_history(database.call(fomc.decisions))
    finally:
        database.close()
