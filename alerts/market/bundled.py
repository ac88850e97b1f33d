"""Real daily history shipped with rotobot, to seed an empty database (see data/SOURCES.md)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from importlib import resources

from alerts.market.history_csv import parse_history_csv
from alerts.market.models import DailyBar

# symbol -> bundled file; unchanged copies of recorded real data.
BUNDLED_FILES = {
    "^RUT": "yahoo_daily_RUT_index_1987-2026.csv",
    "^NDX": "stooq_daily_NDX_index_1938_to_2026-05-01.csv",
    "IWM": "yahoo_daily_IWM_2000-2026.csv",
    "QQQ": "yahoo_daily_QQQ_1999-2026.csv",
    "KRE": "yahoo_daily_KRE_2023-07-03_to_2026-07-02.csv",
    "CFG": "yahoo_close_only_CFG_2014-09-24_to_2026-07-13.csv",
    "RF": "yahoo_close_only_RF_1980-03-17_to_2026-07-14.csv",
    "ZION": "yahoo_daily_ZION_2000-01-03_to_2024-07-16.csv",
    "AAON": "yahoo_close_only_AAON_1992-12-16_to_2026-07-13.csv",
    "ROAD": "yahoo_close_only_ROAD_2018-05-04_to_2026-07-14.csv",
}
# The close-only files hold closes adjusted for splits and dividends (data/SOURCES.md): their bars say so, so what
# shows them can tell an adjusted close from a quoted one.
ADJUSTED_SOURCE = "bundled:yahoo-adjusted"


def is_adjusted(source: str) -> bool:
    """True for a bar whose close is adjusted for splits and dividends, not the close as quoted that day."""
    return source.endswith("-adjusted")


def bundled_source(name: str) -> str:
    """The source stamped on the bars of bundled file `name`."""
    if name.startswith("stooq"):
        return "bundled:stooq"
    return ADJUSTED_SOURCE if name.startswith("yahoo_close_only_") else "bundled:yahoo"


def bundled_history(symbol: str, *, now: datetime) -> list[DailyBar]:
    """The bundled bars of `symbol` ([] when none ship), checked like any other source."""
    name = BUNDLED_FILES.get(symbol)
    if name is None:
        return []
    text = resources.files("alerts.market").joinpath("data", name).read_text(encoding="utf-8")
    return parse_history_csv(text, symbol=symbol, source=bundled_source(name), fetched_at=now, now=now).bars


class BundledProvider:
    """The bundled history served as a market data source, up to a moving "today": the demo's market.

    It answers like any provider, so the demo runs the real jobs, gate, engine and outbox on real prices.
    """

    name = "bundled"
    has_quotes = False

    def __init__(self, loaded_at: datetime) -> None:
        # `loaded_at` is the real time the files are read (the future-date check needs it), not the demo's clock.
        self._bars: dict[str, list[DailyBar]] = {}
        self._loaded_at = loaded_at

    def supports(self, symbol: str) -> bool:
        return symbol in BUNDLED_FILES

    async def daily_bars(self, symbol: str, start, end, now: datetime) -> list[DailyBar]:
        if symbol not in self._bars:
            # A parse of up to a second (pandas, 20,000 rows): on a worker thread, never on the event loop.
            self._bars[symbol] = await asyncio.to_thread(bundled_history, symbol, now=self._loaded_at)
        # Stamped with this look's time, as a fetch upstream would be: the jump gate takes a later look as a later
        # observation, so a real jump held once is confirmed the next day.
        return [replace(bar, fetched_at=now) for bar in self._bars[symbol] if start <= bar.date <= end]

    async def quote(self, symbol: str, now: datetime):
        from alerts.market.errors import UpstreamError

        raise UpstreamError(self.name, "the bundled history has daily closes only", symbol=symbol)
