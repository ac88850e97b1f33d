"""The composition root: opens the resources, builds the stages once, runs until asked to stop, closes in reverse.

Order of start: instance lock, the NYSE calendar, database, HTTP session, scheduler; then the stages, each built
with what it needs (bot/pipeline.py names them in the order data flows); then the transports, the dispatcher,
the health endpoint and the jobs' schedule. Each part's close is pushed on an exit stack as it starts, so a
failure half-way closes exactly what was opened, and Ctrl-C or SIGTERM unwinds all of it. Nothing elsewhere
reaches for a global.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from functools import partial
from typing import TextIO
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import aiohttp
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from alerts.market.calendar import TradingCalendar, around_in_child_process
from bot.commands.reply import Reply
from bot.errors import StartupError
from bot.health import HealthServer, LoopLag, ServiceHealth
from bot.jobs.pending import confirm_pending
from bot.jobs.prune import prune_daily
from bot.jobs.seed import seed_fomc_if_empty, seed_if_empty
from bot.jobs.wrap import daily_wrap
from bot.metrics import scrape, standard
from bot.network import unreachable_reason
from bot.pipeline import build_pipeline
from bot.schedule import quiet_on_shutdown, schedule_fomc_jobs, schedule_market_jobs, schedule_server_jobs
from bot.settings import Settings
from bot.transports.base import Transport
from bot.wiring import configured_rules
from storage import prices
from storage.database import Database
from storage.lock import InstanceLock

log = logging.getLogger(__name__)

EXCHANGE_TZ = ZoneInfo("America/New_York")
CLOSE_TIMEOUT = 5.0  # seconds each part gets to close before we move on


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class App:
    def __init__(
        self,
        settings: Settings,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        clock: Callable[[], datetime] = utc_now,
        handle_signals: bool = True,
        probe_network: bool = True,
        fetch: bool = True,
        calendar: TradingCalendar | None = None,
    ) -> None:
        self.settings = settings
        self._stdin = stdin or sys.stdin
        self._stdout = stdout or sys.stdout
        self._clock = clock
        self._handle_signals = handle_signals
        self._probe_network = probe_network
        self._fetch = fetch
        self.calendar = calendar or TradingCalendar(background_build=around_in_child_process)  # off the event loop
        self._stop = asyncio.Event()
        self._fatal: str | None = None
        self.started = asyncio.Event()
        self.database: Database | None = None
        self.session: aiohttp.ClientSession | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self.transports: list[Transport] = []

    def stop(self) -> None:
        self._stop.set()

    def fail(self, message: str) -> None:
        """Stop because something the operator must fix went wrong; `run` returns 1 and logs `message`."""
        self._fatal = message
        self._stop.set()

    async def run(self) -> int:
        """Run until stopped; returns the process exit code."""
        loop = asyncio.get_running_loop()
        async with contextlib.AsyncExitStack() as stack:
            if self._handle_signals:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(sig, self.stop)
                    stack.callback(loop.remove_signal_handler, sig)
            await self._start(stack)
            # Start-up objects (libraries, settings, calendars) live as long as the process. Freezing them keeps
            # the garbage collector's full passes from walking them: those passes stop every thread, and froze
            # the event loop for 30-90 ms during a large back-fill (bench/poll.py) before this.
            gc.freeze()
            self.started.set()
            await self._stop.wait()
            log.info("Stopping")
        if self._fatal:
            log.error("%s", self._fatal)
            return 1
        log.info("Stopped cleanly")
        return 0

    async def _start(self, stack: contextlib.AsyncExitStack) -> None:
        settings = self.settings
        path = settings.storage.database

        self.rules = configured_rules(settings)  # a bad rules file stops start-up before anything opens

        lock = InstanceLock(path).acquire()
        stack.callback(lock.release)
        await self.calendar.prepare(self._clock())  # the NYSE calendar, before any command or job asks for it

        self.database = await asyncio.to_thread(Database.open, path, busy_timeout_ms=settings.storage.busy_timeout_ms)
        stack.push_async_callback(_bounded, "database", lambda: asyncio.to_thread(self.database.close))
        log.info("Database %s ready", path)

        self.session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=settings.market.request_timeout_seconds),
            headers={"User-Agent": "rotobot/0.1 (+https://github.com/rotobot)"},
        )
        stack.push_async_callback(_bounded, "HTTP session", self.session.close)

        # Defaults for every job, each of which also sets its own grace time on purpose (bot/schedule.py):
        # never two runs of one job at once, missed runs coalesced into one.
        self.scheduler = AsyncIOScheduler(
            timezone=EXCHANGE_TZ,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )
        self.scheduler.start()
        stack.callback(self.scheduler.shutdown, wait=False)

        await seed_if_empty(self.database, self._clock())
        await seed_fomc_if_empty(self.database, self._clock())

        self.metrics = standard()
        self.pipeline = pipeline = build_pipeline(
            settings, database=self.database, session=self.session, calendar=self.calendar, rules=self.rules,
            metrics=self.metrics, clock=self._clock, stdin=self._stdin, stdout=self._stdout, on_eof=self.stop,
            on_fatal=self.fail,
        )
        self.transports = pipeline.transports
        for transport in self.transports:
            await transport.start()
            stack.push_async_callback(_bounded_close, transport)

        # Alerts queued before a crash or while a transport was down go out first, then whatever the jobs queue.
        await pipeline.dispatcher.recover()
        delivering = asyncio.create_task(pipeline.dispatcher.run_forever(), name="dispatcher")
        stack.push_async_callback(_cancel, delivering)
        await pipeline.engine.judge_sessions()  # what the bundled or stored history says now sets the states
        await pipeline.engine.prepare()  # the subscriptions' index and history, frozen with the rest of start-up

        if self._probe_network:
            task = asyncio.create_task(self._report_network(), name="network-probe")
            stack.push_async_callback(_cancel, task)
        await self._start_health(stack)
        if self._fetch:
            publish, market = pipeline.publish, pipeline.market
            schedule_market_jobs(self.scheduler, market, settings.market.poll_seconds)
            schedule_fomc_jobs(self.scheduler, pipeline.fed, self._clock, pipeline.projections)
            schedule_server_jobs(
                self.scheduler,
                wrap=partial(daily_wrap, pipeline.context, self.calendar, publish, self._clock),
                pending=partial(confirm_pending, self.database, market, publish, self._clock),
                prune=partial(prune_daily, self.database, settings.delivery.keep_days, self._clock),
                wrap_time=settings.discord.wrap_time,
            )
            # Whatever was missed while rotobot was down is fetched now, not at 03:10.
            self.scheduler.add_job(quiet_on_shutdown(market.backfill_job), id="startup_backfill",
                                   misfire_grace_time=None)

    async def _start_health(self, stack: contextlib.AsyncExitStack) -> None:
        """Event-loop lag always (it feeds /metrics); the HTTP endpoint only when health.enabled."""
        self.loop_lag = LoopLag(observe=partial(self.metrics.observe, "rotobot_event_loop_lag_seconds"))
        lag = asyncio.create_task(self.loop_lag.run(), name="loop-lag")
        stack.push_async_callback(_cancel, lag)
        self.service_health = ServiceHealth(settings=self.settings, calendar=self.calendar, scheduler=self.scheduler,
                                            watch=self.pipeline.watch, started_at=self.pipeline.context.started_at,
                                            fetching=self._fetch, clock=self._clock)
        health = self.settings.health
        if not health.enabled:
            return
        self.health_server = HealthServer(host=health.host, port=health.port, report=self.service_health.report,
                                          metrics=self.scrape)
        try:
            await self.health_server.start()
        except OSError as exc:
            raise StartupError(f"The health endpoint cannot listen on {health.host}:{health.port} ({exc.strerror}): "
                               "choose another health.port or stop what uses it") from None
        stack.push_async_callback(_bounded, "health endpoint", self.health_server.close)

    async def scrape(self) -> str:
        return await scrape(self.metrics, self.database, self.settings.storage.database, self._clock)

    async def answer(self, text: str) -> Reply:
        """Every transport's commands end here, so the console and Discord never disagree."""
        return await self.pipeline.router.dispatch(text, self.pipeline.context)

    async def _report_network(self) -> None:
        url = self.settings.market.yahoo_url
        reason = await unreachable_reason(self.session, url)
        if reason is None:
            log.info("Market data source %s is reachable", urlsplit(url).hostname)
            return
        covered = await self.database.run(prices.coverage)
        stored = (
            f"{len(covered)} symbols, latest close {max(c.last for c in covered)}" if covered else "no history yet"
        )
        log.warning(
            "No network: %s is unreachable (%s). rotobot keeps running on stored data (%s).",
            urlsplit(url).hostname,
            reason,
            stored,
        )


async def _bounded(name: str, close: Callable[[], Awaitable[object]]) -> None:
    try:
        await asyncio.wait_for(close(), CLOSE_TIMEOUT)
    except asyncio.TimeoutError:
        log.warning("%s did not close within %.0f s; moving on", name, CLOSE_TIMEOUT)


async def _bounded_close(transport: Transport) -> None:
    await _bounded(transport.name, transport.close)


async def _cancel(task: asyncio.Task) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
