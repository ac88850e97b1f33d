"""The close job's judging with every server's watches: 4,000 watches (200 servers with 20 each: spreads, averages
of a close and of a ratio, moves) on the bundled ^RUT and ^NDX history, through the real RuleEngine, database and
outbox.

Prints the median time of one judge_sessions after a session's bars land (states already set, as on any day
after the first) and the event loop's longest stall meanwhile, measured by a task that wakes every 5 ms: the
judging itself runs on a worker thread, so the loop keeps answering commands (target: under 100 ms).
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from alerts.market.bundled import bundled_history
from alerts.market.calendar import TradingCalendar
from alerts.watch_grammar import parse_watch
from alerts.watches import MAX_PER_SERVER, Watch
from bench import summary
from bot.dispatch import Dispatcher
from bot.jobs.engine import RuleEngine
from bot.jobs.publish import make_publisher
from storage import prices, watches
from storage.database import Database

NEW_YORK = ZoneInfo("America/New_York")
SERVERS, REPEATS = 200, 5
SPECS = ["^RUT/^NDX spread 20 above 5", "^RUT ma 200", "^RUT/^NDX ma 50", "^RUT move 15 12%", "^NDX ma 100"]
FIRST, LAST = date(2025, 10, 1), date(2025, 12, 11)  # judged one session at a time, from 1 Oct to 11 Dec 2025


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _stall_while(work) -> tuple[float, float]:
    """(seconds the work took, the loop's longest stall in seconds meanwhile)."""
    longest, done = 0.0, False

    async def watch() -> None:
        nonlocal longest
        while not done:
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            longest = max(longest, time.perf_counter() - before - 0.005)

    watcher = asyncio.create_task(watch())
    start = time.perf_counter()
    await work
    took = time.perf_counter() - start
    done = True
    await watcher
    return took, longest


async def _run() -> tuple[list[float], list[float], int]:
    folder = Path(tempfile.mkdtemp(prefix="rotobot-bench-watches-"))
    database = Database.open(folder / "rotobot.db")
    now = datetime.now(timezone.utc)
    bars = {s: [replace(b, fetched_at=now) for b in bundled_history(s, now=now)] for s in ("^RUT", "^NDX")}
    database.call(prices.store_bars, [b for s in bars for b in bars[s] if b.date < FIRST])

    def add_all(db) -> None:
        for guild in range(1, SERVERS + 1):
            for n in range(MAX_PER_SERVER):
                spec = parse_watch(SPECS[n % len(SPECS)].split())
                spec = replace(spec, sessions=spec.sessions + n // len(SPECS))  # 20 different watches a server
                watches.add(db, Watch(guild, 0, spec, created_by=1, created_at=now), limit=MAX_PER_SERVER)

    database.call(add_all)
    calendar = TradingCalendar()
    clock = _Clock(datetime(2025, 9, 30, 17, 0, tzinfo=NEW_YORK))
    publish = make_publisher(database, Dispatcher(database, [], clock, NEW_YORK), clock)
    engine = RuleEngine(database=database, rules=[], calendar=calendar, publish=publish, clock=clock)
    await engine.judge_sessions()  # the first look sets every state
    gc.freeze()  # as the app does once started: long-lived objects out of the collector's full passes
    sessions = sorted({b.date for b in bars["^RUT"] if FIRST <= b.date <= LAST})
    times, stalls, queued = [], [], 0
    for day in sessions[-REPEATS * 4:]:
        database.call(prices.store_bars, [b for s in bars for b in bars[s] if b.date == day])
        clock.now = datetime.combine(day, datetime.min.time(), NEW_YORK).replace(hour=16, minute=20)
        took, stall = await _stall_while(engine.judge_sessions())
        times.append(took)
        stalls.append(stall)
    queued = database.call(lambda db: db.execute("SELECT count(*) FROM outbox").fetchone()[0])
    database.close()
    return times, stalls, queued


def run() -> None:
    times, stalls, queued = asyncio.run(_run())
    count = SERVERS * MAX_PER_SERVER
    took, stall = statistics.median(times) * 1000, max(stalls) * 1000
    print(f"watches: {count:,} watches ({SERVERS} servers x {MAX_PER_SERVER}), one close judged: median "
          f"{took:,.0f} ms over {len(times)} sessions; longest event-loop stall {stall:,.1f} ms; {queued:,} alerts "
          "queued in all")
    summary.record(f"judge {count:,} watches at a close", took, "ms")
    summary.record("event-loop stall while judging them", stall, "ms", 100)
