"""rotobot's stages, named in one place in the order data flows, each built with what it needs.

    market data   provider → quality gate → store → rules engine ─┐
    the FOMC      Fed and FRED pages ──────→ store ─────────────────┤
                                                                    └→ outbox → dispatcher → transports
    commands      transport → router → stored state → reply

Each stage is handed the next one when it is built, so they are built from the end backwards; nothing is
assigned to a stage after it is built. docs/architecture.md draws this with the module of every stage.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

import aiohttp

from alerts.market.batched_quotes import spark_for
from alerts.market.calendar import TradingCalendar
from alerts.market.fred_series import FredProvider
from alerts.market.models import Quote
from alerts.market.outages import OutageNotice, SourceOutages
from alerts.market.providers import MarketData, Provider, StooqProvider, YahooProvider
from alerts.market.quality import JumpGate
from alerts.market.quality_gate import QualityGate
from alerts.market.source_client import SourceClient
from alerts.rules.model import Rule
from bot.commands.catalog import build_router
from bot.commands.context import CommandContext
from bot.commands.router import Router
from bot.dispatch import Dispatcher
from bot.jobs.engine import RuleEngine
from bot.jobs.fomc import FomcJobs
from bot.jobs.fomc_projections import ProjectionsReader
from bot.jobs.market import MarketJobs
from bot.jobs.operator_notices import OperatorNotices
from bot.jobs.publish import make_publisher
from bot.jobs.records import SignalRecords
from bot.jobs.source_watch import SourceWatch
from bot.metrics import Metrics
from bot.settings import Settings
from bot.settings.sections import MarketSettings
from bot.transports.base import Transport
from bot.transports.choice import build_transports, transport_names
from bot.wiring import build_fomc_jobs, daily_symbols, needed_symbols
from storage.database import Database


@dataclass(frozen=True)
class Pipeline:
    # market data, in the order it flows
    provider: MarketData
    gate: QualityGate
    market: MarketJobs  # fetches from the provider, passes the gate, stores, hands what it stored to the engine
    engine: RuleEngine
    # the FOMC
    fed: FomcJobs
    projections: ProjectionsReader
    # delivery
    publish: Callable[..., Awaitable[list[str]]]  # the outbox: every alert is queued here, with its state
    dispatcher: Dispatcher
    transports: list[Transport]
    # commands
    router: Router
    context: CommandContext
    # beside the flow
    watch: SourceWatch
    notices: OperatorNotices


def build_pipeline(
    settings: Settings,
    *,
    database: Database,
    session: aiohttp.ClientSession,
    calendar: TradingCalendar,
    rules: list[Rule],
    metrics: Metrics,
    clock: Callable[[], datetime],
    stdin: TextIO,
    stdout: TextIO,
    on_eof: Callable[[], None],
    on_fatal: Callable[[str], None],
) -> Pipeline:
    # Commands: they read stored state, so they need only the database, the clock and the calendar.
    router = build_router(settings.discord.prefix)
    names = transport_names(settings, stdin)
    context = CommandContext(settings=settings, database=database, now=clock, started_at=clock(), calendar=calendar,
                             transports=names)
    transports = build_transports(names, settings, router=router, context=context, database=database,
                                  session=session, stdin=stdin, stdout=stdout, on_eof=on_eof, on_fatal=on_fatal)
    # Delivery, from the end: the transports, the dispatcher that feeds them, the outbox that rings it.
    dispatcher = Dispatcher(database, transports, clock, ZoneInfo(settings.display.timezone),
                            give_up_after=timedelta(hours=settings.delivery.give_up_hours), metrics=metrics)
    publish = make_publisher(database, dispatcher, clock, metrics)
    notices = OperatorNotices(publish, clock)
    # Market data, from the end: the engine, the store before it, the gate before that, the provider first.
    records = SignalRecords(database, clock, horizon=settings.rules.record_horizon, last=settings.rules.record_last)
    engine = RuleEngine(database=database, rules=rules, calendar=calendar, publish=publish, clock=clock,
                        records=records)
    market = build_market(database, market_providers(settings, session), calendar, limits=settings.market,
                          symbols=needed_symbols(settings, database), notify=notices.source, clock=clock,
                          metrics=metrics, on_bars=engine.judge_sessions, on_quotes=engine.judge_quotes,
                          bar_symbols=daily_symbols(settings, database, rules))
    fed, projections = build_fomc_jobs(settings, database, session, clock=clock, publish=publish, notify=notices.text,
                          metrics=metrics)
    return Pipeline(provider=market.provider, gate=market.gate, market=market.jobs, engine=engine, fed=fed,
                    projections=projections,
                    publish=publish, dispatcher=dispatcher, transports=transports, router=router, context=context,
                    watch=market.watch, notices=notices)


@dataclass(frozen=True)
class MarketStages:
    provider: MarketData
    gate: QualityGate
    watch: SourceWatch
    jobs: MarketJobs


def build_market(
    database: Database,
    providers: list[Provider],
    calendar: TradingCalendar,
    *,
    symbols: Callable[[], Awaitable[list[str]]],
    notify: Callable[[OutageNotice], Awaitable[None]],
    clock: Callable[[], datetime],
    limits: MarketSettings,
    metrics: Metrics | None = None,
    on_bars: Callable[[], Awaitable[object]] | None = None,
    on_quotes: Callable[[list[Quote]], Awaitable[object]] | None = None,
    batched: bool = True,
    bar_symbols: Callable[[], Awaitable[list[str]]] | None = None,
) -> MarketStages:
    """provider → quality gate → store (→ the rules engine, when `on_bars` and `on_quotes` are given): the app,
    the demo, the command line's back-fill and the benches build the market stages here, the same way.
    `batched=False` asks one chart request per symbol even from Yahoo (python -m bench spark compares the two)."""
    # The jump gate's threshold and the outage notice's patience are the settings' own, for every caller.
    watch = SourceWatch(SourceOutages(timedelta(minutes=limits.source_down_notice_minutes)), clock, metrics)
    # Quotes in batches of 20 through Yahoo's spark endpoint when Yahoo is the first source of quotes.
    batch = spark_for(providers, on_outcome=watch.record, on_notice=watch.add) if batched else None
    provider = MarketData(providers, on_outcome=watch.record, batch=batch)
    gate = QualityGate(JumpGate(limits.max_jump_pct))
    jobs = MarketJobs(database=database, market=provider, gate=gate, watch=watch, calendar=calendar, symbols=symbols,
                      notify=notify, clock=clock, on_bars=on_bars, on_quotes=on_quotes, bar_symbols=bar_symbols)
    return MarketStages(provider, gate, watch, jobs)


def market_providers(settings: Settings, session: aiohttp.ClientSession) -> list[Provider]:
    """Yahoo first, Stooq as the fallback; FRED for the series rules and watches read (T10Y2Y). Yahoo takes a
    brisk pace; Stooq rate-limits per day, and FRED is a government site: both are asked gently."""
    market = settings.market
    yahoo = SourceClient("yahoo", session, max_concurrency=8, min_interval=0.05, timeout=market.request_timeout_seconds)
    stooq = SourceClient("stooq", session, max_concurrency=2, min_interval=1.0, timeout=market.request_timeout_seconds)
    fred = SourceClient("fred", session, max_concurrency=1, min_interval=1.0, timeout=market.request_timeout_seconds)
    api_key = market.stooq_api_key.reveal() if market.stooq_api_key else None
    return [YahooProvider(yahoo, market.yahoo_url), StooqProvider(stooq, market.stooq_url, api_key),
            FredProvider(fred, settings.fomc.fred_url)]
