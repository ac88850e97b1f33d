"""Resident memory after a simulated trading day of polling 500 symbols (390 one-minute polls through spark, as in
production, against a loopback Yahoo)."""

from __future__ import annotations

import asyncio
import gc
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp

from alerts.market.calendar import NEW_YORK, TradingCalendar
from alerts.market.providers import YahooProvider
from alerts.market.source_client import SourceClient
from bench.summary import record
from bot.pipeline import build_market
from bot.settings.sections import MarketSettings
from storage.database import Database
from tests.upstream import FakeUpstream, ok_json, yahoo_quote

SYMBOLS, POLLS = 500, 390  # 09:30 to 16:00, once a minute


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _day(folder: Path) -> tuple[float, float, float]:
    database = Database.open(folder / "day.db")
    names = [f"S{i:03d}" for i in range(SYMBOLS)]
    clock_now = [datetime(2025, 12, 11, 9, 30, 30, tzinfo=NEW_YORK)]
    async with FakeUpstream(spark_from_charts=True) as upstream, aiohttp.ClientSession() as session:
        for name in names:
            upstream.script("yahoo", name, ok_json(yahoo_quote(name, 100.0, clock_now[0], 99.5)))
        client = SourceClient("yahoo", session, max_concurrency=8)

        async def wanted() -> list[str]:
            return names

        async def ignore(notice) -> None:
            return None

        jobs = build_market(database, [YahooProvider(client, upstream.url)], TradingCalendar(), symbols=wanted,
                            notify=ignore, clock=lambda: clock_now[0], limits=MarketSettings()).jobs
        await jobs.poll_quotes()
        gc.collect()
        after_first = rss_mib()
        for _ in range(POLLS - 1):
            clock_now[0] += timedelta(minutes=1)
            await jobs.poll_quotes()
            upstream.requests.clear()  # the fake server's own log is not the bot's memory
        gc.collect()
        after_day = rss_mib()
    database.close()
    return after_first, after_day, after_day - after_first


def run() -> None:
    with tempfile.TemporaryDirectory() as folder:
        first, day, growth = asyncio.run(_day(Path(folder)))
    print(f"resident memory, polling {SYMBOLS} symbols once a minute for a trading day ({POLLS} polls; the loopback")
    print(f"  upstream runs in the same process): {first:.0f} MiB after the first poll, {day:.0f} MiB after the day "
          f"(growth {growth:+.1f} MiB)\n")
    record("resident memory after a day of polling 500 symbols", day, "MiB", 400)
    record("memory growth over that day", growth, "MiB", 20)
