"""The latest quotes of many symbols through Yahoo's spark endpoint, 20 symbols a request, with the chart API
behind it for every symbol spark did not answer well.

A poll costs ceil(symbols / 20) spark requests plus one chart request per symbol that fell back: a symbol missing
from the answer or whose part failed a check (alerts/market/yahoo_spark.py), or every symbol of an answer that
was not a spark answer at all. When spark keeps failing, SparkSwitch (alerts/market/spark_switch.py) turns it off
for a while and the chart API serves alone. Both go through Yahoo's one SourceClient, so its rate limit, pacing
and retries govern spark and chart requests together. Its circuit breaker is the chart API's: spark is a side
endpoint (SourceClient.get), asked only while the breaker is closed, its faults never counted there (a 429 aside,
Yahoo's rate limit), so spark failing alone costs the chart API nothing, and Yahoo down altogether (the chart API
failing too) stops both.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from alerts.market.errors import SourceUnavailable, UpstreamError
from alerts.market.models import Quote
from alerts.market.outages import OutageNotice
from alerts.market.providers import Provider, YahooProvider
from alerts.market.spark_switch import SparkSwitch
from alerts.market.yahoo_spark import MAX_SYMBOLS, SparkAnswer

log = logging.getLogger(__name__)

Found = tuple[dict[str, Quote], dict[str, UpstreamError]]
Fallback = Callable[[list[str]], Awaitable[Found]]
# Spark requests out at once: as many as Yahoo's client lets out (bot/pipeline.py), so at 20 requests a second an
# answer may take 400 ms before this cap, not the rate limit, sets the pace; when spark goes off mid-poll, the
# batches not yet out are never sent.
IN_FLIGHT = 8


class SparkQuotes:
    def __init__(
        self,
        yahoo: YahooProvider,
        switch: SparkSwitch,
        *,
        on_outcome: Callable[[str, UpstreamError | None], None] | None = None,
        on_notice: Callable[[OutageNotice], None] | None = None,
        batch_size: int = MAX_SYMBOLS,
    ) -> None:
        if not 1 <= batch_size <= MAX_SYMBOLS:
            raise ValueError(f"batch_size must be within 1..{MAX_SYMBOLS}, not {batch_size}")
        self._yahoo = yahoo
        self.switch = switch
        self._on_outcome = on_outcome or (lambda source, error: None)
        self._on_notice = on_notice or (lambda notice: None)
        self._batch_size = batch_size
        self._in_flight = asyncio.Semaphore(IN_FLIGHT)

    async def quotes(self, symbols: list[str], now: datetime, fallback: Fallback) -> Found:
        """Quotes of `symbols` (each once), through spark where it answers well and `fallback` (the chart API,
        per symbol) for the rest."""
        symbols = list(dict.fromkeys(symbols))
        mode = self.switch.mode(now)
        if mode == "off":
            return await fallback(symbols)
        batches, direct = self._batches(symbols)
        found: list[Found] = [await fallback(direct)] if direct else []
        if mode == "trial" and batches:  # one batch decides whether spark is back; the rest wait for its verdict
            found.append(await self._batch(batches.pop(0), now, fallback))
        found += await asyncio.gather(*(self._batch(batch, now, fallback) for batch in batches))
        got: dict[str, Quote] = {}
        failed: dict[str, UpstreamError] = {}
        for quotes, errors in found:
            got.update(quotes)
            failed.update(errors)
        return got, failed

    def _batches(self, symbols: list[str]) -> tuple[list[list[str]], list[str]]:
        """Spark batches, and the symbols that go to the chart API directly: one with a comma in it (the
        separator of `symbols=`) or one that differs from another only in case (the answer could not tell them
        apart)."""
        seen: set[str] = set()
        batchable, direct = [], []
        for symbol in symbols:
            if "," in symbol or symbol.upper() in seen:
                direct.append(symbol)
            else:
                seen.add(symbol.upper())
                batchable.append(symbol)
        size = self._batch_size
        return [batchable[i:i + size] for i in range(0, len(batchable), size)], direct

    async def _batch(self, batch: list[str], now: datetime, fallback: Fallback) -> Found:
        answer: SparkAnswer | None = None
        fault: UpstreamError | None = None
        async with self._in_flight:
            if self.switch.mode(now) == "off":  # turned off by the batches that failed while this one waited
                return await fallback(batch)
            try:
                answer = await self._yahoo.spark(batch, now)
            except UpstreamError as error:
                fault = error
            if fault is not None or not answer.quotes:
                # Nothing usable: perhaps a failed batch. Its verdict (after the chart API's answer) comes before
                # another spark request goes out, so a spark that went bad costs a few requests, not a poll's worth.
                return await self._fall_back(batch, answer, fault, now, fallback)
        return await self._fall_back(batch, answer, fault, now, fallback)

    async def _fall_back(self, batch: list[str], answer: SparkAnswer | None, fault: UpstreamError | None,
                         now: datetime, fallback: Fallback) -> Found:
        leftovers = batch if answer is None else answer.missing + list(answer.refused)
        if leftovers:
            log.info("%s: %s; asking the chart API for %d symbol%s", self.switch.name,
                     _why(batch, answer, fault), len(leftovers), "" if len(leftovers) == 1 else "s")
        got, failed = await fallback(leftovers) if leftovers else ({}, {})
        self._judge(answer, fault, bool(got), now)
        return ({**answer.quotes, **got} if answer else got), failed

    def _judge(self, answer: SparkAnswer | None, fault: UpstreamError | None, chart_answered: bool,
               now: datetime) -> None:
        notice = None
        if answer is not None and answer.quotes:
            self._on_outcome(self._yahoo.name, None)
            notice = self.switch.succeeded(now)
        elif isinstance(fault, SourceUnavailable):
            pass  # the breaker is open: nothing was asked, so spark proved nothing
        elif fault is not None and fault.rate_limited:
            # A 429 is Yahoo's limit on all of rotobot's requests, not spark being broken: turning spark off would
            # send 20 times the requests into that limit. The client honours its Retry-After for every request.
            pass
        elif chart_answered:
            # Spark gave nothing usable where the chart API did: spark's fault, not Yahoo's. That includes an answer
            # without a part for any symbol asked: one symbol spark does not carry is missing beside the others'
            # quotes, but an answer that never carries any would cost a request a batch on every poll, for good.
            notice = self.switch.failed(_blame(answer, fault), now)
        # Neither answered (Yahoo is down: the chart API's failures say so): that counts for or against neither.
        if notice is not None:
            log.warning("%s", notice.text)
            self._on_notice(notice)


def spark_for(providers: list[Provider], **options) -> SparkQuotes | None:
    """Batched quotes when the first source of quotes is Yahoo (as in production), else None."""
    first = next((p for p in providers if p.has_quotes), None)
    if not isinstance(first, YahooProvider):
        return None
    return SparkQuotes(first, SparkSwitch(first.name), **options)


def _blame(answer: SparkAnswer | None, fault: UpstreamError | None) -> str:
    if fault is not None:
        return fault.reason
    if answer.refused:
        return next(iter(answer.refused.values())).reason
    return f"spark: no part for any of the {len(answer.missing)} symbols asked"


def _why(batch: list[str], answer: SparkAnswer | None, fault: UpstreamError | None) -> str:
    if answer is None:
        return f"no usable answer for {len(batch)} symbols ({fault.reason})"
    parts = [f"{symbol}: {error.reason}" for symbol, error in list(answer.refused.items())[:3]]
    more = len(answer.refused) - len(parts)
    said = []
    if answer.refused:
        said.append(f"{len(answer.refused)} refused ({'; '.join(parts)}{f'; {more} more' if more else ''})")
    if answer.missing:
        said.append(f"{len(answer.missing)} missing ({', '.join(answer.missing[:5])}"
                    f"{', …' if len(answer.missing) > 5 else ''})")
    return " and ".join(said) + f" of {len(batch)}"
