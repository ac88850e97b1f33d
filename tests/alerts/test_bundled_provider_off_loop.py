"""Review 6: the demo's market source parses a bundled CSV on the event loop, stalling it for about half a second.

bot/jobs/seed.py parses the bundled files with asyncio.to_thread ("~0.2 s of CSV parsing per file"), but
BundledProvider.daily_bars (alerts/market/bundled.py:70), the market source `rotobot demo` runs its real jobs on,
calls bundled_history -> parse_history_csv (pandas) directly inside the coroutine. The first look at ^RUT parses
9,700 rows with the loop blocked: console input, the dispatcher and the health endpoint all wait. (bot/demo.py's
_seed does the same for every bundled file in turn.)
"""

from __future__ import annotations

import asyncio
import time
from datetime import date, datetime, timezone

from alerts.market.bundled import BundledProvider


async def test_the_first_look_at_a_bundled_symbol_does_not_block_the_event_loop():
    """While the provider answers its first ^RUT look, a 10 ms heartbeat must never wait 250 ms or more."""
    now = datetime(2026, 1, 5, tzinfo=timezone.utc)
    provider = BundledProvider(now)
    gaps: list[float] = []
    done = asyncio.Event()

    async def heartbeat():
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.01)
            tick = time.perf_counter()
            gaps.append(tick - last)
            last = tick

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.05)
    bars = await provider.daily_bars("^RUT", date(2025, 1, 1), date(2025, 12, 31), now)
    done.set()
    await beat
    assert bars and bars[-1].date <= date(2025, 12, 31)
    assert max(gaps) < 0.25, f"event loop blocked {max(gaps):.2f} s"
