"""Review 5: defects in the FOMC watch, each pinned by a test that fails on the code it was written against.

Real parts throughout: a real SQLite file in tmp_path, the real FomcJobs / ProjectionsReader / SourceClient over
real loopback HTTP serving the real recorded Fed documents (tests/fixtures/fomc), a simulated clock whose sleeps
move time (nothing sleeps for real, nothing touches the internet)."""

from __future__ import annotations

import asyncio
import threading
import time as wall
from datetime import datetime, timezone
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from alerts.market.source_client import RetryPolicy, SourceClient
from bot.jobs.fomc import FomcJobs
from bot.jobs.fomc_projections import ProjectionsReader
from bot.jobs.seed import seed_fomc_if_empty
from storage import fomc
from storage.database import Database
from tests.conftest import publisher
from tests.fomc.test_fomc_jobs import DEC_FEED, STATEMENT, ny
from tests.fomc.test_release_window import SimulatedTime

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "fomc"
SEP = (FIXTURES / "fomcprojtabl20251210.htm").read_text(encoding="utf-8-sig")
PAGE = "/newsevents/pressreleases/monetary20251210a.htm"
SEP_PAGE = "/monetarypolicy/fomcprojtabl20251210.htm"
FEED_PATH = "/feeds/press_monetary.xml"


class Fed:
    """A loopback federalreserve.gov: `pages` maps a path to (status, body, headers); anything else is a 404."""

    def __init__(self, time: SimulatedTime) -> None:
        self.time = time
        self.pages: dict[str, tuple[int, str, dict]] = {}
        self.requests: list[tuple[datetime, str]] = []
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._serve)
        self.server = TestServer(app, host="127.0.0.1")

    async def _serve(self, request: web.Request) -> web.Response:
        self.requests.append((self.time(), request.path))
        status, body, headers = self.pages.get(request.path, (404, "not found", {}))
        if 300 <= status < 400:
            return web.Response(status=status, headers=headers)
        ctype = "application/xml" if request.path.endswith(".xml") else "text/html"
        return web.Response(status=status, text=body, content_type=ctype, headers=headers)


@pytest.fixture
async def world(tmp_path):
    """10 December 2025 in a fresh rotobot: the shipped calendar and history, without that day's decision."""
    database = Database.open(tmp_path / "rotobot.db")
    await seed_fomc_if_empty(database, datetime(2025, 12, 1, tzinfo=timezone.utc))
    database.call(lambda db: db.execute("DELETE FROM fomc_decisions WHERE date >= '2025-12-10'"))
    time = SimulatedTime(ny(2025, 12, 10, 13, 59, 50))
    site = Fed(time)
    await site.server.start_server()
    base = str(site.server.make_url("")).rstrip("/")
    published: list = []
    notices: list[str] = []
    real = publisher(database, time)

    async def publish(alerts, states=(), also=None):
        new = await real(alerts, states, also)
        published.extend(a for a in alerts if a.key in new)
        return new

    async def notify(key, text):
        notices.append(text)

    async with aiohttp.ClientSession() as session:
        # As bot/wiring.py builds it: one shared Fed client, one request at a time, a second apart.
        fed = SourceClient("fed", session, max_concurrency=1, min_interval=1.0, retry=RetryPolicy(attempts=1),
                           sleep=time.sleep, clock=time.monotonic)
        jobs = FomcJobs(database=database, fed=fed, fred=fed, fed_url=base, fred_url=base, remind_hours=(24.0, 1.0),
                        publish=publish, notify=notify, clock=time)
        reader = ProjectionsReader(database=database, fed=fed, fed_url=base, publish=publish, notify=notify,
                                   clock=time)
        yield type("World", (), dict(db=database, site=site, time=time, jobs=jobs, reader=reader,
                                     published=published, notices=notices, session=session, base=base))
    await site.server.close()
    database.close()


async def test_the_projections_page_is_not_parsed_on_the_event_loop(world, monkeypatch):
    """BREAK: the event loop stalls ~40 ms at 2:00 pm on every SEP meeting.

    ProjectionsReader.read (bot/jobs/fomc_projections.py, `parse_projections(response.body.decode(...))`) parses
    the whole 241 KB accessible SEP page with html.parser right on the event loop, in the release window, seconds
    after the decision. On the real December 2025 page that takes ~35-40 ms here: every other task (Discord's
    heartbeat, the dispatcher sending the decision alert just queued, commands) waits that long, twice the 20 ms
    rotobot promises. The parse must run on a worker thread (asyncio.to_thread) like the dot plot does."""
    import bot.jobs.fomc_projections as module

    loop_thread = threading.get_ident()
    calls: list[tuple[bool, float]] = []
    real_parse = module.parse_projections

    def timed(html):
        started = wall.perf_counter()
        try:
            return real_parse(html)
        finally:
            calls.append((threading.get_ident() == loop_thread, wall.perf_counter() - started))

    monkeypatch.setattr(module, "parse_projections", timed)
    world.site.pages[SEP_PAGE] = (200, SEP, {})
    world.time.now = ny(2025, 12, 10, 14, 0, 5)
    assert await world.reader.read(ny(2025, 12, 10).date(), (3.5, 3.75)) == "stored"
    (on_loop, took), = calls
    assert not on_loop, f"parse_projections ran on the event loop ({took * 1000:.0f} ms)"


async def test_projections_read_by_the_catch_up_count_from_the_range_decided_that_day(world):
    """BREAK: a wrong number in the projections alert: "two cuts from today's 3.75–4.00%" on 10 December 2025.

    rotobot restarts at 14:06 on a decision day (or the statement could not be read in the window, which then
    never reads the projections). The next look at both comes from the quarter-hour jobs: fomc_feed
    (FomcJobs.poll_feed) and fomc_projections (ProjectionsReader.catch_up) have identical IntervalTrigger(minutes=15)
    added together (bot/schedule.py), so they fire together. catch_up asks ProjectionsReader.owed for "the range in
    force now" at once (bot/jobs/fomc_projections.py owed: the latest stored decision on or before the day with a
    range) while poll_feed is still fetching the feed and the statement (two requests a second apart): today's
    decision is not stored yet, so owed hands back October's 3.75–4.00%. The alert then counts 25 bp moves from a
    range that is no longer in force and calls it today's: 3.4% against a 3.875 midpoint is "two cuts", where the
    real range 3.50–3.75 makes it one. Fix: owed/read should take the range only from the meeting's own decision
    (read first, or wait for it), and say no count (None) while that decision is not known."""
    world.site.pages[FEED_PATH] = (200, DEC_FEED, {})
    world.site.pages[PAGE] = (200, STATEMENT, {})
    world.site.pages[SEP_PAGE] = (200, SEP, {})
    world.time.now = ny(2025, 12, 10, 14, 21)  # the first quarter-hour after a restart at 14:06
    await asyncio.gather(world.jobs.poll_feed(), world.reader.catch_up())  # as the scheduler fires them
    decision, = [a for a in world.published if a.key == "fomc_decision|2025-12-10"]
    assert (decision.lower, decision.upper) == (3.5, 3.75)
    projections, = [a for a in world.published if a.key == "fomc_projections|2025-12-10"]
    assert (projections.lower, projections.upper) in ((3.5, 3.75), (None, None)), projections.message
    assert "3.75–4.00%" not in projections.message


async def test_a_statement_page_cut_short_never_gives_a_vote(world):
    """BREAK: a truncated statement page yields a half-read vote: !fomc says "vote 2025-12-10: 9–0", the alert has
    no dissent, for a meeting with three dissents (Miran; Goolsbee and Schmid).

    The release window (FomcJobs._read_release_page -> _read_decision -> alerts/fomc/statement.py read_statement)
    takes any 200 whose text has the decision sentence. read_statement never checks that the page is whole: the
    vote is whatever "Voting for ..." / "Voting against ..." sentences happen to be in the bytes received. Here the
    real 10 December 2025 page arrives cut right after "Voting for ... Christopher J. Waller." (a download cut short
    that still ends cleanly, a page caught mid-publish): the decision is stored as read ("statement"), so it is
    never read again, and its vote is 9 for and nobody against. Fix: refuse (or hold as not yet read, looked at
    again) a statement page that is cut short, e.g. whose text stops inside or right after the vote paragraph
    without the page's end (the press-contact paragraph, the closing markup), as the SEP parser refuses a table
    without its </table>; at least never store a vote from such a page."""
    from alerts.fomc.announce import vote_line

    cut = STATEMENT[: STATEMENT.index("Christopher J. Waller.") + len("Christopher J. Waller.")]
    world.site.pages[PAGE] = (200, cut, {})
    world.time.now = ny(2025, 12, 10, 14, 0, 1)
    await world.jobs.poll_window(feed=False)
    stored = {d.date: d for d in world.db.call(fomc.decisions, 3)}.get(ny(2025, 12, 10).date())
    assert stored is not None and (stored.action, stored.lower, stored.upper) == ("lower", 3.5, 3.75)  # its decision
    assert vote_line(stored.votes) == "" or stored.votes.get("against"), \
        f"a page cut short stored the vote {vote_line(stored.votes)!r} (the meeting had three dissents)"


async def test_another_meetings_statement_at_the_days_address_is_not_announced_as_the_days_decision(world):
    """BREAK: a different meeting's statement produces a number: "FOMC lowers the target range 25 bp to 3.75%–4.00%"
    announced (and stored as read, so never corrected by the statement) for 10 December 2025.

    The address monetary20251210a.htm answers with the real 29 October 2025 statement (a stale mirror or cache at
    fed_url, a CMS that serves the latest release at a not-yet-published address). FomcJobs._read_decision hands
    the text to read_statement (alerts/fomc/statement.py), which reads the decision sentence and never looks at the
    page's own date ("October 29, 2025" above its title here; "December 10, 2025" in p.article__time on the live
    page). The projections reader refuses another meeting's page (ProjectionsReader.read checks
    projections.meeting); the statement path has no such check. Fix: read the release date from the page and
    refuse (operator notice, look again) a statement whose date is not the day asked for."""
    october = (FIXTURES / "statement_2025-10-29_pagetext.txt").read_text(encoding="utf-8")
    world.site.pages[PAGE] = (200, october, {})
    world.time.now = ny(2025, 12, 10, 14, 0, 1)
    await world.jobs.poll_window(feed=False)
    said = [a.message for a in world.published if a.key.startswith("fomc_decision|2025-12-10")]
    assert not any("3.75%–4.00%" in message for message in said), said
    stored = {d.date: d for d in world.db.call(fomc.decisions, 3)}.get(ny(2025, 12, 10).date())
    assert stored is None or (stored.lower, stored.upper) != (3.75, 4.0)


async def test_a_redirect_is_a_request_too_and_is_spaced_a_second_apart(world):
    """BREAK: more than one request a second to the Fed: two requests in the same instant whenever the Fed answers
    with a redirect.

    SourceClient (alerts/market/source_client.py _try_once) spaces the *calls* it makes a second apart
    (_wait_for_turn), then lets aiohttp's session.get follow redirects by itself (allow_redirects defaults to True,
    up to 10 hops): every hop is another request to the Fed with no spacing at all. A 301 from the statement's
    address to its canonical one (or fed_url set to https://federalreserve.gov, which the Fed redirects to www, so
    that every request of every job is doubled) makes the window's 2 s look two requests in the same millisecond.
    Fix: allow_redirects=False and follow a redirect as a new spaced request (or count hops in the pacing)."""
    world.site.pages[PAGE] = (301, "", {"Location": "/newsevents/pressreleases/monetary20251210a-canonical.htm"})
    world.site.pages["/newsevents/pressreleases/monetary20251210a-canonical.htm"] = (200, STATEMENT, {})
    world.time.now = ny(2025, 12, 10, 14, 0, 1)
    await world.jobs.poll_window(feed=False)
    times = [t for t, _ in world.site.requests]
    assert len(times) >= 2
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
    assert all(gap >= 1.0 for gap in gaps), f"requests to the Fed {gaps} s apart: {world.site.requests}"
