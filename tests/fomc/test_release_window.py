"""The release window on a simulated clock: the statement's own page every 2 s (conditionally), the feed every
10 s, read the moment the page answers, never more than one request a second to the Fed, stopped once read.

A real SQLite file, the real FomcJobs and SourceClient over real HTTP to a loopback Fed; the clock and every
sleep are simulated (a sleep moves the clock), so a five-minute window runs in a moment."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from alerts.market.source_client import RetryPolicy, SourceClient
from bot.jobs.fomc import FomcJobs
from bot.jobs.fomc_projections import ProjectionsReader
from bot.jobs.fomc_release import watch_release
from bot.jobs.seed import seed_fomc_if_empty
from storage import fomc
from storage.database import Database
from tests.conftest import publisher
from tests.fomc.test_fomc_jobs import DEC_FEED, FEED, STATEMENT, ny

PAGE = "/newsevents/pressreleases/monetary20251210a.htm"
SEP = (Path(__file__).resolve().parent.parent / "fixtures" / "fomc" / "fomcprojtabl20251210.htm").read_text(
    encoding="utf-8-sig")
# Before 2:00 pm the feed has no statement of the day: the recorded capture with its statement item taken out
# (what is left is its real minutes item).
BEFORE = FEED[:FEED.index("<item>")] + FEED[FEED.index("</item>") + len("</item>"):]


class SimulatedTime:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.now.timestamp()

    async def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=max(0.0, seconds))


class ReleasingFed:
    """The Fed's site: the statement page is a 404 until `appears_at`, then the statement, with an ETag that a
    conditional request matches (304); the feed lists the statement once it is out."""

    def __init__(self, time: SimulatedTime, appears_at: datetime | None, placeholder: bool = False,
                 projections: str | None = None) -> None:
        self.time, self.appears_at, self.placeholder, self.projections = time, appears_at, placeholder, projections
        self.requests: list[tuple[datetime, str, str | None]] = []
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._serve)
        self.server = TestServer(app, host="127.0.0.1")

    def out(self) -> bool:
        return self.appears_at is not None and self.time() >= self.appears_at

    async def _serve(self, request: web.Request) -> web.Response:
        self.requests.append((self.time(), request.path, request.headers.get("If-None-Match")))
        if request.path == PAGE and self.out():
            if request.headers.get("If-None-Match") == '"statement"':
                return web.Response(status=304)
            return web.Response(text=STATEMENT, content_type="text/html", headers={"ETag": '"statement"'})
        if request.path == PAGE and self.placeholder:  # a page there before its statement, unchanged until 2 pm
            if request.headers.get("If-None-Match") == '"placeholder"':
                return web.Response(status=304)
            return web.Response(text="<p>Check back later.</p>", content_type="text/html",
                                headers={"ETag": '"placeholder"'})
        if request.path == "/monetarypolicy/fomcprojtabl20251210.htm" and self.out() and self.projections:
            return web.Response(text=self.projections, content_type="text/html")
        if request.path == "/feeds/press_monetary.xml":
            return web.Response(text=DEC_FEED if self.out() else BEFORE, content_type="application/xml")
        return web.Response(status=404, text="not found")


@pytest.fixture
async def window(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    await seed_fomc_if_empty(database, datetime(2025, 12, 1, tzinfo=timezone.utc))
    database.call(lambda db: db.execute("DELETE FROM fomc_decisions WHERE date >= '2025-12-10'"))
    time = SimulatedTime(ny(2025, 12, 10, 13, 59, 50))
    published = []
    real = publisher(database, time)

    async def publish(alerts, states=(), also=None):
        new = await real(alerts, states, also)
        published.extend((time(), a) for a in alerts if a.key in new)
        return new

    notices = []

    async def notify(key, text):
        notices.append(text)

    sites = []

    caught = []

    async def run(appears_at, placeholder=False, projections=SEP, catch_up_at=None):
        site = ReleasingFed(time, appears_at, placeholder, projections)
        sites.append(site)
        await site.server.start_server()
        base = str(site.server.make_url("")).rstrip("/")
        async with aiohttp.ClientSession() as session:
            # As bot/wiring.py builds it: one request at a time, a second apart.
            fed = SourceClient("fed", session, max_concurrency=1, min_interval=1.0, retry=RetryPolicy(attempts=1),
                               sleep=time.sleep, clock=time.monotonic)
            jobs = FomcJobs(database=database, fed=fed, fred=fed, fed_url=base, fred_url=base,
                            remind_hours=(24.0, 1.0), publish=publish, notify=notify, clock=time)
            reader = ProjectionsReader(database=database, fed=fed, fed_url=base, publish=publish, notify=notify,
                                       clock=time)
            announced = await watch_release(jobs, time, time.sleep, projections=reader)
            if catch_up_at is not None:  # the quarter-hour job, later that day, when the page is up
                site.projections, time.now = SEP, catch_up_at
                caught.append(await reader.catch_up())
        return site, announced

    yield type("Window", (), dict(run=staticmethod(run), time=time, published=published, db=database,
                                  notices=notices, caught=caught))
    for site in sites:
        await site.server.close()
    database.close()


async def test_the_statement_is_read_the_moment_its_page_answers_and_the_window_stops(window):
    appears = ny(2025, 12, 10, 14, 0, 0, 400_000)
    site, announced = await window.run(appears)
    assert announced == 2  # the decision, then the projections that came with it
    (when, alert), _ = window.published
    assert alert.message.startswith("FOMC lowers the target range 25 bp to 3.50%–3.75%")
    # Queued within 2 s of the page's first answer, by whichever look saw it first (here the feed's, a second
    # after the page's look at 14:00:00); the alert's time is the release's (the feed's 14:00:00, or the page's
    # answer), never later than the queueing.
    assert timedelta(0) <= when - appears <= timedelta(seconds=2)
    assert ny(2025, 12, 10, 14, 0) <= alert.occurred_at <= when
    assert alert.statement_url == "https://www.federalreserve.gov" + PAGE  # the public link, whatever fed_url is
    last = site.requests[-1][0]
    assert last <= appears + timedelta(seconds=4)  # and nothing after: the window stopped once both were read
    stored = window.db.call(fomc.decisions, 1)[0]
    assert (stored.action, stored.lower, stored.upper) == ("lower", 3.5, 3.75)


async def test_the_fed_never_gets_more_than_one_request_a_second(window):
    site, announced = await window.run(None)  # the statement never comes: the whole window, 13:59:50 to 14:05
    assert announced == 0 and window.time() >= ny(2025, 12, 10, 14, 5)
    times = [t for t, _, _ in site.requests]
    assert all((b - a) >= timedelta(seconds=1) for a, b in zip(times, times[1:]))
    pages = [t for t, path, _ in site.requests if path == PAGE]
    feeds = [t for t, path, _ in site.requests if path == "/feeds/press_monetary.xml"]
    assert 140 <= len(pages) <= 158 and 30 <= len(feeds) <= 32  # every 2 s and every 10 s for 5 min 10 s
    assert len(times) <= (ny(2025, 12, 10, 14, 5) - ny(2025, 12, 10, 13, 59, 50)).total_seconds() + 1


async def test_an_unchanged_page_is_asked_for_conditionally(window):
    """A page that is there before its statement (and unchanged) costs a 304 at every look after the first."""
    appears = ny(2025, 12, 10, 14, 0, 1)
    site, announced = await window.run(appears, placeholder=True)
    looks = [(t, etag) for t, path, etag in site.requests if path == PAGE]
    assert announced == 2
    before = [etag for t, etag in looks if t < appears]
    assert before[0] is None and before[1:] == ['"placeholder"'] * (len(before) - 1)  # each a 304
    assert len(before) >= 5  # 13:59:50 to 14:00:00, every 2 s


async def test_no_request_on_a_day_without_a_decision(window):
    window.time.now = ny(2025, 12, 11, 13, 59, 50)
    site, announced = await window.run(ny(2025, 12, 11, 14, 0))
    assert announced == 0 and site.requests == []


async def test_a_window_started_late_reads_at_once_and_one_started_after_it_does_nothing(window):
    window.time.now = ny(2025, 12, 10, 14, 3)  # rotobot came up at 14:03
    site, announced = await window.run(ny(2025, 12, 10, 14, 0, 0, 300_000))
    assert announced == 2
    assert [path for _, path, _ in site.requests] == [PAGE, "/monetarypolicy/fomcprojtabl20251210.htm"]


async def test_the_projections_are_read_right_after_the_decision_in_the_same_window(window):
    appears = ny(2025, 12, 10, 14, 0, 0, 600_000)
    _, announced = await window.run(appears, projections=SEP)
    assert announced == 2
    (decided_at, decision), (projected_at, projections) = window.published
    assert decision.key == "fomc_decision|2025-12-10" and projections.key == "fomc_projections|2025-12-10"
    assert projections.message.startswith("Fed projections: median funds rate 3.4% at end-2026 (one cut from "
                                          "today's 3.50–3.75%)")
    assert timedelta(0) <= projected_at - decided_at <= timedelta(seconds=3)


async def test_a_projections_page_that_changed_shape_leaves_the_decision_alone_with_one_notice(window):
    appears = ny(2025, 12, 10, 14, 0, 0, 600_000)
    damaged = SEP.replace("Table 1", "Tableau 1")  # derived here from the real page: its Table 1 is gone
    _, announced = await window.run(appears, projections=damaged)
    assert announced == 1 and [a.key for _, a in window.published] == ["fomc_decision|2025-12-10"]
    assert len(window.notices) == 1 and "projections page" in window.notices[0]


async def test_projections_not_out_by_14_05_are_read_by_the_quarter_hour_catch_up(window):
    _, announced = await window.run(ny(2025, 12, 10, 14, 0, 0, 500_000), projections=None,
                                    catch_up_at=ny(2025, 12, 10, 14, 15))
    assert announced == 1 and window.caught == ["stored"]
    assert [a.key for _, a in window.published] == ["fomc_decision|2025-12-10", "fomc_projections|2025-12-10"]
