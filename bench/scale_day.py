"""The scale day: a simulated trading day (22 January 2026, bench/scale_world.py) with 5,000 tickers, 100,000
subscriptions and 10,000 servers, through the app's own parts wired as bot/pipeline.py wires them.

The market stages are build_market's with the production Yahoo and Stooq clients (market_providers: spark, 20
symbols a request, at 20 requests a second), the rules engine (RuleEngine, the configured [rotation] rules and
every subscription), the outbox (make_publisher) and the dispatcher, delivering to a transport that resolves
targets as Discord's does and records the sends (bench/scale_transport.py; Discord's own rate is `python -m bench
fanout`'s). Yahoo is loopback, in a process of its own (bench/scale_upstream.py), so its work is neither the bot's
lag nor the bot's memory.

Nothing sleeps: the clock is set to each poll's instant and the jobs are called directly, each poll followed by
the dispatcher's run_once, with a few people subscribing and unsubscribing before each (as thousands of people
do, and which makes the engine rebuild its subscription index); at 16:20 the close job (daily bars of every symbol, then the close-based rules: the
Russell 2000's record close goes to every server's channel). All along, the app's LoopLag probe wakes every 10
ms; its lags while the jobs run are the lag figures (while the loopback Yahoo prepares the next instant's
answers, the bot idles, as it would between polls, and that is not counted).

By default the polls are spread over the whole session (fewer than production's one a minute: each poll does
the same work whatever the gap, and a whole day of 390 polls at the rate limit would take 90 minutes);
`--cycles 390` runs every one of them. Targets: resident memory under 500 MiB, event-loop lag p99 under 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import json
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp

from alerts.market.calendar import TradingCalendar
from bench import scale_world as world
from bench.scale_figures import LAG_INTERVAL, Figures, Probe, Timed, memory_mib, report
from bench.scale_seed import churn, seed_file
from bench.scale_transport import RecordingTransport
from bot.dispatch import Dispatcher
from bot.health import LoopLag
from bot.jobs.engine import RuleEngine
from bot.jobs.operator_notices import OperatorNotices
from bot.jobs.publish import make_publisher
from bot.metrics import standard
from bot.pipeline import build_market, market_providers
from bot.settings import Settings
from bot.wiring import configured_rules, needed_symbols
from storage.database import Database

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CYCLES, DEFAULT_CHURN = 16, 10


class Upstream:
    """The loopback Yahoo child process and its control routes."""

    def __init__(self, process: asyncio.subprocess.Process, url: str, session: aiohttp.ClientSession) -> None:
        self.process, self.url, self._session = process, url, session

    @classmethod
    async def start(cls, symbols: int, session: aiohttp.ClientSession) -> Upstream:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.scale_upstream", str(symbols), cwd=ROOT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        line = await process.stdout.readline()
        if not line:
            raise RuntimeError("the loopback Yahoo did not start (its error is above)")
        return cls(process, json.loads(line)["url"], session)

    async def set(self, what: str, at: datetime) -> dict[str, int]:
        """Answer `what` ("quotes" or "daily") at `at` from now on; returns the requests since the last call."""
        async with self._session.post(f"{self.url}/bench/{what}", params={"at": at.isoformat()}) as response:
            response.raise_for_status()
            return await response.json()

    async def stop(self) -> None:
        self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except asyncio.TimeoutError:
            self.process.kill()
            await self.process.wait()


@dataclasses.dataclass
class Options:
    sizes: world.Sizes
    cycles: int = DEFAULT_CYCLES
    churn: int = DEFAULT_CHURN
    close: bool = True


async def _day(folder: Path, options: Options) -> Figures:
    figures = Figures(cycles=options.cycles)
    started = time.perf_counter()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as setup:
        figures.bars = await asyncio.get_running_loop().run_in_executor(setup, seed_file, folder / "scale.db",
                                                                        options.sizes)
    figures.seed_seconds = time.perf_counter() - started
    database = Database.open(folder / "scale.db")
    async with aiohttp.ClientSession() as control:
        upstream = await Upstream.start(options.sizes.symbols, control)
        try:
            await Day(database, upstream, options, figures).run()
        finally:
            await upstream.stop()
            await asyncio.to_thread(database.close)
    figures.wall = time.perf_counter() - started
    return figures


class Day:
    """The app's market and delivery stages, wired as bot/pipeline.py wires them, driven through one day."""

    def __init__(self, database: Database, upstream: Upstream, options: Options, figures: Figures) -> None:
        self.database, self.upstream, self.options, self.figures = database, upstream, options, figures
        self.now = world.OPEN

    def clock(self) -> datetime:
        return self.now

    async def run(self) -> None:
        base = Settings()
        settings = dataclasses.replace(base, market=dataclasses.replace(
            base.market, yahoo_url=self.upstream.url, stooq_url=self.upstream.url, basket=world.BASKET))
        self.poll_seconds = settings.market.poll_seconds
        calendar = TradingCalendar()
        await calendar.prepare(self.clock())
        metrics = standard()
        guilds = [world.guild(g) for g in range(self.options.sizes.servers)]
        self.transport = RecordingTransport(self.database, guilds, self.clock)
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=settings.market.request_timeout_seconds))
        try:
            # bot/pipeline.py build_pipeline's delivery and market halves, in its order.
            self.dispatcher = Dispatcher(self.database, [self.transport], self.clock,
                                         ZoneInfo(settings.display.timezone),
                                         give_up_after=timedelta(hours=settings.delivery.give_up_hours),
                                         metrics=metrics)
            publish = make_publisher(self.database, self.dispatcher, self.clock, metrics)
            notices = OperatorNotices(publish, self.clock)
            engine = RuleEngine(database=self.database, rules=configured_rules(settings), calendar=calendar,
                                publish=publish, clock=self.clock)
            self.on_bars, self.on_quotes = Timed(engine.judge_sessions), Timed(engine.judge_quotes)
            self.market = build_market(self.database, market_providers(settings, session), calendar,
                                       limits=settings.market, symbols=needed_symbols(settings, self.database),
                                       notify=notices.source, clock=self.clock, metrics=metrics,
                                       on_bars=self.on_bars, on_quotes=self.on_quotes).jobs
            # As bot/app.py starts: recover the outbox, judge the stored sessions (yesterday's record close goes
            # out now, as it did yesterday, not in the measured day), prepare the engine, then freeze what
            # start-up made.
            await self.dispatcher.recover()
            await engine.judge_sessions()
            await engine.prepare()
            await self.dispatcher.run_once()
            self.on_bars.reset()
            self.transport.sent.clear()
            gc.collect()
            gc.freeze()
            self.figures.rss_start = memory_mib()[0]
            await self._measured(Probe(self.figures, metrics))
        finally:
            await session.close()

    async def _measured(self, probe: Probe) -> None:
        lag = asyncio.create_task(LoopLag(observe=probe.observe).run(LAG_INTERVAL), name="loop-lag")
        gc.callbacks.append(probe.on_gc)
        try:
            await self._session(probe)
            if self.options.close:
                await self._close(probe)
        finally:
            gc.callbacks.remove(probe.on_gc)
            lag.cancel()
            await asyncio.gather(lag, return_exceptions=True)
        gc.collect()
        f = self.figures
        f.rss_end, f.rss_peak = memory_mib()
        f.sent, f.targets = sum(self.transport.sent.values()), len(self.transport.sent)

    async def _session(self, probe: Probe) -> None:
        f, cycles = self.figures, self.options.cycles
        stride = max(1, (world.CLOSE - world.OPEN) // timedelta(seconds=self.poll_seconds) // cycles)
        f.step_minutes = stride * self.poll_seconds / 60
        for k in range(cycles):
            self.now = world.OPEN + timedelta(seconds=30 + k * stride * self.poll_seconds)
            counts = await self.upstream.set("quotes", self.now)
            if k:
                f.requests.append(counts)
            if self.options.churn:
                await self.database.run(churn, self.options.sizes, k, self.options.churn, self.now)
            with probe.run(f"poll {k + 1}"):
                started = time.perf_counter()
                polled = await self.market.poll_quotes()
                seconds = time.perf_counter() - started
            engine = self.on_quotes.take()
            with probe.run(f"dispatch {k + 1}"):
                started = time.perf_counter()
                await self.dispatcher.run_once()
                f.dispatch.append(time.perf_counter() - started)
            f.poll.append(seconds - engine)
            f.engine.append(engine)
            f.stored.append(len(polled.stored))
            if k == 0:
                gc.collect()
                f.rss_warm = memory_mib()[0]
            print(f"  poll {k + 1}/{cycles} at {self.now:%H:%M}: {seconds - engine:.1f} s + engine {engine:.2f} s, "
                  f"{len(polled.stored):,} quotes stored, {len(polled.failed)} failed; dispatch "
                  f"{f.dispatch[-1]:.1f} s", file=sys.stderr)
        f.tick_alerts = self.on_quotes.queued
        f.requests.append(await self.upstream.set("daily", world.CLOSE_JOB))

    async def _close(self, probe: Probe) -> None:
        self.now = world.CLOSE_JOB
        sent_before = sum(self.transport.sent.values())
        with probe.run("close job"):
            started = time.perf_counter()
            fetched = await self.market.close_job()
            closed = time.perf_counter() - started
        engine = self.on_bars.take()
        with probe.run("close dispatch"):
            started = time.perf_counter()
            await self.dispatcher.run_once()
            dispatched = time.perf_counter() - started
        requests = await self.upstream.set("quotes", self.now)
        self.figures.close = {
            "fetch": closed - engine, "engine": engine, "dispatch": dispatched, "alerts": self.on_bars.queued,
            "sent": sum(self.transport.sent.values()) - sent_before, "fetched": len(fetched.fetched),
            "failed": len(fetched.failed), "requests": sum(requests.values())}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench scale", description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=DEFAULT_CYCLES, help="polls over the session (390: all)")
    parser.add_argument("--symbols", type=int, default=world.Sizes.symbols)
    parser.add_argument("--subs", type=int, default=world.Sizes.subscriptions)
    parser.add_argument("--servers", type=int, default=world.Sizes.servers)
    parser.add_argument("--churn", type=int, default=DEFAULT_CHURN,
                        help="people who subscribe (and as many who unsubscribe) before each poll")
    parser.add_argument("--no-close", action="store_true", help="skip the close job (minutes at full scale)")
    args = parser.parse_args(argv or [])
    if (not 1 <= args.cycles <= 390 or not 1 <= args.symbols <= 10_000 or args.subs < 1 or args.servers < 1
            or args.churn < 0):
        parser.error("--cycles 1..390, --symbols 1..10000, --subs and --servers at least 1, --churn 0 or more "
                     "(e.g. --cycles 3 --symbols 500 --subs 10000 --servers 1000)")
    sizes = world.Sizes(args.symbols, args.subs, args.servers, people=max(args.subs * 2 // 5, 1))
    options = Options(sizes, args.cycles, args.churn, not args.no_close)
    with tempfile.TemporaryDirectory() as folder:
        figures = asyncio.run(_day(Path(folder), options))
    report(figures, options.sizes, options.churn)
