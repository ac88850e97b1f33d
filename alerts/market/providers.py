"""Market data sources behind one small interface, and failover between them per symbol.

A provider answers two questions: daily bars of one symbol for a date range, and the latest quote of one symbol.
Whatever it fetched has passed its parser's checks (alerts/market/validate.py) or it raised UpstreamError. A
provider of published series (FRED, alerts/market/fred_series.py) says so with `series = True`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta, timezone
from typing import Protocol
from urllib.parse import quote as urlquote

from alerts.market.errors import UpstreamError
from alerts.market.models import DailyBar, Quote
from alerts.market.source_client import SourceClient
from alerts.market.stooq_csv import parse_stooq_csv, stooq_symbol
from alerts.market.yahoo_chart import parse_chart
from alerts.market.yahoo_spark import SPARK_PARAMS, SparkAnswer, parse_spark

log = logging.getLogger(__name__)


class Provider(Protocol):
    name: str
    has_quotes: bool

    def supports(self, symbol: str) -> bool: ...

    async def daily_bars(self, symbol: str, start: date, end: date, now: datetime) -> list[DailyBar]: ...

    async def quote(self, symbol: str, now: datetime) -> Quote: ...


def _epoch(day: date) -> int:
    return int(datetime.combine(day, time(0), tzinfo=timezone.utc).timestamp())


class YahooProvider:
    """Yahoo Finance chart API v8: daily bars and the latest quote, no key; the spark endpoint for the latest
    quotes of up to 20 symbols at once (alerts/market/batched_quotes.py uses it)."""

    name = "yahoo"
    has_quotes = True

    def __init__(self, client: SourceClient, base_url: str) -> None:
        self._client = client
        self._base = base_url.rstrip("/")

    def supports(self, symbol: str) -> bool:
        return True

    def _url(self, symbol: str) -> str:
        return f"{self._base}/v8/finance/chart/{urlquote(symbol, safe='')}"

    async def daily_bars(self, symbol: str, start: date, end: date, now: datetime) -> list[DailyBar]:
        # period2 is exclusive and in UTC: the day after `end` covers every exchange-local date up to `end`.
        params = {"period1": _epoch(start), "period2": _epoch(end + timedelta(days=1)), "interval": "1d"}
        response = await self._client.get(self._url(symbol), params=params, symbol=symbol)
        chart = parse_chart(response.body, fetched_at=now, now=now, source=self.name, asked=symbol)
        for reason in chart.dropped:
            log.info("yahoo %s: %s", symbol, reason)
        return [bar for bar in chart.bars if start <= bar.date <= end]

    async def quote(self, symbol: str, now: datetime) -> Quote:
        response = await self._client.get(self._url(symbol), params={"range": "1d", "interval": "1d"}, symbol=symbol)
        chart = parse_chart(response.body, fetched_at=now, now=now, source=self.name, asked=symbol)
        if chart.quote is None:
            raise UpstreamError(self.name, "no regular market price in the answer", symbol=symbol)
        return chart.quote

    async def spark(self, symbols: list[str], now: datetime) -> SparkAnswer:
        """One spark request for `symbols`. Raises UpstreamError when the answer as a whole is unusable.
        A side endpoint of Yahoo's client: spark failing alone is SparkSwitch's to judge, never a reason to stop
        asking the chart API, and it is not asked while Yahoo's breaker is open or on its trial."""
        params = {"symbols": ",".join(symbols), **SPARK_PARAMS}
        response = await self._client.get(f"{self._base}/v7/finance/spark", params=params, side_endpoint=True)
        return parse_spark(response.body, symbols, fetched_at=now, now=now, source=self.name)


class StooqProvider:
    """Stooq's daily CSV download: the second source for daily bars."""

    name = "stooq"
    has_quotes = False

    def __init__(self, client: SourceClient, base_url: str, api_key: str | None = None) -> None:
        self._client = client
        self._base = base_url.rstrip("/")
        self._api_key = api_key

    def supports(self, symbol: str) -> bool:
        return stooq_symbol(symbol) is not None

    async def daily_bars(self, symbol: str, start: date, end: date, now: datetime) -> list[DailyBar]:
        mapped = stooq_symbol(symbol)
        if mapped is None:
            raise UpstreamError(self.name, "no Stooq equivalent for this symbol", symbol=symbol)
        params = {"s": mapped, "i": "d", "d1": start.strftime("%Y%m%d"), "d2": end.strftime("%Y%m%d")}
        if self._api_key:
            params["apikey"] = self._api_key
        response = await self._client.get(f"{self._base}/q/d/l/", params=params, symbol=symbol)
        bars = parse_stooq_csv(response.body, symbol=symbol, fetched_at=now, now=now, source=self.name)
        return [bar for bar in bars if start <= bar.date <= end]

    async def quote(self, symbol: str, now: datetime) -> Quote:
        raise UpstreamError(self.name, "Stooq is used for daily bars only", symbol=symbol)


class BatchQuotes(Protocol):
    async def quotes(self, symbols: list[str], now: datetime, fallback: Callable[[list[str]], Awaitable[
        tuple[dict[str, Quote], dict[str, UpstreamError]]]]) -> tuple[dict[str, Quote], dict[str, UpstreamError]]: ...


class MarketData:
    """Tries each provider in order for each symbol; the first good answer wins."""

    def __init__(
        self,
        providers: list[Provider],
        on_outcome: Callable[[str, UpstreamError | None], None] | None = None,
        batch: BatchQuotes | None = None,
    ) -> None:
        self.providers = providers
        # Told of each answer or failure as it happens (bot/jobs/source_watch.py).
        self._on_outcome = on_outcome or (lambda source, error: None)
        self.batch = batch  # many quotes a request (alerts/market/batched_quotes.py), this class per symbol behind it

    async def daily_bars(self, symbol: str, start: date, end: date, now: datetime, *,
                         series: bool | None = False) -> list[DailyBar]:
        """Daily bars from the first provider that has them. `series`: True for a published series (FRED's: only
        a provider that says `series = True` is asked), False for a market's ticker (only the others), None for a
        symbol not known yet: a market's ticker first, and a series only when every market source said it has no
        such ticker; never when one failed, so an outage cannot give a real ticker a series' numbers."""
        call = lambda p: p.daily_bars(symbol, start, end, now)  # noqa: E731
        markets = [p for p in self.providers if p.supports(symbol) and not getattr(p, "series", False)]
        serieses = [p for p in self.providers if p.supports(symbol) and getattr(p, "series", False)]
        if series:
            return await self._first(symbol, serieses, call)
        if series is False or not serieses:
            return await self._first(symbol, markets, call)
        try:
            return await self._first(symbol, markets, call)
        except UpstreamError as unknown:
            if unknown.retryable:
                raise
            try:
                return await self._first(symbol, serieses, call)
            except UpstreamError as neither:
                raise UpstreamError("market data", f"{unknown.reason}; as a series: {neither.reason}", symbol=symbol,
                                    retryable=neither.retryable) from None

    async def quote(self, symbol: str, now: datetime) -> Quote:
        candidates = [p for p in self.providers if p.has_quotes and p.supports(symbol)]
        return await self._first(symbol, candidates, lambda p: p.quote(symbol, now))

    async def quotes(self, symbols: list[str], now: datetime) -> tuple[dict[str, Quote], dict[str, UpstreamError]]:
        """Latest quotes of many symbols, each asked once: in batches when there is a batch source, and one
        request per symbol for the rest (or for all, without one)."""
        symbols = list(dict.fromkeys(symbols))
        if self.batch is not None:
            return await self.batch.quotes(symbols, now, lambda some: self._each(some, now))
        return await self._each(symbols, now)

    async def _each(self, symbols: list[str], now: datetime) -> tuple[dict[str, Quote], dict[str, UpstreamError]]:
        """One request per symbol, concurrently (each source caps its own)."""
        results = await asyncio.gather(*(self.quote(s, now) for s in symbols), return_exceptions=True)
        got, failed = {}, {}
        for symbol, result in zip(symbols, results, strict=True):
            if isinstance(result, UpstreamError):
                failed[symbol] = result
            elif isinstance(result, BaseException):
                raise result
            else:
                got[symbol] = result
        return got, failed

    async def _first(self, symbol: str, candidates: list[Provider], call):
        errors: list[UpstreamError] = []
        for provider in candidates:
            try:
                result = await call(provider)
            except UpstreamError as exc:
                log.info("%s", exc)  # one line per source; failing for long raises one operator notice
                self._on_outcome(provider.name, exc)
                errors.append(exc)
                continue
            self._on_outcome(provider.name, None)
            if errors:
                log.info("%s: %s answered after %s failed", symbol, provider.name, ", ".join(e.source for e in errors))
            return result
        if not candidates:
            raise UpstreamError("market data", "no source covers this symbol", symbol=symbol)
        reasons = "; ".join(f"{e.source}: {e.reason}" for e in errors)
        raise UpstreamError("market data", f"every source failed ({reasons})", symbol=symbol,
                            retryable=any(e.retryable for e in errors))
