"""Review 6: the demo's market source parses a bundled CSV on the event loop, stalling it for about half a second.

bot/jobs/seed.py parses the bundled files with asyncio.to_thread ("~0.2 s of CSV parsing per file"), but
BundledProvider.daily_bars (alerts/market/bundled.py:70), the market source `rotobot demo` runs its real jobs on,
calls bundled_history -> parse_history_csv (pandas) directly inside the coroutine. The first look at ^RUT parses
9,700 rows with the loop blocked: console input, the dispatcher and the health endpoint all wait. (bot/demo.py's
_seed does the same for every bundled file in turn.)
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timezone

from alerts.market import bundled
from alerts.market.bundled import BundledProvider


async def test_the_first_look_at_a_bundled_symbol_does_not_block_the_event_loop(monkeypatch):
    """The CSV of ^RUT is parsed on a worker thread, never on the event loop's (which thread, not how long: a
    shared machine makes any time limit a coin toss; bench/ measures the time)."""
    now = datetime(2026, 1, 5, tzinfo=timezone.utc)
    provider = BundledProvider(now)
    parsed_on: list[int] = []
    real = bundled.parse_history_csv

    def watched(*args, **kwargs):
        parsed_on.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(bundled, "parse_history_csv", watched)
    bars = await provider.daily_bars("^RUT", date(2025, 1, 1), date(2025, 12, 31), now)
    assert bars and bars[-1].date <= date(2025, 12, 31)
    assert parsed_on and threading.get_ident() not in parsed_on, "the bundled CSV was parsed on the event loop"
