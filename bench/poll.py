"""A poll cycle at scale, against a loopback upstream, and what a big back-fill write costs the event loop.

- 500 symbols followed by 5,000 subscriptions: requests per cycle (through spark, as in production: 20 symbols a
  request; at most the unique-symbol count in any case) and the cycle's wall time, with the production rate limit
  and without it (the client's own overhead). `python -m bench spark` compares spark and the chart API at scale.
- 10 years x 500 symbols of daily bars written the way the back-fill writes them (one store per symbol, through
  Database.run): the longest event-loop stall while it runs. Target: under 50 ms.
"""

from __future__ import annotations

import gc
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import aiohttp

from alerts.market.calendar import NEW_YORK, TradingCalendar
from alerts.market.models import DailyBar
from alerts.market.providers import YahooProvider
from alerts.market.source_client import SourceClient
from bench.looplag import stalls_during
from bench.summary import record
from bot.pipeline import build_market
from bot.settings.sections import MarketSettings
from storage import prices, subscriptions
from storage.database import Database
from tests.upstream import FakeUpstream, ok_json, yahoo_quote

SYMBOLS, SUBSCRIPTIONS, YEARS = 500, 5_000, 10
SESSION_TIME = datetime(2025, 12, 11, 11, 0, tzinfo=NEW_YORK)


async def _cycle(database: Database, upstream: FakeUpstream, min_interval: float) -> tuple[int, int, float]:
    async with aiohttp.ClientSession() as session:
        client = SourceClient("yahoo", session, max_concurrency=8, min_interval=min_interval)

        async def wanted() -> list[str]:
            return sorted(await database.run(subscriptions.watched_symbols))

        async def ignore(notice) -> None:
            return None

        jobs = build_market(database, [YahooProvider(client, upstream.url)], TradingCalendar(), symbols=wanted,
                            notify=ignore, clock=lambda: SESSION_TIME, limits=MarketSettings()).jobs
        before = len(upstream.requests)
        started = time.perf_counter()
        report = await jobs.poll_quotes()
        elapsed = time.perf_counter() - started
        return len(upstream.requests) - before, len(report.stored) + len(report.held), elapsed


async def poll_cycle(folder: Path) -> None:
    database = Database.open(folder / "poll.db")
    names = [f"S{i:03d}" for i in range(SYMBOLS)]
    now = datetime.now(timezone.utc)
    for n in range(SUBSCRIPTIONS):  # 5,000 users' subscriptions spread over 500 symbols
        sub = subscriptions.Subscription(guild_id=1, user_id=n, symbol=names[n % SYMBOLS], kind="move",
                                         created_at=now, threshold=3.0)
        database.call(subscriptions.add, sub)
    async with FakeUpstream(spark_from_charts=True) as upstream:
        tick = SESSION_TIME - timedelta(seconds=30)
        for name in names:
            upstream.script("yahoo", name, ok_json(yahoo_quote(name, 100.0, tick, 99.0)))
        for label, interval in (("production rate limit (20 requests/s)", 0.05), ("no rate limit", 0.0)):
            requests, answered, elapsed = await _cycle(database, upstream, interval)
            print(f"poll cycle, {SYMBOLS} symbols followed by {SUBSCRIPTIONS:,} subscriptions, {label}:")
            print(f"  {requests} requests for {SYMBOLS} unique symbols ({answered} quotes), {elapsed:.2f} s wall time")
            if interval == 0.05:
                record("poll cycle, 500 symbols / 5,000 subs (rate-limited)", elapsed, "s", 60)
                record("requests in that cycle (unique symbols: 500)", requests, "req", SYMBOLS + 1)
    database.close()


async def backfill_stall(folder: Path) -> None:
    database = Database.open(folder / "backfill.db")
    fetched = datetime.now(timezone.utc)
    first = date(2015, 1, 2)
    days = [first + timedelta(days=d) for d in range(YEARS * 366) if (first + timedelta(days=d)).weekday() < 5]
    days = days[: YEARS * 252]

    async def write_all() -> None:
        for s in range(SYMBOLS):
            bars = [DailyBar(f"S{s:03d}", day, 100.0 + (i % 50), "bench", fetched) for i, day in enumerate(days)]
            await database.run(prices.store_bars, bars)

    gc.freeze()  # as the app does once it has started (see bot/app.py)
    elapsed, stalls = await stalls_during(write_all)
    database.close()
    rows = SYMBOLS * len(days)
    print(f"back-fill write, {YEARS} years x {SYMBOLS} symbols = {rows:,} daily bars, one store per symbol:")
    print(f"  {elapsed:.1f} s ({rows / elapsed:,.0f} bars/s); event-loop stall: median {statistics.median(stalls) * 1000:.2f} ms, "
          f"p99 {sorted(stalls)[int(len(stalls) * 0.99)] * 1000:.1f} ms, longest {max(stalls) * 1000:.1f} ms (target < 50 ms)\n")
    record("longest loop stall, 10y x 500-symbol back-fill", max(stalls) * 1000, "ms", 50)


async def run() -> None:
    with tempfile.TemporaryDirectory() as folder:
        await poll_cycle(Path(folder))
        await backfill_stall(Path(folder))
