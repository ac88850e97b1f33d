"""Market data jobs end to end: real SQLite, real aiohttp client, a loopback upstream replaying real data."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import aiohttp
import pytest

from alerts.market.calendar import NEW_YORK, TradingCalendar
from alerts.market.models import DailyBar
from alerts.market.outages import SourceOutages
from alerts.market.providers import MarketData, StooqProvider, YahooProvider
from alerts.market.quality import JumpGate
from alerts.market.quality_gate import QualityGate
from alerts.market.source_client import RetryPolicy, SourceClient
from bot.jobs.market import MarketJobs
from bot.jobs.source_watch import SourceWatch
from storage import prices, quotes
from storage.database import Database
from tests.conftest import Clock, no_sleep
from tests.upstream import (
    NDX,
    RUT,
    Answer,
    FakeUpstream,
    between,
    history,
    ok_csv,
    ok_json,
    stooq_csv,
    yahoo_daily,
    yahoo_quote,
)

RUT_BARS = history(RUT)
NDX_BARS = history(NDX)
CALENDAR = TradingCalendar()


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


class SteppingClock(Clock):
    """The test's clock; with a `step`, every reading is later than the one before, as a real clock's is."""

    step = timedelta(0)

    def __call__(self):
        self.now += self.step
        return self.now


@pytest.fixture
async def world(tmp_path):
    """Database, upstream, clients and jobs, wired as the app wires them; the clock is the test's."""
    database = Database.open(tmp_path / "rotobot.db")
    async with FakeUpstream() as upstream, aiohttp.ClientSession() as session:
        quick = RetryPolicy(attempts=2, base_delay=0.0)
        yahoo = SourceClient("yahoo", session, retry=quick, sleep=no_sleep)
        stooq = SourceClient("stooq", session, retry=quick, sleep=no_sleep)
        clock = SteppingClock(ny(2025, 12, 12, 3, 10))
        notices = []
        symbols = ["^RUT"]

        async def needed():
            return list(symbols)

        async def notify(notice):
            notices.append(notice)

        watch = SourceWatch(SourceOutages(timedelta(minutes=10)), clock)
        market = MarketData([YahooProvider(yahoo, upstream.url), StooqProvider(stooq, upstream.url)],
                            on_outcome=watch.record)
        gate = JumpGate(10.0)
        jobs = MarketJobs(database=database, market=market, gate=QualityGate(gate), watch=watch, calendar=CALENDAR,
                          symbols=needed, notify=notify, clock=clock)
        yield type("World", (), dict(db=database, upstream=upstream, jobs=jobs, clock=clock, notices=notices,
                                     symbols=symbols, yahoo=yahoo, gate=gate, market=market))
    database.close()


def seed(db: Database, symbol: str, bars, source="bundled:yahoo") -> None:
    fetched = ny(2025, 12, 1, 0, 0)
    db.call(prices.store_bars, [DailyBar(symbol, b.date, b.close, source, fetched, b.open, b.high, b.low, b.volume)
                                for b in bars])


async def test_backfill_after_downtime_fetches_only_the_missing_sessions(world):
    seed(world.db, "^RUT", between(RUT_BARS, date(2025, 6, 1), date(2025, 12, 5)))
    world.upstream.script("yahoo", "^RUT", ok_json(yahoo_daily("^RUT", between(RUT_BARS, date(2025, 12, 8), date(2025, 12, 11)))))

    report = await world.jobs.backfill_job()

    assert report.result.added == 4 and report.failed == {}
    (_, _, query), = world.upstream.requests
    assert query["interval"] == "1d"
    assert datetime.fromtimestamp(int(query["period1"]), NEW_YORK).date() <= date(2025, 12, 8)
    record = world.db.call(prices.last_bar, "^RUT")
    assert (record.date, round(record.close, 2), record.source) == (date(2025, 12, 11), 2590.61, "yahoo")

    again = await world.jobs.backfill_job()
    assert again.up_to_date == ["^RUT"] and len(world.upstream.requests) == 1  # nothing missing: no request


async def test_a_hole_in_recent_history_is_found_and_filled(world):
    bars = between(RUT_BARS, date(2025, 6, 1), date(2025, 12, 11))
    seed(world.db, "^RUT", [b for b in bars if b.date != date(2025, 12, 3)])
    world.upstream.script("yahoo", "^RUT", ok_json(yahoo_daily("^RUT", between(RUT_BARS, date(2025, 12, 3), date(2025, 12, 11)))))
    report = await world.jobs.backfill_job()
    assert report.result.added == 1 and report.result.unchanged == 6
    assert date(2025, 12, 3) in world.db.call(prices.stored_dates, "^RUT", date(2025, 12, 1), date(2025, 12, 11))


async def test_failover_to_stooq_when_yahoo_keeps_failing(world):
    world.symbols[:] = ["^NDX"]
    seed(world.db, "^NDX", between(NDX_BARS, date(2025, 6, 1), date(2025, 12, 5)))
    world.upstream.script("yahoo", "^NDX", Answer(503, b"Service Unavailable", "text/plain"))
    world.upstream.script("stooq", "^ndx", ok_csv(stooq_csv(between(NDX_BARS, date(2025, 12, 8), date(2025, 12, 11)))))

    report = await world.jobs.backfill_job()

    assert report.result.added == 4
    assert world.upstream.count("yahoo") == 2  # one try and one retry, then on to the next source
    assert world.db.call(prices.last_bar, "^NDX").source == "stooq"


async def test_html_instead_of_json_is_never_stored(world):
    seed(world.db, "^RUT", between(RUT_BARS, date(2025, 6, 1), date(2025, 12, 5)))
    page = b"<!doctype html><html><head><title>Yahoo</title></head><body>consent</body></html>"
    world.upstream.script("yahoo", "^RUT", Answer(200, page, "text/html"))
    report = await world.jobs.backfill_job()
    assert "^RUT" in report.failed and report.result.added == 0
    assert world.db.call(prices.last_bar, "^RUT").date == date(2025, 12, 5)


async def test_a_bad_daily_bar_that_would_be_a_record_is_held_until_confirmed(world):
    seed(world.db, "^RUT", between(RUT_BARS, date(2025, 6, 1), date(2025, 12, 10)))
    good = between(RUT_BARS, date(2025, 12, 11), date(2025, 12, 11))[0]
    bad = type(good)(good.date, good.open, good.high * 10, good.low, good.close * 10, good.volume)  # 25,906.1
    world.upstream.script("yahoo", "^RUT", ok_json(yahoo_daily("^RUT", [bad])), ok_json(yahoo_daily("^RUT", [good])))

    first = await world.jobs.backfill_job()
    assert first.held == ["^RUT@2025-12-11"] and first.result.added == 0
    second = await world.jobs.backfill_job()
    assert second.result.added == 1
    assert round(world.db.call(prices.last_bar, "^RUT").close, 2) == 2590.61


async def test_quotes_are_polled_in_session_and_a_bad_tick_never_lands(world):
    seed(world.db, "^RUT", between(RUT_BARS, date(2025, 6, 1), date(2025, 12, 10)))
    world.clock.now = ny(2025, 12, 11, 11, 0)
    tick = ny(2025, 12, 11, 10, 59, 30)
    world.upstream.script(
        "yahoo", "^RUT",
        ok_json(yahoo_quote("^RUT", 25906.1, tick, 2559.61)),  # a misplaced decimal: a false record high
        ok_json(yahoo_quote("^RUT", 2575.0, tick + timedelta(minutes=1), 2559.61)),
    )
    first = await world.jobs.poll_quotes()
    assert first.held == ["^RUT"] and world.db.call(quotes.get_quote, "^RUT") is None
    world.clock.now += timedelta(minutes=1)
    second = await world.jobs.poll_quotes()
    assert second.stored == ["^RUT"]
    assert world.db.call(quotes.get_quote, "^RUT").price == 2575.0


@pytest.mark.parametrize(
    "moment",
    [ny(2025, 12, 25, 11, 0), ny(2025, 11, 28, 13, 30), ny(2025, 12, 13, 11, 0), ny(2025, 12, 11, 8, 0)],
    ids=["christmas", "after-early-close", "saturday", "before-open"],
)
async def test_no_poll_outside_the_regular_session(world, moment):
    world.clock.now = moment
    report = await world.jobs.poll_quotes()
    assert report.skipped and world.upstream.requests == []


async def test_one_request_per_symbol_however_many_want_it(world):
    world.symbols[:] = ["^RUT", "IWM", "CFG"] * 20  # the union is computed by the app; duplicates must not cost
    world.symbols[:] = list(dict.fromkeys(world.symbols))
    world.clock.now = ny(2025, 12, 11, 11, 0)
    for symbol, price in (("^RUT", 2575.0), ("IWM", 254.0), ("CFG", 58.0)):
        world.upstream.script("yahoo", symbol, ok_json(yahoo_quote(symbol, price, ny(2025, 12, 11, 10, 59), price)))
    await world.jobs.poll_quotes()
    assert world.upstream.count("yahoo") == 3


async def test_a_long_outage_raises_one_notice_and_one_on_recovery(world):
    world.clock.now = ny(2025, 12, 11, 10, 0)
    world.upstream.script("yahoo", "^RUT", Answer(500, b"oops", "text/plain"))
    for _ in range(15):
        await world.jobs.poll_quotes()
        world.clock.now += timedelta(minutes=1)
    world.yahoo.breaker.record_success()  # the breaker would wait its reset time; the test's clock moved on
    world.upstream.script("yahoo", "^RUT", ok_json(yahoo_quote("^RUT", 2575.0, world.clock.now, 2559.61)))
    await world.jobs.poll_quotes()
    assert [n.kind for n in world.notices] == ["down", "recovered"]


async def test_daily_close_job_skips_holidays(world):
    world.clock.now = ny(2025, 12, 25, 16, 20)
    report = await world.jobs.close_job()
    assert report.fetched == [] and world.upstream.requests == []


async def test_daily_close_job_refreshes_the_last_sessions(world):
    seed(world.db, "^RUT", between(RUT_BARS, date(2025, 6, 1), date(2025, 12, 11)))
    world.clock.now = ny(2025, 12, 11, 16, 20)
    world.upstream.script("yahoo", "^RUT", ok_json(yahoo_daily("^RUT", between(RUT_BARS, date(2025, 12, 9), date(2025, 12, 11)))))
    report = await world.jobs.close_job()
    assert report.fetched == ["^RUT"] and report.result.unchanged == 3


async def test_a_pending_ticker_is_confirmed_or_refused_and_the_subscriber_told(world):
    from bot.jobs.pending import confirm_pending
    from storage import outbox, subscriptions
    from tests.conftest import publisher

    world.clock.now = ny(2025, 12, 12, 10, 0)
    for symbol in ("ROAD", "NOPE"):
        world.db.call(subscriptions.add, subscriptions.Subscription(
            1, 42, symbol, "move", world.clock.now, 3.0, None, status="pending"))
    world.upstream.script("yahoo", "ROAD", ok_json(yahoo_daily("ROAD", between(RUT_BARS, date(2025, 12, 1),
                                                                                 date(2025, 12, 11)))))
    # NOPE: Yahoo answers 404 (not scripted) and Stooq has no such ticker either (404 here)

    publish = publisher(world.db, world.clock)
    assert await confirm_pending(world.db, world.jobs, publish, world.clock) == 2
    (road,) = world.db.call(subscriptions.for_user, 1, 42)
    assert road.symbol == "ROAD" and road.status == "active"
    messages = sorted(e.alert.message for e in world.db.call(outbox.recent, 10))
    assert messages == ["NOPE is not a ticker rotobot's sources know: that subscription was removed",
                        "ROAD found: your alerts on it are active"]
    assert await confirm_pending(world.db, world.jobs, publish, world.clock) == 0  # nothing pending any more


async def test_a_confirmed_jump_is_not_held_again_when_the_close_job_refetches_it(world):
    """A real +10.1% day (AAON, 18 Sep 2025 in the bundled history shape): held once, confirmed by the next
    run, and then left alone by later refreshes, so the sessions after it are stored."""
    seed(world.db, "^RUT", between(RUT_BARS, date(2025, 6, 1), date(2025, 12, 8)))
    bars = between(RUT_BARS, date(2025, 12, 9), date(2025, 12, 12))
    jump = type(bars[0])(bars[0].date, bars[0].open, bars[0].high * 1.2, bars[0].low, bars[0].close * 1.2,
                         bars[0].volume)
    rest = [type(b)(b.date, b.open, b.high * 1.2, b.low, b.close * 1.2, b.volume) for b in bars[1:]]
    world.clock.now = ny(2025, 12, 9, 16, 20)
    world.upstream.script("yahoo", "^RUT", ok_json(yahoo_daily("^RUT", [jump])))
    assert (await world.jobs.close_job()).held == ["^RUT@2025-12-09"]
    world.clock.now = ny(2025, 12, 10, 16, 20)
    world.upstream.script("yahoo", "^RUT", ok_json(yahoo_daily("^RUT", [jump, rest[0]])))
    assert (await world.jobs.close_job()).result.added == 2  # confirmed by the second look
    world.clock.now = ny(2025, 12, 11, 16, 20)
    world.upstream.script("yahoo", "^RUT", ok_json(yahoo_daily("^RUT", [jump, rest[0], rest[1]])))
    report = await world.jobs.close_job()
    assert report.held == [] and report.result.added == 1  # the refresh does not hold the old jump again


def timeline_of(world) -> list[tuple[str, str]]:
    """In order: each daily-bar fetch as it starts, and each verdict of the jump gate."""
    timeline: list[tuple[str, str]] = []
    fetch, check = world.market.daily_bars, world.gate.check

    async def fetching(symbol, *args):
        timeline.append(("fetch", symbol))
        return await fetch(symbol, *args)

    def judging(key, *args):
        verdict = check(key, *args)
        timeline.append(("accepted" if verdict.accepted else "held", key))
        return verdict

    world.market.daily_bars, world.gate.check = fetching, judging
    return timeline


async def test_two_back_fills_at_once_never_confirm_a_jump_with_answers_fetched_together(world):
    """The start-up back-fill and the close job can run at the same moment. A held jump may be confirmed only by
    an answer fetched after it was held, never by the other run's answer to a request made before that."""
    import asyncio

    world.clock.step = timedelta(milliseconds=1)
    seed(world.db, "^RUT", between(RUT_BARS, date(2025, 6, 1), date(2025, 12, 10)))
    good = between(RUT_BARS, date(2025, 12, 11), date(2025, 12, 11))[0]
    jump = type(good)(good.date, good.open, good.high * 10, good.low, good.close * 10, good.volume)
    world.upstream.script("yahoo", "^RUT", ok_json(yahoo_daily("^RUT", [jump])))  # what Yahoo says all along
    timeline = timeline_of(world)

    first, second = await asyncio.gather(world.jobs.backfill_job(), world.jobs.backfill_job())

    assert first.held == ["^RUT@2025-12-11"]
    held = timeline.index(("held", "^RUT@2025-12-11"))
    for at, event in enumerate(timeline):
        if event == ("accepted", "^RUT@2025-12-11"):
            assert ("fetch", "^RUT") in timeline[held:at], timeline  # a fetch made after the hold confirmed it


async def test_a_quote_is_confirmed_only_by_a_newer_exchange_time_not_by_the_same_answer_again(world):
    seed(world.db, "^RUT", between(RUT_BARS, date(2025, 6, 1), date(2025, 12, 10)))
    world.clock.now = ny(2025, 12, 11, 11, 0)
    tick = ny(2025, 12, 11, 10, 59, 30)
    world.upstream.script(
        "yahoo", "^RUT",
        ok_json(yahoo_quote("^RUT", 2200.0, tick, 2559.61)),  # -14%: held
        ok_json(yahoo_quote("^RUT", 2200.0, tick, 2559.61)),  # the same trade again: Yahoo has nothing newer
        ok_json(yahoo_quote("^RUT", 2201.0, tick + timedelta(minutes=1), 2559.61)),
    )
    assert (await world.jobs.poll_quotes()).held == ["^RUT"]
    world.clock.now += timedelta(minutes=1)
    assert (await world.jobs.poll_quotes()).held == ["^RUT"]
    world.clock.now += timedelta(minutes=1)
    assert (await world.jobs.poll_quotes()).stored == ["^RUT"]


async def test_a_quote_poll_does_not_wait_for_a_back_fill_stuck_on_a_slow_source(world):
    """Back-fills take turns end to end, but a poll waits for one symbol's write at most, never a whole run."""
    import asyncio

    seed(world.db, "^RUT", between(RUT_BARS, date(2025, 6, 1), date(2025, 12, 5)))
    world.clock.now = ny(2025, 12, 11, 11, 0)
    world.upstream.script(
        "yahoo", "^RUT",
        ok_json(yahoo_quote("^RUT", 2575.0, ny(2025, 12, 11, 10, 59, 30), 2559.61)),  # the poll asks first
        ok_json(yahoo_daily("^RUT", between(RUT_BARS, date(2025, 12, 8), date(2025, 12, 10)))),
    )
    fetching, answer = asyncio.Event(), asyncio.Event()
    fetch = world.market.daily_bars

    async def slow(*args):
        fetching.set()
        await answer.wait()  # the source takes its time
        return await fetch(*args)

    world.market.daily_bars = slow
    backfill = asyncio.create_task(world.jobs.backfill_job())
    await fetching.wait()

    polled = await asyncio.wait_for(world.jobs.poll_quotes(), 30)  # the bound only stops a deadlock hanging
    assert polled.stored == ["^RUT"] and not backfill.done()
    answer.set()
    assert (await backfill).result.added == 3


async def test_a_chart_answer_spelling_the_symbol_in_another_case_is_stored_under_the_symbol_asked(world):
    # Yahoo's meta.symbol may differ in case from the symbol asked; rules and commands look up the one asked.
    world.clock.now = ny(2025, 12, 11, 11, 0)
    world.upstream.script("yahoo", "^RUT", ok_json(yahoo_quote("^rut", 2575.0, ny(2025, 12, 11, 10, 59), 2559.61)))
    report = await world.jobs.poll_quotes()
    assert report.stored == ["^RUT"] and world.db.call(quotes.get_quote, "^RUT").price == 2575.0
    assert world.db.call(quotes.get_quote, "^rut") is None
    world.clock.now = ny(2025, 12, 12, 3, 10)
    seed(world.db, "^RUT", between(RUT_BARS, date(2025, 6, 1), date(2025, 12, 5)))
    world.upstream.script("yahoo", "^RUT", ok_json(yahoo_daily("^rut", between(RUT_BARS, date(2025, 12, 8),
                                                                                 date(2025, 12, 11)))))
    report = await world.jobs.backfill_job()
    assert report.result.added == 4 and world.db.call(prices.last_bar, "^RUT").date == date(2025, 12, 11)
    assert world.db.call(prices.last_bar, "^rut") is None


async def test_a_poll_writes_its_quotes_in_one_transaction(world):
    world.symbols[:] = ["^RUT", "IWM", "CFG"]
    world.clock.now = ny(2025, 12, 11, 11, 0)
    for symbol, price in (("^RUT", 2575.0), ("IWM", 254.0), ("CFG", 58.0)):
        world.upstream.script("yahoo", symbol, ok_json(yahoo_quote(symbol, price, ny(2025, 12, 11, 10, 59), price)))
    statements: list[str] = []
    world.db.call(lambda sqlite: sqlite.conn.set_trace_callback(statements.append))
    try:
        report = await world.jobs.poll_quotes()
    finally:
        world.db.call(lambda sqlite: sqlite.conn.set_trace_callback(None))
    assert sorted(report.stored) == ["CFG", "IWM", "^RUT"]
    assert sum(1 for s in statements if s.strip().upper() == "COMMIT") == 1, "one commit per quote"
