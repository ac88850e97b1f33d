"""The composition root: builds every long-lived part once, runs until asked to stop, closes in reverse order.

Order of start: instance lock, database, HTTP session, scheduler, transports. Each part's close is pushed on an
exit stack as it starts, so a failure half-way closes exactly what was opened, and Ctrl-C or SIGTERM unwinds all
of it. Nothing elsewhere reaches for a global.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from functools import partial
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import TextIO
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import aiohttp
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.commands.context import CommandContext
from bot.commands.core import build_router
from bot.commands.reply import Reply
from bot.dispatch import Dispatcher
from bot.errors import StartupError
from bot.network import unreachable_reason
from bot.settings import Settings
from bot.health import HealthReport, HealthServer, LoopLag, judge_health
from bot.jobs.alerts import AlertJobs
from bot.jobs.pending import confirm_pending
from bot.jobs.prune import prune_daily
from bot.jobs.publish import make_publisher
from bot.jobs.wrap import daily_wrap
from bot.metrics import database_bytes, standard
from bot.jobs.seed import seed_fomc_if_empty, seed_if_empty
from bot.wiring import build_fomc_jobs, build_market_jobs, configured_rules
from bot.schedule import quiet_on_shutdown, schedule_fomc_jobs, schedule_market_jobs, schedule_server_jobs
from bot.transports.base import Transport
from bot.transports.console import ConsoleTransport
from bot.transports.discord import DiscordTransport
from bot.transports.webhook import WebhookTransport
from alerts.market.health import Notice
from alerts.payloads import NoticeAlert, Operator
from alerts.market.sessions import SessionBook, around_in_child_process
from storage import outbox, prices
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
        sessions: SessionBook | None = None,
    ) -> None:
        self.settings = settings
        self._stdin = stdin or sys.stdin
        self._stdout = stdout or sys.stdout
        self._clock = clock
        self._handle_signals = handle_signals
        self._probe_network = probe_network
        self._fetch = fetch
        self.sessions = sessions or SessionBook(background_build=around_in_child_process)  # off the event loop
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
        await self.sessions.prepare(self._clock())  # the NYSE calendar, before any command or job asks for it

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

        self.market_jobs = build_market_jobs(
            settings, self.database, self.session, self.sessions, clock=self._clock, notify=self._notify_operator
        )
        await seed_if_empty(self.database, self._clock())
        await seed_fomc_if_empty(self.database, self._clock())

        self._router = build_router(settings.discord.prefix)
        self.transports = self._build_transports()
        self._context = CommandContext(
            settings=settings,
            database=self.database,
            now=self._clock,
            started_at=self._clock(),
            sessions=self.sessions,
            transports=tuple(t.name for t in self.transports),
        )
        for transport in self.transports:
            await transport.start()
            stack.push_async_callback(_bounded_close, transport)

        # Alerts queued before a crash or while a transport was down go out first, then whatever the jobs queue.
        self.metrics = standard()
        self.dispatcher = Dispatcher(self.database, self.transports, self._clock, ZoneInfo(settings.display.timezone),
                                     give_up_after=timedelta(hours=settings.delivery.give_up_hours),
                                     metrics=self.metrics)
        await self.dispatcher.recover()
        delivering = asyncio.create_task(self.dispatcher.run_forever(), name="dispatcher")
        stack.push_async_callback(_cancel, delivering)
        self.market_jobs.metrics = self.metrics
        self.publish = make_publisher(self.database, self.dispatcher, self._clock, self.metrics)
        self.fomc_jobs = build_fomc_jobs(settings, self.database, self.session, clock=self._clock,
                                         publish=self.publish, notify=self._notify_text)
        self.fomc_jobs.metrics = self.metrics
        self.alert_jobs = AlertJobs(database=self.database, rules=self.rules, sessions=self.sessions,
                                    publish=self.publish, clock=self._clock)
        self.market_jobs.on_bars = self.alert_jobs.judge_sessions
        self.market_jobs.on_quotes = self.alert_jobs.judge_quotes
        await self.alert_jobs.judge_sessions()  # what the bundled or stored history says now sets the states

        if self._probe_network:
            task = asyncio.create_task(self._report_network(), name="network-probe")
            stack.push_async_callback(_cancel, task)
        await self._start_health(stack)
        if self._fetch:
            schedule_market_jobs(self.scheduler, self.market_jobs, settings.market.poll_seconds)
            schedule_fomc_jobs(self.scheduler, self.fomc_jobs)
            schedule_server_jobs(
                self.scheduler,
                wrap=partial(daily_wrap, lambda: self._context, self.sessions, self.publish, self._clock),
                pending=partial(confirm_pending, self.database, self.market_jobs, self.publish, self._clock),
                prune=partial(prune_daily, self.database, settings.delivery.keep_days, self._clock),
                wrap_time=settings.discord.wrap_time,
            )
            # Whatever was missed while rotobot was down is fetched now, not at 03:10.
            self.scheduler.add_job(quiet_on_shutdown(self.market_jobs.backfill_job), id="startup_backfill",
                                   misfire_grace_time=None)

    async def _start_health(self, stack: contextlib.AsyncExitStack) -> None:
        """Event-loop lag always (it feeds /metrics); the HTTP endpoint only when health.enabled."""
        self.loop_lag = LoopLag()
        lag = asyncio.create_task(self.loop_lag.run(), name="loop-lag")
        stack.push_async_callback(_cancel, lag)
        health = self.settings.health
        if not health.enabled:
            return
        self.health_server = HealthServer(host=health.host, port=health.port, report=self.health_report,
                                          metrics=self.scrape)
        try:
            await self.health_server.start()
        except OSError as exc:
            raise StartupError(f"The health endpoint cannot listen on {health.host}:{health.port} ({exc.strerror}): "
                               "choose another health.port or stop what uses it") from None
        stack.push_async_callback(_bounded, "health endpoint", self.health_server.close)

    async def health_report(self) -> HealthReport:
        """Healthy while the scheduler runs and, in session, Yahoo (the live source) answered recently.

        Stooq is a fallback and not judged; outside the session nothing is fetched, so nothing can go stale.
        """
        now = self._clock()
        calendar = self.sessions.around(now)
        in_session = calendar.is_open(now)
        market = self.settings.market
        allowed = timedelta(seconds=max(market.source_down_notice_minutes * 60, 2 * market.poll_seconds))
        since = self._context.started_at
        if in_session:
            since = max(since, calendar.session(now.astimezone(EXCHANGE_TZ).date()).open)
        return judge_health(
            scheduler_running=bool(self.scheduler and self.scheduler.running),
            last_success=self.market_jobs.health.last_successes(),
            max_age={"yahoo": allowed} if in_session and self._fetch else {},
            now=now,
            expected_since={"yahoo": since},
        )

    async def scrape(self) -> str:
        pending, oldest = await self.database.run(_outbox_facts)
        now = self._clock()
        self.metrics.set("rotobot_outbox_backlog", pending)
        self.metrics.set("rotobot_oldest_undelivered_alert_seconds", (now - oldest).total_seconds() if oldest else 0)
        self.metrics.set("rotobot_event_loop_lag_seconds", self.loop_lag.take_worst())
        self.metrics.set("rotobot_database_bytes", database_bytes(self.settings.storage.database))
        return self.metrics.render()

    async def _notify_operator(self, notice: Notice) -> None:
        now = self._clock()
        await self._notify(f"{notice.source}|{notice.kind}|{now:%Y-%m-%dT%H:%M}", notice.source, notice.text)

    async def _notify_text(self, key: str, text: str) -> None:
        await self._notify(f"{key}|{self._clock():%Y-%m-%d}", key, text)

    async def _notify(self, key: str, topic: str, text: str) -> None:
        """An operator notice goes through the outbox like any alert: to the operator's channel, the console and
        the webhook, each once, retried when one is down."""
        await self.publish([NoticeAlert(key=f"operator|{key}", topic=topic, message=text, route=Operator(),
                                        occurred_at=self._clock())])

    async def answer(self, text: str) -> Reply:
        """Every transport's commands end here, so the console and Discord never disagree."""
        return await self._router.dispatch(text, self._context)

    def _build_transports(self) -> list[Transport]:
        """Discord with a token; the console without one (unless only a webhook is wanted and nobody is at a
        terminal: a container's closed stdin must not end the bot); the webhook beside either when set."""
        settings = self.settings
        token, webhook = settings.discord.token, settings.alerts.webhook_url
        transports: list[Transport] = []
        if token is not None:
            transports.append(DiscordTransport(
                token,
                router=self._router,
                context=lambda: self._context,  # built right after the transports: it lists their names
                database=self.database,
                alert_channel_id=settings.discord.alert_channel_id,
                on_fatal=self.fail,
                clock=self._clock,
            ))
        elif webhook is None or self._stdin.isatty():
            transports.append(ConsoleTransport(
                answer=self.answer,
                on_eof=self.stop,
                stdin=self._stdin,
                stdout=self._stdout,
                zone=ZoneInfo(settings.display.timezone),
            ))
        if webhook is not None:
            transports.append(WebhookTransport(webhook, self.session))
        return transports

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


def _outbox_facts(db):
    return outbox.pending_count(db), outbox.oldest_undelivered(db)


async def _cancel(task: asyncio.Task) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
