"""The quote poll through Yahoo's spark endpoint, as the app builds it (bot/pipeline.py build_market), against a
loopback Yahoo: 20 symbols a request, the chart API for whatever spark did not answer well, and spark switched
off (one notice) when it keeps failing. Spark answers are the recorded spark envelope around real chart bodies
(tests/upstream.py spark_body), not recordings of batches."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import aiohttp
import pytest

from alerts.market.batched_quotes import IN_FLIGHT
from alerts.market.breaker import CircuitBreaker
from alerts.market.spark_switch import FAILURES_TO_STOP
from alerts.market.calendar import NEW_YORK, TradingCalendar
from alerts.market.providers import StooqProvider, YahooProvider
from alerts.market.source_client import RetryPolicy, SourceClient
from bot.pipeline import build_market
from bot.settings.sections import MarketSettings
from storage import quotes
from storage.database import Database
from tests.conftest import Clock, no_sleep
from tests.upstream import Answer, FakeUpstream, ok_json, spark_body, yahoo_quote

CALENDAR = TradingCalendar()
HTML = Answer(200, b"<!doctype html><html><head><title>Yahoo</title></head><body>consent</body></html>", "text/html")


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


@asynccontextmanager
async def opened(folder, breaker: CircuitBreaker | None = None):
    database = Database.open(folder / "rotobot.db")
    async with FakeUpstream() as upstream, aiohttp.ClientSession() as session:
        quick = RetryPolicy(attempts=2, base_delay=0.0)
        data = [YahooProvider(SourceClient("yahoo", session, retry=quick, sleep=no_sleep, breaker=breaker), upstream.url),
                StooqProvider(SourceClient("stooq", session, retry=quick, sleep=no_sleep), upstream.url)]
        clock = Clock(ny(2025, 12, 11, 11, 0))
        notices, symbols = [], []

        async def needed():
            return list(symbols)

        async def notify(notice):
            notices.append(notice)

        jobs = build_market(database, data, CALENDAR, symbols=needed, notify=notify, clock=clock,
                            limits=MarketSettings()).jobs
        yield type("World", (), dict(db=database, upstream=upstream, jobs=jobs, clock=clock, notices=notices,
                                     symbols=symbols))
    database.close()


@pytest.fixture
async def world(tmp_path):
    async with opened(tmp_path) as world:
        yield world


def body(world, symbol: str, price: float = 100.0, **meta) -> bytes:
    """A real ^TNX chart body refilled for `symbol` (tests/upstream.py yahoo_quote), stamped 30 s before now."""
    raw = yahoo_quote(symbol, price, world.clock.now - timedelta(seconds=30), 99.0)
    if meta:
        document = json.loads(raw)
        document["chart"]["result"][0]["meta"].update(meta)
        raw = json.dumps(document).encode()
    return raw


def follow(world, *names: str, spark: bool = True, chart: bool = True, price: float = 100.0) -> None:
    world.symbols.extend(names)
    for name in names:
        if spark:
            world.upstream.script("spark", name, ok_json(body(world, name, price)))
        if chart:
            world.upstream.script("yahoo", name, ok_json(body(world, name, price + 0.5)))


def spark_asked(world) -> list[list[str]]:
    return [symbols.split(",") for source, symbols, _ in world.upstream.requests if source == "spark"]


def stored(world, symbol: str):
    return world.db.call(quotes.get_quote, symbol)


async def poll(world, minutes: float = 1):
    """One poll, then the clock moves on; returns the report and the requests it sent."""
    before = len(world.upstream.requests)
    report = await world.jobs.poll_quotes()
    sent = world.upstream.requests[before:]
    world.clock.now += timedelta(minutes=minutes)
    return report, sent


async def test_twenty_one_symbols_cost_two_spark_requests_and_no_chart_request(world):
    names = [f"S{n:02d}" for n in range(21)]
    follow(world, *names)
    report, sent = await poll(world)
    assert sorted(report.stored) == names and report.failed == {}
    assert [source for source, _, _ in sent] == ["spark", "spark"]
    assert sorted(map(len, spark_asked(world))) == [1, 20]
    assert all(query["range"] == "1d" and query["interval"] == "5m" for _, _, query in sent)
    assert stored(world, "S20").price == 100.0  # the spark part's price, not the chart's


async def test_a_symbol_followed_many_times_is_asked_once(world):
    follow(world, "AAA", "BBB")
    world.symbols.extend(["AAA", "BBB", "AAA"])
    report, sent = await poll(world)
    assert spark_asked(world) == [["AAA", "BBB"]] and len(sent) == 1
    assert sorted(report.stored) == ["AAA", "BBB"]


async def test_a_symbol_missing_from_the_answer_is_asked_through_the_chart_api(world):
    follow(world, "AAA", "BBB")
    follow(world, "CCC", spark=False)
    report, sent = await poll(world)
    assert [(source, symbol) for source, symbol, _ in sent] == [("spark", "AAA,BBB,CCC"), ("yahoo", "CCC")]
    assert sorted(report.stored) == ["AAA", "BBB", "CCC"] and stored(world, "CCC").price == 100.5


def zero_close(result):
    result["indicators"]["quote"][0]["close"][5] = 0


@pytest.mark.parametrize("edit", [
    lambda r: r["meta"].update(regularMarketPrice=0),
    lambda r: r["meta"].update(regularMarketPrice=-3.0),
    lambda r: r["meta"].update(regularMarketTime=int(ny(2025, 12, 11, 12, 0).timestamp())),  # an hour ahead
    lambda r: r["meta"].update(exchangeTimezoneName=None, gmtoffset=None),
    zero_close,
])
async def test_a_part_that_fails_a_check_is_never_stored_and_its_symbol_goes_to_the_chart_api(world, edit):
    follow(world, "AAA", "BBB")
    document = json.loads(body(world, "BBB"))
    edit(document["chart"]["result"][0])
    world.upstream.script("spark", "BBB", ok_json(json.dumps(document).encode()))
    report, sent = await poll(world)
    assert [(source, symbol) for source, symbol, _ in sent] == [("spark", "AAA,BBB"), ("yahoo", "BBB")]
    assert sorted(report.stored) == ["AAA", "BBB"]
    assert stored(world, "BBB").price == 100.5 and stored(world, "AAA").price == 100.0


async def test_an_html_answer_sends_every_symbol_of_its_batch_to_the_chart_api(world):
    follow(world, "AAA", "BBB", "CCC")
    world.upstream.script("spark", "*", HTML)
    report, sent = await poll(world)
    assert world.upstream.count("spark") == 1 and world.upstream.count("yahoo") == 3
    assert sorted(report.stored) == ["AAA", "BBB", "CCC"] and stored(world, "AAA").price == 100.5


@pytest.mark.parametrize("answer", [
    Answer(429, b"Too Many Requests", "text/plain", {"Retry-After": "0"}),
    Answer(500, b"Internal Server Error", "text/plain"),
])
async def test_an_error_status_is_retried_by_the_client_then_the_chart_api_answers(world, answer):
    follow(world, "AAA", "BBB")
    world.upstream.script("spark", "*", answer)
    report, sent = await poll(world)
    assert world.upstream.count("spark") == 2  # the client's one try and one retry
    assert world.upstream.count("yahoo") == 2 and sorted(report.stored) == ["AAA", "BBB"]


async def test_a_429_that_passes_on_the_client_s_retry_needs_no_chart_request(world):
    follow(world, "AAA", "BBB", spark=False)
    parts = [(name, body(world, name)) for name in ("AAA", "BBB")]
    world.upstream.script("spark", "*", Answer(429, b"Too Many Requests", "text/plain", {"Retry-After": "0"}),
                          ok_json(spark_body(parts)))
    report, sent = await poll(world)
    assert [source for source, _, _ in sent] == ["spark", "spark"] and sorted(report.stored) == ["AAA", "BBB"]
    assert stored(world, "AAA").price == 100.0


async def test_after_a_failed_batch_spark_is_asked_again_at_the_next_poll(world):
    follow(world, "AAA", "BBB")
    world.upstream.script("spark", "*", Answer(429, b"Too Many Requests", "text/plain", {"Retry-After": "0"}))
    await poll(world)
    assert world.upstream.count("yahoo") == 2  # both tries were 429: every symbol went to the chart API
    world.upstream.unscript("spark", "*")  # the parts scripted above answer again
    report, sent = await poll(world)
    assert [source for source, _, _ in sent] == ["spark"] and sorted(report.stored) == ["AAA", "BBB"]


async def test_requests_per_poll_are_one_per_twenty_symbols_plus_one_per_fallback(world):
    names = [f"S{n:02d}" for n in range(45)]
    follow(world, *names)
    for name in ("S07", "S33"):
        world.upstream.script("spark", name, Answer(404))  # left out of the answer
    report, sent = await poll(world)
    assert len(sent) == 3 + 2  # ceil(45 / 20) spark requests, and the chart for the two left out
    assert sorted(symbol for source, symbol, _ in sent if source == "yahoo") == ["S07", "S33"]
    assert len(report.stored) == 45


async def test_a_symbol_with_a_comma_goes_to_the_chart_api_directly(world):
    follow(world, "AAA")
    follow(world, "B,C", spark=False)
    report, sent = await poll(world)
    assert spark_asked(world) == [["AAA"]] and world.upstream.count("yahoo", "B,C") == 1


async def test_spark_that_keeps_failing_gives_one_notice_and_the_chart_api_alone_until_a_retry(world):
    follow(world, "AAA", "BBB")
    world.upstream.script("spark", "*", HTML)
    for _ in range(3):
        report, sent = await poll(world)
        assert [s for s, _, _ in sent] == ["spark", "yahoo", "yahoo"] and len(report.stored) == 2
    (notice,) = world.notices
    assert (notice.source, notice.kind) == ("yahoo spark", "down") and "got HTML" in notice.text
    for _ in range(20):  # the chart API alone, and nothing more said
        report, sent = await poll(world)
        assert [s for s, _, _ in sent] == ["yahoo", "yahoo"] and len(report.stored) == 2
    assert len(world.notices) == 1
    world.clock.now = ny(2025, 12, 11, 11, 32)  # 30 min after it went off: one trial batch
    _, sent = await poll(world)
    assert [s for s, _, _ in sent] == ["spark", "yahoo", "yahoo"] and len(world.notices) == 1
    _, sent = await poll(world)
    assert [s for s, _, _ in sent] == ["yahoo", "yahoo"]
    world.upstream.unscript("spark", "*")  # spark answers well again
    world.clock.now = ny(2025, 12, 11, 12, 3)
    report, sent = await poll(world)
    assert [s for s, _, _ in sent] == ["spark"] and len(report.stored) == 2
    assert [n.kind for n in world.notices] == ["down", "recovered"]
    _, sent = await poll(world)
    assert [s for s, _, _ in sent] == ["spark"] and len(world.notices) == 2


async def test_a_spark_that_goes_bad_costs_a_few_requests_not_a_poll_s_worth(world):
    names = [f"S{n:03d}" for n in range(400)]  # 20 batches
    follow(world, *names, spark=False)
    world.upstream.script("spark", "*", HTML)
    report, sent = await poll(world)
    assert len(report.stored) == 400 and world.upstream.count("yahoo") == 400
    # The first ones out, and one more for each verdict before the one that held spark back; never all 20.
    assert world.upstream.count("spark") <= IN_FLIGHT + FAILURES_TO_STOP - 1
    # Failures within one poll may be a blip: the next poll asks spark with one batch, and that turns it off.
    assert world.notices == []
    first = world.upstream.count("spark")
    report, sent = await poll(world)
    assert len(report.stored) == 400 and world.upstream.count("spark") == first + 1
    assert [n.source for n in world.notices] == ["yahoo spark"]


async def test_yahoo_down_altogether_is_not_blamed_on_spark(tmp_path):
    # A breaker that never opens, so spark is asked (and fails) at every poll, as the chart API is.
    async with opened(tmp_path, CircuitBreaker(failure_threshold=10_000)) as world:
        world.symbols.extend(["AAA", "BBB"])
        world.upstream.script("spark", "*", Answer(500, b"Internal Server Error", "text/plain"))
        for name in ("AAA", "BBB"):
            world.upstream.script("yahoo", name, Answer(500, b"Internal Server Error", "text/plain"))
        for _ in range(12):
            report, sent = await poll(world)
            assert report.stored == [] and sorted(report.failed) == ["AAA", "BBB"]
            assert [source for source, _, _ in sent] == ["spark"] * 2 + ["yahoo"] * 4
        assert [(n.source, n.kind) for n in world.notices] == [("yahoo", "down")]  # Yahoo's outage, said once


async def test_spark_alone_failing_with_5xx_never_costs_the_chart_api_its_quotes(world):
    # Spark answers 500 (retryable) while the chart API answers every symbol. Spark's faults are recorded on
    # Yahoo's one breaker, so a poll's worth of failed batches must not open it against the chart API too.
    names = [f"S{n:03d}" for n in range(200)]  # 10 batches
    follow(world, *names, spark=False)
    world.upstream.script("spark", "*", Answer(500, b"Internal Server Error", "text/plain"))
    for _ in range(3):
        report, sent = await poll(world)
        assert len(report.stored) == 200 and report.failed == {}
    assert [n.source for n in world.notices] == ["yahoo spark"]


async def test_a_part_whose_meta_spells_the_symbol_in_another_case_is_stored_under_the_symbol_asked(world):
    # The parser matches parts to the symbols asked whatever their case; what it matched must then be stored
    # under the symbol asked (the one rules and commands look up), not under the answer's spelling.
    follow(world, "AAA", "^TNX")
    world.upstream.script("spark", "^TNX", ok_json(body(world, "^tnx")))
    report, sent = await poll(world)
    assert [source for source, _, _ in sent] == ["spark"]
    assert stored(world, "^TNX") is not None and stored(world, "^tnx") is None
    assert sorted(report.stored) == ["AAA", "^TNX"]


async def test_yahoo_s_rate_limit_on_spark_does_not_switch_to_twenty_times_the_requests(world):
    # A 429 is Yahoo asking for fewer requests, not spark being broken: the chart API getting through between
    # them must not turn spark off, which would send one request per symbol into the same rate limit.
    names = [f"S{n:02d}" for n in range(20)]
    follow(world, *names, spark=False)
    world.upstream.script("spark", "*", Answer(429, b"Too Many Requests", "text/plain", {"Retry-After": "0"}))
    for _ in range(FAILURES_TO_STOP):
        report, _ = await poll(world)
        assert len(report.stored) == 20
    report, sent = await poll(world)
    assert world.notices == []
    assert [source for source, _, _ in sent].count("spark") >= 1  # spark is still asked first


async def test_once_yahoo_is_back_a_spark_still_failing_does_not_spend_every_breaker_trial(tmp_path):
    # Yahoo down altogether opens its breaker. The chart API comes back first; spark still answers 500. The
    # breaker's half-open trial is one request, and the first out is always a spark batch: it fails, the breaker
    # opens again, the chart API is never asked, and (the chart never answering) spark is never blamed.
    ticks = [0.0]
    breaker = CircuitBreaker(failure_threshold=5, reset_after=300.0, clock=lambda: ticks[0])
    async with opened(tmp_path, breaker) as world:
        world.symbols.extend(["AAA", "BBB"])
        world.upstream.script("spark", "*", Answer(500, b"Internal Server Error", "text/plain"))
        for name in ("AAA", "BBB"):
            world.upstream.script("yahoo", name, Answer(500, b"Internal Server Error", "text/plain"))
        while breaker.state != "open":
            await poll(world)
        follow(world, "AAA", "BBB", spark=False)  # the chart API answers again; spark does not
        stored_after = []
        for _ in range(4):  # four breaker periods, one poll each
            ticks[0] += 301
            report, _ = await poll(world, minutes=5)
            stored_after.append(sorted(report.stored))
        assert ["AAA", "BBB"] in stored_after


async def test_yahoo_down_altogether_still_opens_the_breaker_for_spark_too(tmp_path):
    # Spark's own faults leave Yahoo's breaker alone; the chart API's, asked for each failed batch, open it, and
    # then nothing goes to Yahoo at all, spark included, until the chart API's trial.
    ticks = [0.0]
    breaker = CircuitBreaker(failure_threshold=5, reset_after=300.0, clock=lambda: ticks[0])
    async with opened(tmp_path, breaker) as world:
        world.symbols.extend(["AAA", "BBB"])
        world.upstream.script("spark", "*", Answer(500, b"Internal Server Error", "text/plain"))
        for name in ("AAA", "BBB"):
            world.upstream.script("yahoo", name, Answer(500, b"Internal Server Error", "text/plain"))
        for _ in range(3):
            await poll(world)
        assert breaker.state == "open"
        report, sent = await poll(world)
        assert sent == [] and sorted(report.failed) == ["AAA", "BBB"]
        assert [n.source for n in world.notices if n.source == "yahoo spark"] == []  # Yahoo's outage, not spark's


async def test_a_spark_that_answers_without_a_part_for_any_symbol_asked_is_blamed(world):
    # A well-formed answer that carries none of the symbols asked, while the chart API serves them all, is spark
    # failing as surely as an error status: otherwise it costs a spark request per batch on every poll, for good.
    follow(world, "AAA", "BBB", spark=False)
    world.upstream.script("spark", "*", ok_json(spark_body([])))
    for _ in range(FAILURES_TO_STOP):
        report, sent = await poll(world)
        assert [s for s, _, _ in sent] == ["spark", "yahoo", "yahoo"] and sorted(report.stored) == ["AAA", "BBB"]
    (notice,) = world.notices
    assert (notice.source, notice.kind) == ("yahoo spark", "down") and "no part for any of the 2 symbols" in notice.text
    _, sent = await poll(world)
    assert [s for s, _, _ in sent] == ["yahoo", "yahoo"]


async def test_a_blip_inside_one_poll_does_not_turn_spark_off(world):
    # Three failed batches in one poll, then spark answers: with 5,000 symbols, half an hour on the chart API
    # alone would cost about 250 s a poll, four times the interval.
    names = [f"S{n:03d}" for n in range(100)]  # 5 batches
    follow(world, *names)
    world.upstream.script("spark", "*", HTML)
    report, sent = await poll(world)
    assert len(report.stored) == 100 and world.notices == []
    world.upstream.unscript("spark", "*")
    report, sent = await poll(world)
    assert [s for s, _, _ in sent] == ["spark"] * 5 and len(report.stored) == 100
    assert world.notices == []
