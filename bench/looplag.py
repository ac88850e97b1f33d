"""How late the event loop wakes while some work runs: the figure that decides whether Discord's heartbeat and
every command stay responsive."""

from __future__ import annotations

import asyncio
import time


async def stalls_during(work) -> tuple[float, list[float]]:
    """Run `await work()` while a 1 ms ticker notes how late it wakes; returns (seconds of work, every stall)."""
    stalls: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            stalls.append(time.perf_counter() - before - 0.001)

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    started = time.perf_counter()
    await work()
    elapsed = time.perf_counter() - started
    done.set()
    await tick
    return elapsed, stalls
