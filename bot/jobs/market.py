"""Market data jobs: intraday quotes in session, the official daily bars after the close, and back-fill of gaps.

Each job is a plain coroutine that reads the injected clock, so tests call it directly at any instant instead of
waiting for the scheduler. Every symbol is fetched once per run, however many rules and users want it.

One writer of market data. The start-up and nightly back-fills and the close job are separate scheduler jobs and
can overlap, so runs that fetch and store daily bars take turns, end to end: a second run starts after the
first has stored what it got, fetches only what is still missing, and its answers are newer than any the first
held at the jump gate (two runs at once could confirm a held jump with two copies of the same moment's answer).
Judging and storing (one symbol's bars, one poll's quotes, a looked-up ticker's history) also take one lock,
held only while judging and writing, never across a fetch: a quote poll waits for one symbol's write at most,
not for a whole back-fill, so quotes stay fresh while a five-year first fetch runs. A FRED series (a rate, a
yield spread) is fetched from FRED alone once its stored closes say they came from there, and skips the gate.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from alerts.market.calendar import NEW_YORK, TradingCalendar
from alerts.market.errors import UpstreamError
from alerts.market.models import DailyBar, Quote
from alerts.market.outages import OutageNotice
from alerts.market.fred_series import FRED_SOURCE
from alerts.market.providers import MarketData
from alerts.market.quality_gate import Admitted, QualityGate
from bot.jobs.source_watch import SourceWatch
from storage import prices, quotes
from storage.database import Database
from storage.prices import StoreResult

log = logging.getLogger(__name__)

RECHECK_SESSIONS = 30  # holes within this many recent sessions are found and filled
REFRESH_SESSIONS = 3  # the daily close job fetches these again: provisional bars become official ones
GATED_SESSIONS = 10  # bars this recent pass the jump gate: they are the ones alerts are made from
FIRST_FETCH_DAYS = 5 * 366  # history fetched for a symbol nothing is stored of yet
LOOKUP_DAYS = 400  # what a new ticker's look-up stores: a year of sessions and then some (52-week ranges)


@dataclass
class PollReport:
    skipped: str = ""
    stored: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


@dataclass
class FetchReport:
    result: StoreResult = StoreResult()
    fetched: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


Progress = Callable[[int, int, str], None]


class MarketJobs:
    """provider → quality gate → store → rules engine, for quotes and daily bars: each stage is given at
    construction (bot/pipeline.py builds them in that order)."""

    def __init__(
        self,
        *,
        database: Database,
        market: MarketData,
        gate: QualityGate,
        watch: SourceWatch,
        calendar: TradingCalendar,
        symbols: Callable[[], Awaitable[list[str]]],
        notify: Callable[[OutageNotice], Awaitable[None]],
        clock: Callable[[], datetime],
        on_bars: Callable[[], Awaitable[object]] | None = None,
        on_quotes: Callable[[list[Quote]], Awaitable[object]] | None = None,
        bar_symbols: Callable[[], Awaitable[list[str]]] | None = None,
    ) -> None:
        self._db = database
        self._market = market
        self._gate = gate
        self.watch = watch  # what the health report reads: when each source last answered
        self._calendar = calendar
        self._symbols = symbols  # quoted in session
        self._bar_symbols = bar_symbols or symbols  # their closes fetched daily: these and what rules and watches read
        self._notify = notify
        self._clock = clock
        self._on_bars = on_bars  # the rules engine judges what was just stored
        self._on_quotes = on_quotes
        self._bar_runs = asyncio.Lock()  # store_daily runs one at a time (see the module docstring)
        self._storing = asyncio.Lock()  # one writer: judging at the gate and writing, never across a fetch

    async def _flush_notices(self) -> None:
        for notice in self.watch.take_notices():
            log.warning("%s", notice.text)
            await self._notify(notice)

    async def poll_quotes(self) -> PollReport:
        """Latest quotes of every needed symbol, only while the NYSE is in its regular session."""
        now = self._clock()
        if not self._calendar.around(now).is_open(now):
            return PollReport(skipped="the NYSE is not in its regular session")
        symbols = await self._symbols()
        got, failed = await self._market.quotes(symbols, now)
        today = now.astimezone(NEW_YORK).date()
        report = PollReport(failed={s: e.reason for s, e in failed.items()})
        async with self._storing:
            references = await self._db.run(_closes_before, symbols, today)
            admitted = self._gate.admit_quotes(got, references)
            report.held = admitted.held
            report.stored = await self._db.run(quotes.save_quotes, admitted.kept)
        await self._flush_notices()
        if self._on_quotes and report.stored:
            stored = set(report.stored)
            await self._on_quotes([q for q in admitted.kept if q.symbol in stored])
        return report

    async def store_daily(
        self,
        symbols: list[str] | None = None,
        *,
        since: date | None = None,
        refresh: int = 0,
        progress: Progress | None = None,
    ) -> FetchReport:
        """Fetch and store the daily bars each symbol is missing up to the last closed session.

        `refresh` sessions at the end are fetched again even if stored (the close job turns provisional bars
        into official ones); `since` back-fills from a date. A symbol with nothing missing costs no request.
        Runs take turns (see the module docstring).
        """
        async with self._bar_runs:
            return await self._store_daily(symbols, since, refresh, progress)

    async def _store_daily(
        self, symbols: list[str] | None, since: date | None, refresh: int, progress: Progress | None
    ) -> FetchReport:
        now = self._clock()
        calendar = self._calendar.around(now)
        last = calendar.last_closed(now)
        report = FetchReport()
        if last is None:
            return report
        symbols = symbols if symbols is not None else await self._bar_symbols()
        recent = calendar.sessions_between(last.date - timedelta(days=RECHECK_SESSIONS * 2), last.date)
        recent = recent[-RECHECK_SESSIONS:]
        latest = await self._db.run(prices.latest_dates)
        series = await self._db.run(prices.from_source, symbols, FRED_SOURCE)  # FRED's series go to FRED alone
        for done, symbol in enumerate(symbols):
            if progress:
                progress(done, len(symbols), symbol)
            start = since or await self._first_missing(symbol, latest.get(symbol), recent, refresh, last.date)
            if start is None:
                report.up_to_date.append(symbol)
                continue
            try:
                # Stamped with when it was fetched: the jump gate's observation time for these bars.
                now = self._clock()
                if symbol in series or symbol not in latest:  # FRED's alone; or not known yet: markets, then FRED
                    bars = await self._market.daily_bars(symbol, start, last.date, now, series=symbol in series or None)
                else:
                    bars = await self._market.daily_bars(symbol, start, last.date, now)  # a market's ticker
            except UpstreamError as exc:
                report.failed[symbol] = exc.reason
                continue
            bars = [bar for bar in bars if bar.date <= last.date]  # never a session still trading
            async with self._storing:
                if bars and all(bar.source == FRED_SOURCE for bar in bars):
                    # A published statistic, not a trade: no bad tick to hold, and a rate's move in percent
                    # (0.05 to 0.10 is +100%) says nothing about whether it is plausible.
                    admitted = Admitted(bars, [])
                else:
                    admitted = await self._gate_bars(symbol, bars, recent[-GATED_SESSIONS:])
                report.result += await self._db.run(prices.store_bars, admitted.kept)
            report.held += admitted.held
            report.fetched.append(symbol)
        if progress:
            progress(len(symbols), len(symbols), "")
        await self._flush_notices()
        if self._on_bars and (report.result.added or report.result.updated):
            await self._on_bars()
        return report

    async def look_up(self, symbol: str, *, days: int = LOOKUP_DAYS) -> bool | None:
        """Does a source know `symbol` (a market's ticker, else a FRED series)? True (its last `days` are now
        stored), False (no source has it), None (try again later: the sources are failing, not the symbol)."""
        now = self._clock()
        last = self._calendar.around(now).last_closed(now)
        if last is None:
            return None
        try:
            bars = await self._market.daily_bars(symbol, last.date - timedelta(days=days), last.date, now, series=None)
        except UpstreamError as exc:
            return None if exc.retryable else False
        if not bars:
            return False
        async with self._storing:
            await self._db.run(prices.store_bars, [b for b in bars if b.date <= last.date])
        return True

    async def close_job(self) -> FetchReport:
        """After the close: the official bars of the session that just ended (and the two before it)."""
        now = self._clock()
        if not self._calendar.around(now).is_session(now.astimezone(NEW_YORK).date()):
            return FetchReport()
        return await self.store_daily(refresh=REFRESH_SESSIONS)

    async def backfill_job(self) -> FetchReport:
        """Nightly, and once at start: fill whatever went missing while the bot or a source was away."""
        report = await self.store_daily()
        if report.fetched or report.failed:
            log.info(
                "Back-fill: %d bars added, %d updated; %d symbols up to date; failed: %s",
                report.result.added,
                report.result.updated,
                len(report.up_to_date),
                ", ".join(f"{s} ({r})" for s, r in report.failed.items()) or "none",
            )
        return report

    async def _first_missing(
        self, symbol: str, latest: date | None, recent: list[date], refresh: int, last: date
    ) -> date | None:
        if latest is None:
            return last - timedelta(days=FIRST_FETCH_DAYS)
        candidates = set(recent[-refresh:]) if refresh else set()
        stored = await self._db.run(prices.stored_dates, symbol, recent[0], last)
        # Only sessions after the symbol's own history began count as holes.
        first_stored = min(stored) if stored else latest
        candidates |= {day for day in recent if day not in stored and day >= first_stored}
        if latest < recent[0]:
            candidates.add(latest + timedelta(days=1))  # a gap older than the recheck window
        return min(candidates) if candidates else None

    async def _gate_bars(self, symbol: str, bars: list[DailyBar], gated: list[date]) -> Admitted:
        if not bars or not gated:
            return Admitted(bars, [])
        reference = await self._db.run(prices.close_before, symbol, bars[0].date)
        stored = await self._db.run(prices.stored_closes, symbol, bars[0].date, bars[-1].date)
        return self._gate.admit_bars(symbol, bars, reference, stored, gated[0])


def _closes_before(db, symbols: list[str], day: date) -> dict[str, float]:
    found = {}
    for symbol in symbols:
        close = prices.close_before(db, symbol, day)
        if close is not None:
            found[symbol] = close
    return found
