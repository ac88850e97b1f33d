"""What a big write costs the event loop: through Database.run (worker thread) against blocking on it.

A 10,000-bar upsert is the size of a back-fill of the default watchlist. The figure that matters is the longest
stall of the event loop while it runs: a stalled loop misses Discord heartbeats and delays every command.
"""

from __future__ import annotations

import statistics
import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from bench.looplag import stalls_during
from bench.summary import record
from storage import prices
from storage.database import Database

ROWS, REPEATS = 10_000, 7


def _bars(offset_days: int) -> list[prices.DailyBar]:
    now = datetime.now(timezone.utc)
    start = date(1990, 1, 1) + timedelta(days=offset_days)
    return [prices.DailyBar(f"SYM{i % 10}", start + timedelta(days=i // 10), 100.0 + i % 97, "bench", now) for i in range(ROWS)]


async def _measure(work) -> tuple[float, float]:
    """(seconds of work, longest stall) while `work` runs."""
    elapsed, stalls = await stalls_during(work)
    return elapsed, max(stalls)


async def run() -> None:
    threaded, blocking = [], []
    with tempfile.TemporaryDirectory() as folder:
        database = Database.open(Path(folder) / "bench.db")
        for n in range(REPEATS):
            fresh, again = _bars(n * 2000), _bars(n * 2000 + 1000)

            async def through_worker(bars=fresh) -> None:
                await database.run(prices.upsert_daily_bars, bars)

            async def on_the_loop(bars=again) -> None:
                database.call(prices.upsert_daily_bars, bars)  # what a careless caller would do

            threaded.append(await _measure(through_worker))
            blocking.append(await _measure(on_the_loop))
        database.close()
    _report("upsert 10,000 daily bars, awaited through Database.run", threaded)
    _report("upsert 10,000 daily bars, blocking the event loop", blocking)
    ratio = statistics.median(s for _, s in blocking) / statistics.median(s for _, s in threaded)
    print(f"  longest loop stall, blocking / Database.run: {ratio:.0f}x\n")
    record("loop stall, 10,000-bar upsert via Database.run", statistics.median(s for _, s in threaded) * 1000, "ms")


def _report(name: str, samples: list[tuple[float, float]]) -> None:
    work = statistics.median(w for w, _ in samples)
    stall = statistics.median(s for _, s in samples)
    print(f"{name}:\n  median {work * 1000:.0f} ms of work, median longest loop stall {stall * 1000:.1f} ms")
