"""First with the Fed: 50 simulated releases of the 10 December 2025 statement.

Each release runs the real release window (bot/jobs/fomc_release.py), FomcJobs, SourceClient, outbox,
dispatcher, console transport and webhook transport, over real HTTP to a loopback Fed and a loopback webhook,
on a fresh SQLite file. The Fed's statement page appears at a random sub-second moment after 14:00:00. The
clock is real time, except that every sleep of the window (and of the Fed client's one-request-a-second pace)
jumps ahead instead of waiting, so each release takes a fraction of a second. Printed: from the page's
appearance to the alert queued, and to its delivery on the console and the webhook (p50, p95, max), and the
requests each release sent the Fed.
"""

from __future__ import annotations

import asyncio
import io
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

from alerts.fomc.announce import NEW_YORK
from alerts.market.source_client import RetryPolicy, SourceClient
from bench.summary import record
from bot.dispatch import Dispatcher
from bot.jobs.fomc import FomcJobs
from bot.jobs.fomc_release import watch_release
from bot.jobs.publish import make_publisher
from bot.jobs.seed import seed_fomc_if_empty
from bot.secret import Secret
from bot.transports.console import ConsoleTransport
from bot.transports.webhook import WebhookTransport
from storage.database import Database

RELEASES = 50
FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "fomc"
STATEMENT = (FIXTURES / "monetary20251210a_article_excerpt.htm").read_text()
CAPTURE = (FIXTURES / "press_monetary_trimmed_capture_2026-08-15.xml").read_text()
# The recorded feed with its statement item set to 10 December (after 14:00), or taken out (before).
AFTER = CAPTURE.replace("monetary20260729a.htm", "monetary20251210a.htm").replace(
    "Wed, 29 Jul 2026 18:00:00 GMT", "Wed, 10 Dec 2025 19:00:00 GMT")
BEFORE = CAPTURE[:CAPTURE.index("<item>")] + CAPTURE[CAPTURE.index("</item>") + len("</item>"):]
PAGE = "/newsevents/pressreleases/monetary20251210a.htm"
OPENS = datetime(2025, 12, 10, 13, 59, 50, tzinfo=NEW_YORK)


class JumpingClock:
    """Real time from `start`, plus every sleep taken as a jump ahead rather than a wait."""

    def __init__(self, start: datetime) -> None:
        self._start, self._began, self._jumped = start, time.perf_counter(), 0.0

    def __call__(self) -> datetime:
        return self._start + timedelta(seconds=time.perf_counter() - self._began + self._jumped)

    def monotonic(self) -> float:
        return time.perf_counter() + self._jumped

    async def sleep(self, seconds: float) -> None:
        self._jumped += max(0.0, seconds)
        await asyncio.sleep(0)


class Loopbacks:
    """The Fed (its page out from `appears_at`) and a webhook, both noting when, on the clock, they were asked."""

    def __init__(self, clock: JumpingClock) -> None:
        self.clock = clock
        self.appears_at: datetime | None = None
        self.fed_requests = 0
        self.webhook_at: datetime | None = None
        app = web.Application()
        app.router.add_post("/api/webhooks/{id}/{token}", self._webhook)
        app.router.add_get("/{tail:.*}", self._fed)
        self.app = app

    async def _fed(self, request: web.Request) -> web.Response:
        self.fed_requests += 1
        out = self.appears_at is not None and self.clock() >= self.appears_at
        if request.path == PAGE and out:
            return web.Response(text=STATEMENT, content_type="text/html", headers={"ETag": '"statement"'})
        if request.path == "/feeds/press_monetary.xml":
            return web.Response(text=AFTER if out else BEFORE, content_type="application/xml")
        return web.Response(status=404, text="not found")

    async def _webhook(self, request: web.Request) -> web.Response:
        if "FOMC" in (await request.json()).get("content", ""):
            self.webhook_at = self.webhook_at or self.clock()
        return web.Response(status=204)


class WatchedOutput(io.StringIO):
    def __init__(self, clock: JumpingClock) -> None:
        super().__init__()
        self.clock, self.seen_at = clock, None

    def write(self, text: str) -> int:
        if "FOMC" in text and self.seen_at is None:
            self.seen_at = self.clock()
        return super().write(text)


async def one_release(folder: Path, offset: float) -> tuple[float, float, float, int]:
    clock = JumpingClock(OPENS)
    sites = Loopbacks(clock)
    runner = web.AppRunner(sites.app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    database = Database.open(folder / "rotobot.db")
    queued_at: list[datetime] = []
    try:
        await seed_fomc_if_empty(database, datetime(2025, 12, 1, tzinfo=timezone.utc))
        database.call(lambda db: db.execute("DELETE FROM fomc_decisions WHERE date >= '2025-12-10'"))
        sites.appears_at = datetime(2025, 12, 10, 14, 0, tzinfo=NEW_YORK) + timedelta(seconds=offset)
        async with aiohttp.ClientSession() as session:
            out = WatchedOutput(clock)
            console = ConsoleTransport(answer=None, on_eof=lambda: None, stdin=io.StringIO(), stdout=out,
                                       interactive=False, zone=ZoneInfo("America/New_York"))
            hook = WebhookTransport(Secret(f"{base}/api/webhooks/1/bench"), session)
            dispatcher = Dispatcher(database, [console, hook], clock, ZoneInfo("America/New_York"))
            publish = make_publisher(database, dispatcher, clock)

            async def queue(alerts, states=(), also=None):
                keys = await publish(alerts, states, also)
                if keys:
                    queued_at.append(clock())
                return keys

            async def ignore(key, text):
                return None

            # As bot/wiring.py builds it: one request at a time, a second apart.
            fed = SourceClient("fed", session, max_concurrency=1, min_interval=1.0, retry=RetryPolicy(attempts=1),
                               sleep=clock.sleep, clock=clock.monotonic)
            jobs = FomcJobs(database=database, fed=fed, fred=fed, fed_url=base, fred_url=base,
                            remind_hours=(24.0, 1.0), publish=queue, notify=ignore, clock=clock)
            delivering = asyncio.create_task(dispatcher.run_forever())
            try:
                await watch_release(jobs, clock, clock.sleep)
                requests = sites.fed_requests
                for _ in range(2000):  # at most ~2 s of real time for both deliveries
                    if out.seen_at and sites.webhook_at:
                        break
                    await asyncio.sleep(0.001)
            finally:
                delivering.cancel()
                await asyncio.gather(delivering, return_exceptions=True)
    finally:
        database.close()
        await runner.cleanup()
    if not queued_at or out.seen_at is None or sites.webhook_at is None:
        raise RuntimeError(f"release at +{offset:.3f} s: queued {queued_at}, console {out.seen_at}, "
                           f"webhook {sites.webhook_at}")
    appeared = sites.appears_at
    return ((queued_at[0] - appeared).total_seconds(), (out.seen_at - appeared).total_seconds(),
            (sites.webhook_at - appeared).total_seconds(), requests)


def _quantiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)], ordered[-1]


def run(releases: int = RELEASES, seed: int = 1) -> dict:
    rng = random.Random(seed)
    results = []
    with tempfile.TemporaryDirectory(prefix="rotobot-fomc-") as scratch:
        for index in range(releases):
            folder = Path(scratch) / str(index)
            folder.mkdir()
            results.append(asyncio.run(one_release(folder, rng.random())))
    queued, console, webhook, requests = (list(column) for column in zip(*results))
    print(f"FOMC release, {releases} simulated releases of the 10 Dec 2025 statement (page out at 14:00:00 + a "
          "random fraction of a second):")
    for name, values in (("appearance to queued", queued), ("appearance to the console", console),
                         ("appearance to the webhook", webhook)):
        p50, p95, worst = _quantiles(values)
        print(f"  {name}: p50 {p50:.2f} s, p95 {p95:.2f} s, max {worst:.2f} s")
    after = [c - q for c, q in zip(console, queued)] + [w - q for w, q in zip(webhook, queued)]
    print(f"  queued to delivered (console and webhook): p95 {_quantiles(after)[1] * 1000:.0f} ms; requests to the "
          f"Fed per release: median {statistics.median(requests):.0f}, max {max(requests)}\n")
    record("FOMC: page out to alert queued, p95", _quantiles(queued)[1], "s", 5)
    record("FOMC: queued to delivered, p95", _quantiles(after)[1] * 1000, "ms", 1000)
    return {"queued": queued, "console": console, "webhook": webhook, "requests": requests}


if __name__ == "__main__":
    run()
