"""A FRED series a watch or a rule reads is found by the lookup and then fetched daily from FRED alone: the real
fredgraph CSV of DFF (tests/fixtures, recorded from FRED) replayed by a loopback server, the real providers,
market jobs, pending job, engine and outbox, on a real SQLite file and a simulated clock."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import aiohttp
import pytest

from alerts.market.calendar import NEW_YORK, TradingCalendar
from alerts.market.fred_series import FredProvider
from alerts.market.providers import StooqProvider, YahooProvider
from alerts.market.source_client import RetryPolicy, SourceClient
from alerts.rules.kinds import MaCross
from alerts.watch_grammar import parse_watch
from alerts.watches import Watch
from bot.jobs.engine import RuleEngine
from bot.jobs.pending import confirm_pending
from bot.pipeline import build_market
from bot.settings import load_settings
from bot.settings.sections import MarketSettings
from bot.wiring import daily_symbols, needed_symbols
from storage import outbox, prices, rule_state, watches
from storage.database import Database
from tests.conftest import Clock, no_sleep, publisher
from tests.upstream import Answer, FakeUpstream, ok_csv

DFF = (Path(__file__).resolve().parent.parent / "fixtures" / "fred_DFF_1954-07-01_to_2025-03-21.csv").read_bytes()
CALENDAR = TradingCalendar()


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


@pytest.fixture
async def world(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    async with FakeUpstream() as upstream, aiohttp.ClientSession() as session:  # unscripted: HTTP 404
        quick = RetryPolicy(attempts=1, base_delay=0.0)
        providers = [YahooProvider(SourceClient("yahoo", session, retry=quick, sleep=no_sleep), upstream.url),
                     StooqProvider(SourceClient("stooq", session, retry=quick, sleep=no_sleep), upstream.url),
                     FredProvider(SourceClient("fred", session, retry=quick, sleep=no_sleep), upstream.url)]
        clock = Clock(ny(2025, 3, 21, 17, 0))  # the Friday the recorded file ends on, after the close
        rules: list = []
        engine = RuleEngine(database=database, rules=rules, calendar=CALENDAR, publish=publisher(database, clock),
                            clock=clock)

        async def quoted():
            return ["^RUT"]

        async def notify(notice):
            return None

        async def bars():
            return sorted(await database.run(watches.watched_symbols))

        jobs = build_market(database, providers, CALENDAR, symbols=quoted, bar_symbols=bars, notify=notify,
                            clock=clock, limits=MarketSettings(), on_bars=engine.judge_sessions).jobs
        yield database, upstream, jobs, clock, engine
    database.close()


async def test_a_watch_on_a_fred_series_is_found_then_fetched_from_fred_alone_and_judged(world):
    database, upstream, jobs, clock, engine = world
    upstream.script("fred", "DFF", ok_csv(DFF))
    watch = Watch(77, 0, parse_watch("DFF ma 50".split()), created_by=5, created_at=clock(), channel_id=555,
                  status="pending")
    database.call(watches.add, watch, limit=20)
    publish = publisher(database, clock)
    assert await confirm_pending(database, jobs, publish, clock) == 1
    (told,) = database.call(outbox.recent, 5)
    assert told.alert.message == "Watch #1 DFF ma 50: DFF found, now watching"
    assert told.alert.route.guild_id == 77 and told.alert.route.user_id == 5 and told.alert.route.channel_id == 555
    assert database.call(watches.for_guild, 77)[0].status == "active"
    stored = database.call(prices.daily_bars, "DFF", date(2025, 3, 17))
    assert [(b.date.isoformat(), b.close, b.source) for b in stored][-2:] == [("2025-03-20", 4.33, "fred"),
                                                                             ("2025-03-21", 4.33, "fred")]
    assert len(database.call(prices.daily_bars, "DFF")) > 1_800  # five years of daily values, weekends included
    asked_markets = upstream.count("yahoo", "DFF") + upstream.count("stooq", "dff.us")
    assert asked_markets == 2  # the lookup asked each market source once: neither has such a ticker

    clock.now = ny(2025, 3, 24, 16, 20)  # Monday's close job
    report = await jobs.close_job()
    assert "DFF" in report.fetched and not report.failed
    assert upstream.count("yahoo", "DFF") + upstream.count("stooq", "dff.us") == asked_markets  # FRED alone now
    assert upstream.count("fred", "DFF") == 2
    _, _, query = [r for r in upstream.requests if r[0] == "fred"][-1]
    assert query["cosd"] < "2025-03-21" <= query["coed"]
    await engine.judge_sessions()  # as after every close job that stored something
    state = database.call(rule_state.load_state, "watch:77:1", "*")
    assert state["last_session"] == "2025-03-21" and state["side"] in ("above", "below")  # judged like any rule


async def test_a_ticker_is_never_taken_from_fred_while_a_market_source_is_failing(world):
    database, upstream, jobs, clock, engine = world
    upstream.script("yahoo", "DFF", Answer(503, b"Service Unavailable", "text/plain"))
    upstream.script("fred", "DFF", ok_csv(DFF))
    assert await jobs.look_up("DFF") is None  # try later: Yahoo may know a ticker of that name
    assert upstream.count("fred") == 0
    assert database.call(prices.last_bar, "DFF") is None


async def test_no_source_knowing_a_symbol_removes_the_watch_and_says_why(world):
    database, upstream, jobs, clock, engine = world
    watch = Watch(77, 0, parse_watch("NOSUCH ma 50".split()), created_by=5, created_at=clock(), channel_id=555,
                  status="pending")
    database.call(watches.add, watch, limit=20)
    assert await confirm_pending(database, jobs, publisher(database, clock), clock) == 1
    (told,) = database.call(outbox.recent, 5)
    assert told.alert.message == ("Watch #1 NOSUCH ma 50: NOSUCH is not a ticker or FRED series rotobot's sources "
                                  "know, so the watch was removed")
    assert database.call(watches.for_guild, 77) == [] and upstream.count("fred", "NOSUCH") == 1


async def test_only_the_daily_job_reads_what_watches_and_rules_need_never_the_quote_poll(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    try:
        settings = load_settings(environ={})
        made = Watch(77, 0, parse_watch("T10Y2Y ma 50".split()), created_by=5, created_at=ny(2025, 3, 21, 17, 0))
        database.call(watches.add, made, limit=20)
        rules = [MaCross("curve", "DGS10/DGS2", 50)]
        daily = await daily_symbols(settings, database, rules)()
        quoted = await needed_symbols(settings, database)()
    finally:
        database.close()
    assert {"T10Y2Y", "DGS10", "DGS2"} <= set(daily) and set(quoted) <= set(daily)
    assert not {"T10Y2Y", "DGS10", "DGS2"} & set(quoted)  # FRED has no quotes: Yahoo is never polled for them
