"""ProjectionsReader end to end: a real SQLite file, the real HTTP client and publisher, and a loopback Fed serving
the real December 2025 SEP page (or damaged copies of it, made inside the tests)."""

from __future__ import annotations

import socket
from datetime import date, datetime, timedelta

import aiohttp
import pytest

from alerts.fomc.announce import NEW_YORK
from alerts.fomc.projections import parse_projections
from alerts.market.source_client import RetryPolicy, SourceClient
from alerts.payloads import FomcProjectionsAlert
from bot.jobs.fomc_projections import ProjectionsReader
from bot.metrics import standard
from storage import fomc, outbox
from storage.database import Database
from tests.conftest import Clock, no_sleep, publisher
from tests.fomc.test_fomc_jobs import FIXTURES, FakeFed

PAGE = (FIXTURES / "fomcprojtabl20251210.htm").read_bytes().decode("utf-8")
DECEMBER = date(2025, 12, 10)
FIRST = "/monetarypolicy/fomcprojtabl20251210.htm"
SECOND = "/monetarypolicy/fomcprojtable20251210.htm"
IN_FORCE = (3.5, 3.75)
MESSAGE = ("Fed projections: median funds rate 3.4% at end-2026 (one cut from today's 3.50–3.75%), 3.1% in 2027 and "
           "2028, 3.0% longer run; 2026 unchanged from September")


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


class World:
    """The reader over a real database, with what it published and noticed."""

    def __init__(self, database, site, session, base: str, retry: RetryPolicy) -> None:
        self.db, self.site = database, site
        self.clock = Clock(ny(2025, 12, 10, 14, 0, 20))
        self.published: list = []
        self.notices: list[tuple[str, str]] = []
        self.metrics = standard()
        real = publisher(database, self.clock)

        async def publish(alerts, states=(), also=None):
            new = await real(alerts, states, also)
            self.published.extend(a for a in alerts if a.key in new)
            return new

        async def notify(key, text):
            self.notices.append((key, text))

        self.fed = SourceClient("fed", session, retry=retry, sleep=no_sleep)
        self.reader = ProjectionsReader(database=database, fed=self.fed, fed_url=base + "/", publish=publish,
                                        notify=notify, clock=self.clock, metrics=self.metrics)

    def stored(self):
        return self.db.call(fomc.projections)


@pytest.fixture
async def world(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    site = FakeFed()
    await site.server.start_server()
    async with aiohttp.ClientSession() as session:
        # The production retry policy (four tries): one read must still ask each spelling once.
        yield World(database, site, session, str(site.server.make_url("")).rstrip("/"), RetryPolicy())
    await site.server.close()
    database.close()


async def test_the_real_page_is_stored_and_announced_once(world):
    world.site.page(FIRST, PAGE)
    assert await world.reader.read(DECEMBER, IN_FORCE) == "stored"
    assert world.site.requests == [FIRST]
    (alert,) = world.published
    assert isinstance(alert, FomcProjectionsAlert) and alert.key == "fomc_projections|2025-12-10"
    assert alert.message == MESSAGE
    assert alert.occurred_at == ny(2025, 12, 10, 14, 0)  # the release, not the read
    assert alert.body.endswith(FIRST)
    (stored,) = world.stored()
    assert stored.projections == parse_projections(PAGE)
    assert stored.source_url.endswith(FIRST) and "//monetarypolicy" not in stored.source_url
    assert world.db.call(outbox.find, alert.key).alert == alert

    world.clock.now += timedelta(seconds=30)  # the watcher's next look
    assert await world.reader.read(DECEMBER, IN_FORCE) == "known"
    assert world.site.requests == [FIRST]  # no request
    assert len(world.published) == 1 and world.db.call(outbox.pending_count) == 1  # nothing queued
    assert world.notices == []


async def test_the_other_spelling_is_tried_when_the_first_is_not_there(world):
    world.site.page(SECOND, PAGE)
    assert await world.reader.read(DECEMBER, IN_FORCE) == "stored"
    assert world.site.requests == [FIRST, SECOND]
    assert world.stored()[0].source_url.endswith(SECOND)
    assert world.published[0].message == MESSAGE


async def test_not_there_yet_stores_and_says_nothing_and_the_next_look_asks_again(world):
    assert await world.reader.read(DECEMBER, IN_FORCE) == "missing"
    assert world.site.requests == [FIRST, SECOND]  # one request per spelling, no retry of a 404
    assert await world.reader.read(DECEMBER, IN_FORCE) == "missing"
    assert world.site.requests == [FIRST, SECOND, FIRST, SECOND]
    assert (world.stored(), world.published, world.notices) == ([], [], [])
    world.site.page(FIRST, PAGE)  # 14:00: it is out
    assert await world.reader.read(DECEMBER, IN_FORCE) == "stored"


@pytest.mark.parametrize("status", [500, 503])
async def test_a_fed_that_fails_is_asked_once_and_not_retried_within_the_look(world, status):
    world.site.page(FIRST, "Service Unavailable", status=status, content_type="text/plain")
    world.site.page(SECOND, PAGE)
    assert await world.reader.read(DECEMBER, IN_FORCE) == "missing"
    assert world.site.requests == [FIRST]  # the retry policy has four tries; this look makes one
    assert (world.stored(), world.published, world.notices) == ([], [], [])
    assert world.metrics.render().count('rotobot_poll_failures_total{source="fed"} 1') == 1


async def test_an_unreachable_fed_is_missing(tmp_path):
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    database = Database.open(tmp_path / "rotobot.db")
    try:
        async with aiohttp.ClientSession() as session:
            world = World(database, None, session, f"http://127.0.0.1:{port}", RetryPolicy())
            assert await world.reader.read(DECEMBER, IN_FORCE) == "missing"
            assert world.fed.requests_sent == 1
            assert (world.stored(), world.published, world.notices) == ([], [], [])
    finally:
        database.close()


@pytest.mark.parametrize("page, reason", [
    (PAGE[: PAGE.index('<table aria-labelledby="xt6 xt6p1b"') + 2000], "the dot plot is cut off"),  # cut short
    ("<html><body><h1>Page moved</h1></body></html>", "no Table 1"),
    ("", "empty page"),
])
async def test_a_page_that_changed_shape_is_skipped_with_one_notice(world, page, reason):
    world.site.page(FIRST, page)
    world.site.page(SECOND, PAGE)  # never asked: the first 200 wins
    assert await world.reader.read(DECEMBER, IN_FORCE) == "skipped"
    assert world.site.requests == [FIRST]
    assert (world.stored(), world.published) == ([], [])
    ((key, text),) = world.notices
    assert key == "fomc-projections-2025-12-10" and "changed shape" in text and reason in text and FIRST in text

    assert await world.reader.read(DECEMBER, IN_FORCE) == "skipped"  # looked at again, said once
    assert world.site.requests == [FIRST, FIRST] and len(world.notices) == 1
    world.site.page(FIRST, PAGE)  # the whole page this time
    assert await world.reader.read(DECEMBER, IN_FORCE) == "stored"
    assert [a.message for a in world.published] == [MESSAGE] and len(world.notices) == 1


async def test_another_meetings_page_is_not_stored_as_this_one(world):
    world.site.page("/monetarypolicy/fomcprojtabl20250917.htm", PAGE)  # December's page under September's name
    assert await world.reader.read(date(2025, 9, 17), (4.0, 4.25)) == "skipped"
    ((_, text),) = world.notices
    assert "the projections of the 2025-12-10 meeting, not of 2025-09-17" in text
    assert world.stored() == [] and world.published == []


async def test_the_projections_and_their_alert_are_one_transaction(world):
    world.site.page(FIRST, PAGE)
    world.db.call(lambda d: d.execute("CREATE TRIGGER refuse AFTER INSERT ON outbox BEGIN "
                                      "SELECT RAISE(ABORT, 'disk full'); END"))
    with pytest.raises(Exception, match="disk full"):
        await world.reader.read(DECEMBER, IN_FORCE)
    assert world.stored() == []  # the alert could not be queued, so the projections were not stored either
    world.db.call(lambda d: d.execute("DROP TRIGGER refuse"))
    assert await world.reader.read(DECEMBER, IN_FORCE) == "stored"
    assert [a.message for a in world.published] == [MESSAGE]


async def test_projections_first_read_long_after_the_meeting_are_stored_as_history(world):
    world.site.page(FIRST, PAGE)
    world.clock.now = ny(2026, 1, 5, 9, 0)  # a first start weeks later
    assert await world.reader.read(DECEMBER, IN_FORCE) == "stored"
    assert world.published == [] and len(world.stored()) == 1


async def test_without_a_range_in_force_the_alert_counts_no_moves(world):
    world.site.page(FIRST, PAGE)
    assert await world.reader.read(DECEMBER, None) == "stored"
    assert world.published[0].message.startswith("Fed projections: median funds rate 3.4% at end-2026, 3.1% in 2027")
    assert world.published[0].implied_moves is None
