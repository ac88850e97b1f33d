"""Ninety days of a busy rotobot: does anything grow without bound? Resident memory and database size, day by day.

100,000 subscriptions of 20,000 people in 100 servers over 2,000 symbols; every session day 1,000 people
unsubscribe and 1,000 subscribe (so ids are freed and taken), a poll judges every subscription through the real
engine (bot/jobs/engine.py) and publisher, the real dispatcher delivers what fired through the console transport
(to /dev/null), and the daily prune (storage/retention.py) runs at its hour, keeping a week of delivered alerts
(delivery.keep_days = 7), so that the week after the first is the window the target speaks of: past it, the
tables hold a week's worth and must not grow. The figures: RSS and the database's size after the first week and
at the end, their growth between (target: under 20 MB each), and what one delivered alert costs on disk, which
is what a longer keep_days (the default is 90) adds per alert kept. Prices stay put (no new daily bars), so the
growth measured is the alerts', the states' and the subscriptions', not market history, which rotobot keeps.
"""

from __future__ import annotations

import asyncio
import gc
import io
import os
import random
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from alerts.market.calendar import NEW_YORK, TradingCalendar
from alerts.market.models import DailyBar, Quote
from alerts.rules.loader import default_rules
from bench.memory_day import rss_mib
from bench.summary import record
from bot.dispatch import Dispatcher
from bot.jobs.engine import RuleEngine
from bot.jobs.publish import make_publisher
from bot.metrics import database_bytes
from bot.transports.console import ConsoleTransport
from storage import prices, subscriptions
from storage.database import Database
from storage.retention import prune

SYMBOLS, SUBSCRIPTIONS, PEOPLE, SERVERS, CHURN, DAYS, KEEP_DAYS = 2_000, 100_000, 20_000, 100, 1_000, 90, 7
FIRST_DAY = date(2025, 6, 2)  # a Monday


def _subscription(rng: random.Random, closes: dict[str, float], now: datetime) -> subscriptions.Subscription:
    person = rng.randrange(PEOPLE)
    symbol = f"S{rng.randrange(SYMBOLS):04d}"
    kind = rng.choice(("above", "below", "move", "high_52w", "low_52w"))
    threshold = {"above": closes[symbol] * rng.uniform(1.01, 1.15), "below": closes[symbol] * rng.uniform(0.85, 0.99),
                 "move": float(rng.choice((2, 3, 5)))}.get(kind, 0.0)
    return subscriptions.Subscription(person % SERVERS, 10_000 + person, symbol, kind, now, round(threshold, 2))


def _seed(db, rng: random.Random, now: datetime) -> dict[str, float]:
    closes = {}
    fetched = now.astimezone(timezone.utc)
    for s in range(SYMBOLS):
        symbol, price, day, bars = f"S{s:04d}", rng.uniform(10, 500), FIRST_DAY - timedelta(days=370), []
        while day < FIRST_DAY:
            if day.weekday() < 5:
                price *= 1 + rng.gauss(0, 0.015)
                bars.append(DailyBar(symbol, day, round(price, 2), "yahoo", fetched))
            day += timedelta(days=1)
        prices.store_bars(db, bars)
        closes[symbol] = bars[-1].close
    with db.atomic():
        for _ in range(SUBSCRIPTIONS):
            subscriptions.add(db, _subscription(rng, closes, now))
    return closes


def _churn(db, rng: random.Random, closes: dict[str, float], now: datetime) -> None:
    with db.atomic():
        ids = [row[0] for row in db.execute("SELECT id FROM subscriptions ORDER BY random() LIMIT ?", [CHURN])]
        for sub_id in ids:
            row = db.execute("SELECT guild_id, user_id, symbol FROM subscriptions WHERE id = ?", [sub_id]).fetchone()
            if row is not None:  # gone already with another kind of the same ticker (!unsubscribe TICKER)
                subscriptions.remove(db, *row)
        for _ in range(len(ids)):
            subscriptions.add(db, _subscription(rng, closes, now))


async def _ninety_days(folder: Path) -> list[tuple[int, float, float, int]]:
    rng = random.Random(20250602)
    database = Database.open(folder / "rotobot.db")
    clock_now = [datetime.combine(FIRST_DAY, datetime.min.time(), tzinfo=NEW_YORK).replace(hour=8)]

    def clock() -> datetime:
        return clock_now[0]

    closes = await database.run(_seed, rng, clock())
    devnull = open(os.devnull, "w")
    console = ConsoleTransport(answer=None, on_eof=lambda: None, stdin=io.StringIO(), stdout=devnull,
                               interactive=False)
    dispatcher = Dispatcher(database, [console], clock, ZoneInfo("America/New_York"))
    publish = make_publisher(database, dispatcher, clock)
    calendar = TradingCalendar()
    engine = RuleEngine(database=database, rules=default_rules(), calendar=calendar, publish=publish, clock=clock)
    figures = []
    queued = 0
    gc.freeze()
    try:
        for n in range(DAYS):
            day = FIRST_DAY + timedelta(days=n)
            if calendar.around(day).is_session(day):
                clock_now[0] = datetime.combine(day, datetime.min.time(), tzinfo=NEW_YORK).replace(hour=9, minute=45)
                await database.run(_churn, rng, closes, clock())
                clock_now[0] = clock_now[0].replace(hour=11)
                quotes = [Quote(s, round(c * (1 + rng.gauss(0, 0.008)), 2), clock(), "yahoo", clock(), c)
                          for s, c in closes.items()]
                queued += await engine.judge_quotes(quotes)
                await dispatcher.run_once()
            clock_now[0] = datetime.combine(day, datetime.min.time(), tzinfo=NEW_YORK).replace(hour=4, minute=40)
            clock_now[0] += timedelta(days=1)
            await database.run(prune, clock(), KEEP_DAYS)
            gc.collect()
            figures.append((n + 1, rss_mib(), database_bytes(database.path) / 2**20, queued))
    finally:
        gc.unfreeze()
        devnull.close()
        database.close()
    return figures


def run() -> None:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rotobot-retention-") as folder:
        figures = asyncio.run(_ninety_days(Path(folder)))
    week, last = figures[6], figures[-1]
    rss_growth, db_growth = last[1] - week[1], last[2] - week[2]
    print(f"90 days, {SUBSCRIPTIONS:,} subscriptions over {SYMBOLS:,} symbols, {CHURN:,} unsubscribes and {CHURN:,} "
          f"subscribes every session, delivery.keep_days = {KEEP_DAYS} ({time.perf_counter() - started:.0f} s):")
    for n, rss, size, queued in (figures[0], week, figures[len(figures) // 2], last):
        print(f"  day {n:>2}: RSS {rss:6.1f} MiB, database {size:6.1f} MiB, {queued:,} alerts queued so far")
    kept = week[3]  # alerts queued in the first week: what a week of keeping holds
    print(f"  growth after the first week: RSS {rss_growth:+.1f} MiB, database {db_growth:+.1f} MiB "
          "(target < 20 MB each)")
    per_alert = (week[2] - figures[0][2]) / max(1, week[3] - figures[0][3]) * 2**20
    print(f"  one delivered alert kept costs about {per_alert:,.0f} bytes: {kept:,} a week here\n")
    record("90 days: RSS growth after the first week", rss_growth, "MiB", 20)
    record("90 days: database growth after the first week", db_growth, "MiB", 20)


if __name__ == "__main__":
    run()
