"""One quote poll of 5,000 symbols followed by 100,000 subscriptions, against a loopback Yahoo, at the production
rate limit: through spark (20 symbols a request) and through the chart API (one request per symbol).

Yahoo's clients are built by bot/pipeline.py market_providers, the app's own (8 requests at once, starts 50 ms
apart: 20 requests a second), pointed at the loopback server; the poll is the app's MarketJobs.poll_quotes, store
included. Spark answers are the recorded spark envelope around real chart bodies (tests/upstream.py). The
per-symbol path is at least 5,000 x 50 ms by its rate limit alone, so it is run once; spark's is the median of
three. Target: the spark poll under 15 s.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp

from alerts.market.calendar import NEW_YORK, TradingCalendar
from bench.summary import record
from bot.pipeline import build_market, market_providers
from bot.settings import Settings
from storage import subscriptions
from storage.database import Database
from tests.upstream import FakeUpstream, ok_json, yahoo_quote

SYMBOLS, SUBSCRIPTIONS, SPARK_RUNS = 5_000, 100_000, 3
SESSION_TIME = datetime(2025, 12, 11, 11, 0, tzinfo=NEW_YORK)
TARGET_SECONDS = 15


def _subscribe_all(db, names: list[str]) -> None:
    now = datetime.now(timezone.utc)
    with db.atomic():  # one transaction for the set-up, not 100,000
        for n in range(SUBSCRIPTIONS):  # 20 users follow each symbol, on average
            subscriptions.add(db, subscriptions.Subscription(guild_id=1 + n % 50, user_id=n, symbol=names[n % SYMBOLS],
                                                             kind="move", created_at=now, threshold=3.0))


async def _poll(database: Database, upstream: FakeUpstream, *, batched: bool) -> tuple[int, int, int, float]:
    settings = dataclasses.replace(Settings(), market=dataclasses.replace(Settings().market, yahoo_url=upstream.url,
                                                                          stooq_url=upstream.url))
    async with aiohttp.ClientSession() as session:

        async def wanted() -> list[str]:
            return sorted(await database.run(subscriptions.watched_symbols))

        async def ignore(notice) -> None:
            return None

        jobs = build_market(database, market_providers(settings, session), TradingCalendar(), symbols=wanted,
                            notify=ignore, clock=lambda: SESSION_TIME, limits=settings.market, batched=batched).jobs
        before = len(upstream.requests)
        started = time.perf_counter()
        report = await jobs.poll_quotes()
        elapsed = time.perf_counter() - started
        sent = upstream.requests[before:]
        spark = sum(1 for source, _, _ in sent if source == "spark")
        return spark, len(sent) - spark, len(report.stored), elapsed


async def run() -> None:
    names = [f"S{i:04d}" for i in range(SYMBOLS)]
    with tempfile.TemporaryDirectory() as folder:
        database = Database.open(Path(folder) / "spark.db")
        database.call(_subscribe_all, names)
        async with FakeUpstream(spark_from_charts=True) as upstream:
            tick = SESSION_TIME - timedelta(seconds=30)
            for name in names:
                upstream.script("yahoo", name, ok_json(yahoo_quote(name, 100.0, tick, 99.0)))
            runs = [await _poll(database, upstream, batched=True) for _ in range(SPARK_RUNS)]
            spark_requests, spark_fallbacks, spark_stored, _ = runs[-1]
            spark_time = statistics.median(r[3] for r in runs)
            _, chart_requests, chart_stored, chart_time = await _poll(database, upstream, batched=False)
        database.close()
    floor = math.ceil(SYMBOLS / 20)
    print(f"quote poll, {SYMBOLS:,} symbols followed by {SUBSCRIPTIONS:,} subscriptions, production rate limit "
          f"(20 requests/s):")
    print(f"  spark: {spark_requests} spark + {spark_fallbacks} chart requests (ceil({SYMBOLS:,} / 20) = {floor}), "
          f"{spark_stored:,} quotes stored, {spark_time:.2f} s wall time (median of {SPARK_RUNS}; target "
          f"< {TARGET_SECONDS} s)")
    print(f"  chart API per symbol: {chart_requests:,} requests, {chart_stored:,} quotes stored, {chart_time:.1f} s "
          f"wall time (one run)")
    print(f"  ratio: {chart_requests / max(1, spark_requests + spark_fallbacks):.1f}x fewer requests, "
          f"{chart_time / spark_time:.1f}x faster\n")
    record("spark poll, 5,000 symbols / 100,000 subs (rate-limited)", spark_time, "s", TARGET_SECONDS)
    record("requests in that poll (ceil(5,000 / 20) = 250)", spark_requests + spark_fallbacks, "req", floor + 1)
    record("the same poll, one chart request per symbol", chart_time, "s")
