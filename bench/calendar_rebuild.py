"""What a rebuild of the NYSE calendar costs the event loop while the bot answers commands.

The real App runs in-process on a new database (seeded with the bundled history), commands answered as the
console answers them. Its TradingCalendar is given the calendar it would hold after 345 days of running, which ends
55 days after now; the next caller starts the rebuild. While it runs, each command (and the health report) is
asked again and again, a few milliseconds apart, and the longest event-loop stall is noted. Target: every
command under 20 ms. Medians over repeats. Beside each, the same command asked as long without a rebuild: what
the command costs the loop by itself on this machine at this moment (it is shared, and noisy).

For comparison, without target: the same stall when the calendar is built on the loop (how every caller paid for
a rebuild before, and what is left when nothing loaded covers the day), and when it is built on a worker thread
of this process instead of a child process.
"""

from __future__ import annotations

import asyncio
import io
import os
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from alerts.market.calendar import NEW_YORK, NyseCalendar, TradingCalendar, around_in_child_process
from bench.looplag import stalls_during
from bench.summary import record
from bot.app import App
from bot.settings import load_settings

NOW = datetime(2026, 2, 24, 16, 0, tzinfo=timezone.utc)  # 11:00 in New York, the day after the last bundled bar
AGED = (NOW - timedelta(days=345)).astimezone(NEW_YORK).date()  # the calendar loaded 345 days ago
REPEATS = 5
PAUSE = 0.005  # seconds between two commands: asked often, but not so that the loop never idles
CLOSED = "http://127.0.0.1:9"  # never the internet


def _settings(folder: str):
    env = {"ROTOBOT_STORAGE_DATABASE": str(Path(folder) / "rotobot.db")}
    for name in ("MARKET_YAHOO_URL", "MARKET_STOOQ_URL", "FOMC_FED_URL", "FOMC_FRED_URL"):
        env[f"ROTOBOT_{name}"] = CLOSED
    return load_settings(environ=env)


async def _asked_until(done, ask) -> None:
    while not done():
        await ask()
        await asyncio.sleep(PAUSE)


async def _during_rebuild(book: TradingCalendar, ask) -> tuple[float, float]:
    """Longest stall (ms) while the book rebuilds and `ask` is asked over and over; and how long (s) that was."""
    await book.prepare(AGED)

    async def work():
        book.around(NOW)  # the first caller after the calendar ran low starts the rebuild
        assert book.rebuilding
        await _asked_until(lambda: not book.rebuilding, ask)

    elapsed, stalls = await stalls_during(work)
    return max(stalls) * 1000, elapsed


async def _without_rebuild(ask, seconds: float) -> float:
    """Longest stall (ms) while `ask` is asked over and over for `seconds`, nothing else running."""
    until = time.perf_counter() + seconds
    _, stalls = await stalls_during(lambda: _asked_until(lambda: time.perf_counter() > until, ask))
    return max(stalls) * 1000


async def _during_build_elsewhere(build, ask, day_offset: int) -> float:
    """Longest stall (ms) while `build` makes a calendar (for a day not built before) and `ask` is asked."""
    day = NOW.date() + timedelta(days=day_offset)

    async def work():
        building = asyncio.ensure_future(build(day))
        await _asked_until(building.done, ask)
        await building

    _, stalls = await stalls_during(work)
    return max(stalls) * 1000


async def _measure() -> None:
    aged = NyseCalendar.around(AGED)

    def build(day):  # for prepare(): today's calendar at start-up, then the aged one before each measurement
        return aged if day == AGED else NyseCalendar.around(day)

    book = TradingCalendar(build, background_build=around_in_child_process)  # every rebuild as the bot's
    with tempfile.TemporaryDirectory(prefix="rotobot-bench-") as folder:
        read, write = os.pipe()  # a console whose input stays open until the bench is done
        app = App(_settings(folder), stdin=os.fdopen(read), stdout=io.StringIO(), clock=lambda: NOW, calendar=book,
                  handle_signals=False, probe_network=False, fetch=False)
        running = asyncio.create_task(app.run())
        await asyncio.wait_for(app.started.wait(), 120)
        try:
            asks = {f"!{c}": (lambda c=c: app.answer(f"!{c}")) for c in ("rotation", "status", "price ^RUT", "fomc")}
            asks["health report"] = app.service_health.report
            for name, ask in asks.items():
                await ask()  # warm: the first answer of each command is not what a rebuild costs
                during, alone = [], []
                for _ in range(REPEATS):
                    stall, seconds = await _during_rebuild(book, ask)
                    during.append(stall)
                    alone.append(await _without_rebuild(ask, seconds))
                worst = statistics.median(during)
                print(f"  {name}: longest stall {worst:.1f} ms (target < 20 ms); "
                      f"asked as long without a rebuild: {statistics.median(alone):.1f} ms")
                record(f"{name}: longest loop stall while the calendar rebuilds", worst, "ms", 20)

            async def on_loop(day):
                NyseCalendar.around(day)

            before = statistics.median([await _during_build_elsewhere(on_loop, app.service_health.report, 10 + i)
                                        for i in range(REPEATS)])
            thread = statistics.median([
                await _during_build_elsewhere(lambda d: asyncio.to_thread(NyseCalendar.around, d), app.service_health.report,
                                              20 + i)
                for i in range(REPEATS)])
        finally:
            app.stop()
            await running
            os.close(write)
    print(f"  for comparison, the health report while the calendar is built on the loop (as before): "
          f"{before:.0f} ms; on a worker thread of this process: {thread:.1f} ms\n")
    record("health report, calendar built on the loop (before)", before, "ms")
    record("health report, calendar built on a worker thread", thread, "ms")


def run() -> None:
    print(f"Event-loop stalls while the NYSE calendar rebuilds, the real App answering (medians of {REPEATS}):")
    asyncio.run(_measure())


if __name__ == "__main__":
    run()
