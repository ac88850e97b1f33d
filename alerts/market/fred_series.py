"""FRED's daily series (T10Y2Y, DGS10, DFF, ...) as a source of daily closes: the fredgraph CSV, no key.

    https://fred.stlouisfed.org/graph/fredgraph.csv?id=T10Y2Y&cosd=2021-01-04&coed=2026-01-02

One observation a day becomes one bar whose close is the value, source "fred" (as `rotobot import` of a FRED CSV
stores it). The body is read by the parser the FOMC jobs use (alerts/fomc/fred.py), whole or refused whole; days
FRED marks "." have no bar. A series may sit at or under zero (a yield spread), so the values are not held to the
"prices are above zero" check of market sources; the rules judge such values only where they mean something.
"""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime

from alerts.fomc.fred import parse_fred_csv
from alerts.market.errors import UpstreamError
from alerts.market.models import DailyBar
from alerts.market.source_client import SourceClient
from alerts.market.validate import NEW_YORK

FRED_SOURCE = "fred"
SERIES_ID = re.compile(r"[A-Z][A-Z0-9]{1,29}")  # the ids rotobot's tickers can spell (no "_")


class FredProvider:
    """FRED as a market data provider: daily bars of a series, no quotes. It is `series`: MarketData asks it only
    for a symbol whose stored closes came from FRED, or one that every market source said it does not know."""

    name = FRED_SOURCE
    has_quotes = False
    series = True

    def __init__(self, client: SourceClient, base_url: str) -> None:
        self._client = client
        self._base = base_url.rstrip("/")

    def supports(self, symbol: str) -> bool:
        return SERIES_ID.fullmatch(symbol) is not None

    async def daily_bars(self, symbol: str, start: date, end: date, now: datetime) -> list[DailyBar]:
        params = {"id": symbol, "cosd": start.isoformat(), "coed": end.isoformat()}
        response = await self._client.get(f"{self._base}/graph/fredgraph.csv", params=params, symbol=symbol)
        try:
            # Five years of a daily series is a few thousand lines: parsed on a worker thread, off the event loop.
            series = await asyncio.to_thread(parse_fred_csv, response.body)
        except ValueError as problem:
            raise UpstreamError(self.name, str(problem), symbol=symbol) from None
        if series.series_id != symbol:
            raise UpstreamError(self.name, f"asked for {symbol}, the answer is the series {series.series_id}",
                                symbol=symbol)
        today = now.astimezone(NEW_YORK).date()
        return [DailyBar(symbol, day, value, FRED_SOURCE, now) for day, value in series.values.items()
                if start <= day <= end and day <= today]

    async def quote(self, symbol: str, now: datetime):
        raise UpstreamError(self.name, "FRED publishes daily series, not quotes", symbol=symbol)
