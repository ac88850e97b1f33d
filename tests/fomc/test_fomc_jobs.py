"""FOMC jobs end to end: real SQLite, the real HTTP client, and a loopback Fed/FRED serving recorded documents.

The feed served is the recorded (transcribed) press_monetary capture with its first item's link and date set to
the 10 December 2025 statement, whose recorded page excerpt is what the statement URL returns.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from alerts.fomc.announce import NEW_YORK
from alerts.market.source_client import RetryPolicy, SourceClient
from bot.jobs.fomc import FomcJobs
from bot.jobs.seed import seed_fomc_if_empty
from bot.metrics import standard
from bot.schedule import fomc_window_trigger
from storage import fomc
from storage.database import Database
from tests.conftest import Clock, no_sleep, publisher

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "fomc"
FEED = (FIXTURES / "press_monetary_trimmed_capture_2026-08-15.xml").read_text()
DEC_FEED = FEED.replace("monetary20260729a.htm", "monetary20251210a.htm").replace(
    "Wed, 29 Jul 2026 18:00:00 GMT", "Wed, 10 Dec 2025 19:00:00 GMT"
)
STATEMENT = (FIXTURES / "monetary20251210a_article_excerpt.htm").read_text()
CALENDAR = (FIXTURES / "fed_fomccalendars_snapshot_lastupdate_2026-04-08.htm").read_text()


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


class FakeFed:
    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str, str]] = {}
        self.requests: list[str] = []
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._serve)
        self.server = TestServer(app, host="127.0.0.1")

    def page(self, path: str, body: str, status: int = 200, content_type: str = "text/html") -> None:
        self.pages[path] = (status, body, content_type)

    async def _serve(self, request: web.Request) -> web.Response:
        key = request.path + (f"?id={request.query['id']}" if "id" in request.query else "")
        self.requests.append(key)
        status, body, content_type = self.pages.get(key, (404, "not found", "text/plain"))
        return web.Response(status=status, text=body, content_type=content_type)




@pytest.fixture
async def fed_world(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    await seed_fomc_if_empty(database, datetime(2025, 12, 1, tzinfo=timezone.utc))
    # The world at 14:00 on 10 December: the bundled history knows that day's decision, the live bot would not.
    database.call(lambda db: db.execute("DELETE FROM fomc_decisions WHERE date >= '2025-12-10'"))
    fed_site = FakeFed()
    await fed_site.server.start_server()
    published: list = []  # the alerts queued, in order
    notices: list[str] = []
    clock = Clock(ny(2025, 12, 10, 14, 0, 30))

    real = publisher(database, clock)

    async def publish(events, states=(), also=None):
        new = await real(events, states, also)
        published.extend(a for a in events if a.key in new)
        return new

    async def notify(key, text):
        notices.append(text)

    metrics = standard()
    async with aiohttp.ClientSession() as session:
        quick = RetryPolicy(attempts=1)
        base = str(fed_site.server.make_url("")).rstrip("/")
        jobs = FomcJobs(
            database=database, fed=SourceClient("fed", session, retry=quick, sleep=no_sleep),
            fred=SourceClient("fred", session, retry=quick, sleep=no_sleep), fed_url=base, fred_url=base,
            remind_hours=(24.0, 1.0), publish=publish, notify=notify, clock=clock, metrics=metrics,
        )
        yield type("FedWorld", (), dict(db=database, site=fed_site, jobs=jobs, clock=clock, published=published,
                                        notices=notices, metrics=metrics))
    await fed_site.server.close()
    database.close()


async def test_the_december_2025_cut_is_announced_once_within_the_window(fed_world):
    fed_world.site.page("/feeds/press_monetary.xml", DEC_FEED, content_type="application/xml")
    fed_world.site.page("/newsevents/pressreleases/monetary20251210a.htm", STATEMENT)

    assert await fed_world.jobs.poll_window() == 1
    (alert,) = fed_world.published
    assert alert.key == "fomc_decision|2025-12-10"
    assert alert.message == (
        "FOMC lowers the target range 25 bp to 3.50%–3.75% — third consecutive cut; next meeting 27–28 Jan"
    )
    assert "Miran" in alert.body and alert.body.endswith("monetary20251210a.htm")
    assert (alert.action, alert.lower, alert.upper, alert.change_bp) == ("lower", 3.5, 3.75, -25)
    stored = fed_world.db.call(fomc.decisions, 1)[0]
    assert (stored.lower, stored.upper, stored.change_bp, stored.source) == (3.5, 3.75, -25, "statement")

    fed_world.clock.now += timedelta(seconds=30)
    assert await fed_world.jobs.poll_window() == 0  # the next poll: already announced, not even refetched
    assert fed_world.site.requests.count("/newsevents/pressreleases/monetary20251210a.htm") == 1


async def test_an_unreadable_statement_goes_out_with_its_link_and_no_number(fed_world):
    fed_world.site.page("/feeds/press_monetary.xml", DEC_FEED, content_type="application/xml")
    no_range = STATEMENT.replace("lower the target range", "consider the range")  # the sentence is gone
    fed_world.site.page("/newsevents/pressreleases/monetary20251210a.htm", no_range)
    assert await fed_world.jobs.poll_window() == 1
    message = fed_world.published[0].message
    assert "could not read the decision" in message and "monetary20251210a.htm" in message
    assert "%" not in message


async def test_no_poll_on_a_day_without_a_decision(fed_world):
    fed_world.clock.now = ny(2025, 12, 11, 14, 0)
    assert await fed_world.jobs.poll_window() == 0
    assert fed_world.site.requests == []


async def test_an_unreachable_feed_is_logged_and_nothing_changes(fed_world):
    fed_world.site.page("/feeds/press_monetary.xml", "Service Unavailable", status=503, content_type="text/plain")
    before = fed_world.db.call(fomc.decisions)
    assert await fed_world.jobs.poll_feed() == 0
    assert fed_world.db.call(fomc.decisions) == before and fed_world.published == []


async def test_an_old_statement_in_the_feed_is_stored_as_history_not_announced(fed_world):
    fed_world.clock.now = ny(2025, 12, 20, 9, 0)  # first start ten days after the decision
    fed_world.site.page("/feeds/press_monetary.xml", DEC_FEED, content_type="application/xml")
    fed_world.site.page("/newsevents/pressreleases/monetary20251210a.htm", STATEMENT)
    assert await fed_world.jobs.poll_feed() == 0
    assert fed_world.db.call(fomc.decisions, 1)[0].source == "statement"


async def test_reminders_a_day_and_an_hour_before_each_once(fed_world):
    fed_world.clock.now = ny(2025, 12, 9, 14, 5)
    assert await fed_world.jobs.remind() == 1
    assert await fed_world.jobs.remind() == 0  # every minute, but queued once
    fed_world.clock.now = ny(2025, 12, 10, 13, 1)
    assert await fed_world.jobs.remind() == 1
    keys = [alert.key for alert in fed_world.published]
    assert keys == ["fomc_reminder|2025-12-10|24h", "fomc_reminder|2025-12-10|1h"]
    assert fed_world.published[1].message.startswith("FOMC decision in 1 hour (9–10 Dec meeting")


async def test_a_calendar_page_that_changed_shape_keeps_the_calendar_and_says_so_once(fed_world):
    broken = CALENDAR.replace("fomc-meeting", "meeting-2027")  # the markup the parser knows is gone
    fed_world.site.page("/monetarypolicy/fomccalendars.htm", broken)
    before = fed_world.db.call(fomc.meetings)
    assert await fed_world.jobs.refresh_calendar() == 0
    assert await fed_world.jobs.refresh_calendar() == 0
    assert fed_world.db.call(fomc.meetings) == before
    assert len(fed_world.notices) == 1 and "changed shape" in fed_world.notices[0]


async def test_the_real_calendar_page_refreshes_the_stored_calendar(fed_world):
    fed_world.clock.now = ny(2026, 4, 13, 6, 5)
    fed_world.site.page("/monetarypolicy/fomccalendars.htm", CALENDAR)
    assert await fed_world.jobs.refresh_calendar() > 30
    assert date(2026, 12, 9) in {m.end for m in fed_world.db.call(fomc.meetings)}


async def test_fred_confirms_and_a_missing_value_is_skipped(fed_world):
    upper = (FIXTURES / "fred_DFEDTARU_2008-12-16_to_2025-12-10.csv").read_text()
    lower = (FIXTURES / "fred_DFEDTARL_2008-12-16_to_2025-12-10.csv").read_text()
    upper = upper.replace("2025-12-09,4.00", "2025-12-09,.")  # FRED writes "." for a day without a value
    fed_world.site.page("/graph/fredgraph.csv?id=DFEDTARU", upper, content_type="text/csv")
    fed_world.site.page("/graph/fredgraph.csv?id=DFEDTARL", lower, content_type="text/csv")
    fed_world.clock.now = ny(2025, 12, 11, 9, 30)
    await fed_world.jobs.confirm_with_fred()
    october = next(d for d in fed_world.db.call(fomc.decisions) if d.date == date(2025, 10, 29))
    assert (october.lower, october.upper) == (3.75, 4.0) and "fred" in october.source
    assert fed_world.notices == []


def test_the_decision_window_is_new_york_time_across_daylight_saving():
    trigger = fomc_window_trigger()
    winter = trigger.get_next_fire_time(None, ny(2025, 12, 10, 13, 0))
    spring = trigger.get_next_fire_time(None, ny(2026, 3, 18, 13, 0))  # after DST began on 8 March
    assert winter == ny(2025, 12, 10, 13, 59, 50) and winter.utcoffset() == timedelta(hours=-5)
    assert spring == ny(2026, 3, 18, 13, 59, 50) and spring.utcoffset() == timedelta(hours=-4)
    assert spring.astimezone(timezone.utc).hour == 17 and winter.astimezone(timezone.utc).hour == 18
    assert trigger.get_next_fire_time(None, ny(2025, 12, 10, 14, 0)) == ny(2025, 12, 11, 13, 59, 50)


async def test_fed_requests_are_counted_for_metrics(fed_world):
    metrics = fed_world.metrics
    fed_world.site.page("/feeds/press_monetary.xml", "Service Unavailable", status=503, content_type="text/plain")
    await fed_world.jobs.poll_feed()
    fed_world.site.page("/feeds/press_monetary.xml", DEC_FEED, content_type="application/xml")
    fed_world.site.page("/newsevents/pressreleases/monetary20251210a.htm", STATEMENT)
    await fed_world.jobs.poll_feed()
    assert metrics.value("rotobot_polls_total", source="fed") == 3  # the failed feed, the feed, the statement
    assert metrics.value("rotobot_poll_failures_total", source="fed") == 1


async def test_a_statement_that_fails_to_load_never_replaces_a_decision_known_with_its_numbers(fed_world):
    """FRED (or the bundled history) already has the range of 10 December; the Fed's page then fails once when the
    feed is first read. The failed read used to be stored over the known decision as 'unknown', so !fomc lost the
    number and FRED's check, seeing a statement reading, never restored it."""
    from alerts.fomc.models import Decision

    known = Decision(date(2025, 12, 10), "lower", 3.5, 3.75, -25, "fred")
    fed_world.db.call(fomc.upsert_decision, known, fed_world.clock())
    fed_world.clock.now = ny(2025, 12, 20, 9, 0)
    fed_world.site.page("/feeds/press_monetary.xml", DEC_FEED, content_type="application/xml")
    fed_world.site.page("/newsevents/pressreleases/monetary20251210a.htm", "Service Unavailable", status=503,
                        content_type="text/plain")
    await fed_world.jobs.poll_feed()
    stored = {d.date: d for d in fed_world.db.call(fomc.decisions)}[date(2025, 12, 10)]
    assert (stored.action, stored.lower, stored.upper, stored.change_bp) == ("lower", 3.5, 3.75, -25)

    fed_world.site.page("/newsevents/pressreleases/monetary20251210a.htm", STATEMENT)  # the page is back
    await fed_world.jobs.poll_feed()
    stored = {d.date: d for d in fed_world.db.call(fomc.decisions)}[date(2025, 12, 10)]
    assert "statement" in stored.source and stored.votes  # read in the end, with the votes FRED does not have


async def test_a_decision_announced_without_its_number_is_followed_by_the_number_once_the_page_reads(fed_world):
    fed_world.site.page("/feeds/press_monetary.xml", DEC_FEED, content_type="application/xml")
    statement = "/newsevents/pressreleases/monetary20251210a.htm"
    fed_world.site.page(statement, "Service Unavailable", status=503, content_type="text/plain")
    assert await fed_world.jobs.poll_window() == 1
    assert "could not read the decision" in fed_world.published[0].message

    fed_world.clock.now += timedelta(seconds=30)
    assert await fed_world.jobs.poll_window() == 0  # still failing: nothing said twice
    fed_world.site.page(statement, STATEMENT)
    fed_world.clock.now += timedelta(seconds=30)
    assert await fed_world.jobs.poll_window() == 1
    follow_up = fed_world.published[1]
    assert follow_up.key == "fomc_decision|2025-12-10|read"
    assert follow_up.message.startswith("FOMC lowers the target range 25 bp to 3.50%–3.75%")
    assert follow_up.body.startswith("The statement could not be read at first")
    fed_world.clock.now += timedelta(seconds=30)
    assert await fed_world.jobs.poll_window() == 0
    assert len(fed_world.published) == 2


async def test_the_window_poll_and_the_quarter_hour_poll_at_once_read_the_statement_once(fed_world):
    """They are two scheduler jobs and meet at 14:00, 14:15 and 14:30: one waits for the other, so a failed read
    in one can never race a good read in the other into announcing nothing."""
    import asyncio

    fed_world.site.page("/feeds/press_monetary.xml", DEC_FEED, content_type="application/xml")
    fed_world.site.page("/newsevents/pressreleases/monetary20251210a.htm", STATEMENT)
    counts = await asyncio.gather(fed_world.jobs.poll_window(), fed_world.jobs.poll_feed())
    assert sorted(counts) == [0, 1]
    assert fed_world.site.requests.count("/newsevents/pressreleases/monetary20251210a.htm") == 1


async def test_fred_series_are_parsed_and_dated_off_the_event_loop(fed_world, monkeypatch):
    """Both target-range series and their dating take 15-20 ms: on a worker thread, never on the loop."""
    import threading

    import bot.jobs.fomc as module

    loop_thread, threads = threading.get_ident(), []
    for name in ("parse_fred_csv", "decisions_from_ranges"):
        real = getattr(module, name)

        def traced(*args, real=real):
            threads.append(threading.get_ident())
            return real(*args)

        monkeypatch.setattr(module, name, traced)
    upper = (FIXTURES / "fred_DFEDTARU_2008-12-16_to_2025-12-10.csv").read_text()
    lower = (FIXTURES / "fred_DFEDTARL_2008-12-16_to_2025-12-10.csv").read_text()
    fed_world.site.page("/graph/fredgraph.csv?id=DFEDTARU", upper, content_type="text/csv")
    fed_world.site.page("/graph/fredgraph.csv?id=DFEDTARL", lower, content_type="text/csv")
    await fed_world.jobs.confirm_with_fred()
    assert len(threads) == 3 and loop_thread not in threads
