"""SourceClient against a real aiohttp server on loopback that answers with scripted replies.

Time is fake: the client's sleep records each requested delay and moves the fake clock instead of waiting.
The one real wait is a server handler slower than a 0.2 s client timeout.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from itertools import pairwise

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import given
from hypothesis import strategies as st

from alerts.backoff import retry_after_seconds
from alerts.market.breaker import CircuitBreaker
from alerts.market.errors import SourceUnavailable, UpstreamError
from alerts.market.source_client import (
    RetryPolicy,
    SourceClient,
    strip_queries,
    without_query,
)

SECRET = "s3cr3t-key-123"


# --- the scripted upstream -------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: bytes = b'{"ok": true}'
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


Step = Reply | Callable[[web.Request], Awaitable[web.StreamResponse]]


class ScriptedUpstream:
    """Answers each request with the next step of its script and remembers what it was asked."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.script: list[Step] = []
        self.requests: list[tuple[str, dict[str, str], float]] = []  # path, query, fake-clock time of arrival
        self.base = ""
        self._clock = clock

    def url(self, path: str) -> str:
        return self.base + path.lstrip("/")

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path, dict(request.query), self._clock()))
        if not self.script:
            return web.Response(status=599, text="the test sent more requests than it scripted")
        step = self.script.pop(0)
        if isinstance(step, Reply):
            return web.Response(
                status=step.status, body=step.body, content_type=step.content_type, headers=step.headers
            )
        return await step(request)

    async def redirect_to_itself(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(request.path_qs)


class FakeTime:
    """A clock that moves only when the client sleeps; every requested delay is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.wakes: list[float] = []  # the clock reading each sleeper wakes at

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        self.now += delay
        self.wakes.append(self.now)
        await asyncio.sleep(0)  # still a suspension point, as a real sleep is


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def upstream(fake_time):
    scripted = ScriptedUpstream(fake_time.clock)
    app = web.Application()
    app.router.add_get("/loop", scripted.redirect_to_itself)
    app.router.add_get("/{tail:.*}", scripted.handle)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    scripted.base = str(server.make_url("/"))
    yield scripted
    await server.close()


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as shared:
        yield shared


@pytest.fixture
def make_client(session, fake_time):
    def make(**overrides) -> SourceClient:
        settings = {"sleep": fake_time.sleep, "clock": fake_time.clock, "rand": lambda: 0.5}
        settings.update(overrides)
        return SourceClient("test", session, **settings)

    return make


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def until(condition: Callable[[], bool], *, yields: int = 2000) -> None:
    """Let the loop run (no real waiting) until condition holds."""
    for _ in range(yields):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


# --- RetryPolicy and Retry-After: pure -------------------------------------------------------------------


def test_default_policy_doubles_from_half_a_second_up_to_the_cap():
    policy = RetryPolicy()
    assert [policy.ceiling(n) for n in range(8)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert policy.delay(2, rand=0.0) == 2.0
    assert policy.delay(2, rand=0.5) == 1.5  # equal jitter: between half and all of the ceiling


policies = st.builds(
    RetryPolicy,
    attempts=st.integers(1, 10),
    base_delay=st.floats(0, 100, allow_nan=False),
    max_delay=st.floats(0, 3600, allow_nan=False),
    jitter=st.floats(0, 1),
)


@given(policy=policies, attempt=st.integers(0, 5000), rand=st.floats(0, 1, exclude_max=True))
def test_delay_stays_within_zero_and_max_delay(policy, attempt, rand):
    delay = policy.delay(attempt, rand)
    assert 0 <= delay <= policy.max_delay
    assert delay >= (1 - policy.jitter) * policy.ceiling(attempt) - 1e-9


@given(policy=policies, attempt=st.integers(0, 5000))
def test_the_ceiling_never_decreases(policy, attempt):
    assert policy.ceiling(attempt) <= policy.ceiling(attempt + 1)


@pytest.mark.parametrize(
    "settings", [{"attempts": 0}, {"base_delay": -1}, {"max_delay": -1}, {"jitter": 1.5}, {"jitter": -0.1}]
)
def test_nonsense_policies_are_refused(settings):
    with pytest.raises(ValueError):
        RetryPolicy(**settings)


DATE = "Wed, 21 Oct 2015 07:28:00 GMT"
DATE_PLUS_5 = "Wed, 21 Oct 2015 07:28:05 GMT"
DATE_EPOCH = 1445412480.0


@pytest.mark.parametrize(
    ("value", "server_date", "now", "expected"),
    [
        ("7", None, 0.0, 7.0),
        (" 120 ", None, 0.0, 120.0),
        (DATE_PLUS_5, DATE, 0.0, 5.0),  # measured from the upstream's own Date: our clock does not matter
        (DATE_PLUS_5, None, DATE_EPOCH + 2, 3.0),  # no Date header: measured from our wall clock
        (DATE, DATE_PLUS_5, 0.0, 0.0),  # a date in the past means now
        (None, None, 0.0, None),
        ("", None, 0.0, None),
        ("soon", None, 0.0, None),
        ("-5", None, 0.0, None),
        ("1.5", None, 0.0, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(value, server_date, now, expected):
    assert retry_after_seconds(value, server_date=server_date, now=now) == expected


def test_query_strings_are_cut_from_urls_and_text():
    assert without_query(f"https://q.example/v8/chart/SPY?apikey={SECRET}#x") == "https://q.example/v8/chart/SPY"
    text = f"404, message='Not Found', url='https://q.example/a?apikey={SECRET}&s=1' then http://b/c?k={SECRET} end"
    assert strip_queries(text) == "404, message='Not Found', url='https://q.example/a' then http://b/c end"


# --- SourceClient against the loopback server ------------------------------------------------------------


async def test_a_200_passes_body_and_content_type_through_unparsed(upstream, make_client, fake_time):
    html = b"<html>consent wall</html>"
    upstream.script = [Reply(200, html, "text/html")]
    client = make_client()
    response = await client.get(upstream.url("v8/chart/SPY"), params={"range": "5d"}, symbol="SPY")
    assert (response.status, response.content_type, response.body) == (200, "text/html", html)
    assert response.url == upstream.url("v8/chart/SPY")
    assert [(path, query) for path, query, _ in upstream.requests] == [("/v8/chart/SPY", {"range": "5d"})]
    assert (client.requests_sent, fake_time.sleeps, client.breaker.state) == (1, [], "closed")


async def test_5xx_is_retried_with_backoff_until_it_passes(upstream, make_client, fake_time):
    upstream.script = [Reply(500), Reply(502), Reply(200, b"fine")]
    client = make_client()
    response = await client.get(upstream.url("q"))
    assert response.body == b"fine"
    assert fake_time.sleeps == [0.375, 0.75]  # 0.5 and 1.0 s ceilings, rand 0.5 with jitter 0.5
    assert (client.requests_sent, client.breaker.failures) == (3, 0)


async def test_after_the_last_try_the_error_says_what_happened(upstream, make_client, fake_time, session):
    upstream.script = [Reply(503)] * 4
    client = make_client()
    with pytest.raises(UpstreamError) as caught:
        await client.get(upstream.url("q"), symbol="IWM")
    error = caught.value
    assert (error.source, error.symbol, error.retryable) == ("test", "IWM", True)
    assert error.reason == "HTTP 503 after 4 tries"
    assert fake_time.sleeps == [0.375, 0.75, 1.5]
    assert (len(upstream.requests), client.breaker.failures) == (4, 1)  # one failed get, one breaker failure
    assert not session.closed  # the shared session belongs to the app


async def test_one_call_can_ask_for_a_single_try(upstream, make_client, fake_time):
    upstream.script = [Reply(503), Reply(200, b"fine")]
    client = make_client()
    with pytest.raises(UpstreamError) as caught:
        await client.get(upstream.url("q"), attempts=1)
    assert caught.value.reason == "HTTP 503 after 1 try" and caught.value.retryable
    assert (len(upstream.requests), fake_time.sleeps) == (1, [])
    assert (await client.get(upstream.url("q"))).body == b"fine"  # the policy's tries again for other calls
    with pytest.raises(ValueError, match="at least 1"):
        await client.get(upstream.url("q"), attempts=0)


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_in_seconds_is_honoured(upstream, make_client, fake_time, status):
    upstream.script = [Reply(status, headers={"Retry-After": "7"}), Reply(200)]
    await make_client().get(upstream.url("q"))
    assert fake_time.sleeps == [7.0]


async def test_retry_after_as_an_http_date_is_honoured(upstream, make_client, fake_time):
    upstream.script = [Reply(429, headers={"Date": DATE, "Retry-After": DATE_PLUS_5}), Reply(200)]
    await make_client().get(upstream.url("q"))
    assert fake_time.sleeps == [5.0]


async def test_an_unreadable_retry_after_falls_back_to_backoff(upstream, make_client, fake_time):
    upstream.script = [Reply(503, headers={"Retry-After": "whenever"}), Reply(200)]
    await make_client().get(upstream.url("q"))
    assert fake_time.sleeps == [0.375]


async def test_retry_after_beyond_max_delay_fails_at_once_saying_when(upstream, make_client, fake_time):
    upstream.script = [Reply(429, headers={"Retry-After": "120"}), Reply(200)]
    client = make_client(retry=RetryPolicy(max_delay=30.0))
    with pytest.raises(UpstreamError) as caught:
        await client.get(upstream.url("q"))
    assert "HTTP 429" in caught.value.reason and "retry in 120 s" in caught.value.reason
    assert caught.value.retryable
    assert (fake_time.sleeps, len(upstream.requests)) == ([], 1)


@pytest.mark.parametrize("status", [400, 404])
async def test_a_client_error_is_not_retried_nor_held_against_the_source(upstream, make_client, fake_time, status):
    upstream.script = [Reply(status), Reply(200)]
    client = make_client()
    with pytest.raises(UpstreamError) as caught:
        await client.get(upstream.url("q"), symbol="NOPE")
    assert (caught.value.reason, caught.value.retryable) == (f"HTTP {status}", False)
    assert (len(upstream.requests), fake_time.sleeps) == (1, [])
    assert (client.breaker.failures, client.breaker.state) == (0, "closed")


async def test_a_slow_upstream_times_out_is_retried_then_fails(upstream, make_client, fake_time):
    async def slower_than_the_timeout(request):
        await asyncio.Event().wait()  # never answers: the client gives up after its 0.2 s and this is cancelled
        return web.Response(text="too late")

    upstream.script = [slower_than_the_timeout, slower_than_the_timeout]
    client = make_client(timeout=0.2, retry=RetryPolicy(attempts=2))
    with pytest.raises(UpstreamError) as caught:
        await client.get(upstream.url("q"))
    assert (caught.value.reason, caught.value.retryable) == ("timed out after 0.2 s, 2 tries", True)
    assert (len(upstream.requests), fake_time.sleeps) == (2, [0.375])


async def test_a_refused_connection_is_retried_then_fails(make_client, fake_time, closed_port):
    client = make_client(retry=RetryPolicy(attempts=3))
    with pytest.raises(UpstreamError) as caught:
        await client.get(f"http://127.0.0.1:{closed_port}/q")
    assert caught.value.reason.startswith("cannot connect: ")
    assert caught.value.reason.endswith(", 3 tries")
    assert caught.value.retryable
    assert (client.requests_sent, fake_time.sleeps) == (3, [0.375, 0.75])


async def test_a_redirect_loop_is_not_retried(upstream, make_client):
    client = make_client()
    with pytest.raises(UpstreamError) as caught:
        await client.get(upstream.url("loop"), params={"apikey": SECRET})
    assert not caught.value.retryable
    from alerts.market.source_client import MAX_REDIRECTS

    assert client.requests_sent == MAX_REDIRECTS + 1  # each hop is a request of its own, in the rate limit; no retry
    assert SECRET not in str(caught.value)


async def test_the_breaker_opens_rejects_without_sending_then_a_trial_closes_it(upstream, make_client, fake_time):
    upstream.script = [Reply(500), Reply(500), Reply(200)]
    breaker = CircuitBreaker(failure_threshold=2, reset_after=60.0, clock=fake_time.clock)
    client = make_client(retry=RetryPolicy(attempts=1), breaker=breaker)
    for _ in range(2):
        with pytest.raises(UpstreamError):
            await client.get(upstream.url("q"))
    assert breaker.state == "open"

    fake_time.now += 15
    with pytest.raises(SourceUnavailable) as caught:
        await client.get(upstream.url("q"), symbol="SPY")
    assert caught.value.symbol == "SPY"
    assert "circuit open" in caught.value.reason and "next try in 45 s" in caught.value.reason
    assert (len(upstream.requests), client.requests_sent) == (2, 2)  # nothing was sent

    fake_time.now += 45
    response = await client.get(upstream.url("q"))
    assert response.status == 200
    assert (breaker.state, len(upstream.requests)) == ("closed", 3)


async def test_a_failed_trial_reopens_the_circuit(upstream, make_client, fake_time):
    upstream.script = [Reply(500), Reply(500)]
    breaker = CircuitBreaker(failure_threshold=1, reset_after=60.0, clock=fake_time.clock)
    client = make_client(retry=RetryPolicy(attempts=1), breaker=breaker)
    with pytest.raises(UpstreamError):
        await client.get(upstream.url("q"))
    fake_time.now += 60
    with pytest.raises(UpstreamError):
        await client.get(upstream.url("q"))  # the trial
    assert (breaker.state, breaker.seconds_until_trial()) == ("open", 60.0)  # opened again just now
    with pytest.raises(SourceUnavailable):
        await client.get(upstream.url("q"))
    assert len(upstream.requests) == 2


async def test_a_cancelled_trial_lets_the_next_get_try_again(upstream, make_client, fake_time):
    arrived = asyncio.Event()

    async def hang(request):
        arrived.set()
        await asyncio.Event().wait()  # until the client goes away and the server cancels this handler

    upstream.script = [Reply(500), hang, Reply(200)]
    breaker = CircuitBreaker(failure_threshold=1, reset_after=60.0, clock=fake_time.clock)
    client = make_client(retry=RetryPolicy(attempts=1), breaker=breaker)
    with pytest.raises(UpstreamError):
        await client.get(upstream.url("q"))
    fake_time.now += 60

    trial = asyncio.create_task(client.get(upstream.url("q")))
    await asyncio.wait_for(arrived.wait(), timeout=5)
    with pytest.raises(SourceUnavailable) as caught:
        await client.get(upstream.url("q"))  # only one trial at a time
    assert "half-open" in caught.value.reason
    trial.cancel()
    with pytest.raises(asyncio.CancelledError):
        await trial

    assert (await client.get(upstream.url("q"))).status == 200
    assert breaker.state == "closed"


async def test_a_side_endpoint_s_faults_leave_the_breaker_alone(upstream, make_client, fake_time):
    # Yahoo's spark may fail while its chart API answers: SparkSwitch judges spark, the breaker judges Yahoo.
    upstream.script = [Reply(500)] * 4 + [Reply(200), Reply(500), Reply(500), Reply(200)]
    breaker = CircuitBreaker(failure_threshold=2, reset_after=60.0, clock=fake_time.clock)
    client = make_client(retry=RetryPolicy(attempts=1), breaker=breaker)
    for _ in range(3):
        with pytest.raises(UpstreamError):
            await client.get(upstream.url("spark"), side_endpoint=True)
    assert (breaker.state, breaker.failures) == ("closed", 0)
    with pytest.raises(UpstreamError):
        await client.get(upstream.url("chart"))  # the main endpoint's fault counts
    assert (await client.get(upstream.url("spark"), side_endpoint=True)).status == 200
    assert breaker.failures == 0  # a side endpoint's answer says the source answers: no longer in a row
    for _ in range(2):
        with pytest.raises(UpstreamError):
            await client.get(upstream.url("chart"))
    assert breaker.state == "open"
    fake_time.now += 60
    with pytest.raises(SourceUnavailable):  # nor does anything but the main endpoint's trial close it
        await client.get(upstream.url("spark"), side_endpoint=True)
    assert (await client.get(upstream.url("chart"))).status == 200 and breaker.state == "closed"


async def test_a_side_endpoint_waits_for_the_breaker_to_close_and_never_spends_its_trial(
        upstream, make_client, fake_time):
    upstream.script = [Reply(500), Reply(200)]
    breaker = CircuitBreaker(failure_threshold=1, reset_after=60.0, clock=fake_time.clock)
    client = make_client(retry=RetryPolicy(attempts=1), breaker=breaker)
    with pytest.raises(UpstreamError):
        await client.get(upstream.url("chart"))
    for _ in range(2):  # open, then open with its trial due: the side endpoint is refused without a request
        with pytest.raises(SourceUnavailable) as caught:
            await client.get(upstream.url("spark"), side_endpoint=True, symbol="SPY")
        assert "circuit open" in caught.value.reason and caught.value.symbol == "SPY"
        fake_time.now += 60
    assert len(upstream.requests) == 1
    assert (await client.get(upstream.url("chart"))).status == 200  # the trial is the main endpoint's
    assert breaker.state == "closed" and [path for path, _, _ in upstream.requests] == ["/chart", "/chart"]


async def test_a_429_s_retry_after_holds_back_every_caller_and_the_error_says_rate_limited(
        upstream, make_client, fake_time):
    upstream.script = [Reply(429, headers={"Retry-After": "7"}), Reply(200), Reply(503, headers={"Retry-After": "9"}),
                       Reply(200)]
    client = make_client(retry=RetryPolicy(attempts=1))
    with pytest.raises(UpstreamError) as caught:
        await client.get(upstream.url("spark"))
    assert caught.value.rate_limited and caught.value.retryable
    assert (await client.get(upstream.url("chart"))).status == 200  # another caller: it waits out the 7 s too
    assert fake_time.sleeps == [7.0] and upstream.requests[1][2] == 1007.0
    with pytest.raises(UpstreamError) as caught:  # a 503's Retry-After is that call's, not the whole source's
        await client.get(upstream.url("spark"))
    assert not caught.value.rate_limited
    assert (await client.get(upstream.url("chart"))).status == 200 and fake_time.sleeps == [7.0]


async def test_a_429_on_a_side_endpoint_counts_against_the_source(upstream, make_client, fake_time):
    # Rate limiting is the source's answer to all of rotobot's requests, whichever endpoint met it.
    upstream.script = [Reply(429, headers={"Retry-After": "0"})] * 2
    breaker = CircuitBreaker(failure_threshold=2, reset_after=60.0, clock=fake_time.clock)
    client = make_client(retry=RetryPolicy(attempts=1), breaker=breaker)
    for _ in range(2):
        with pytest.raises(UpstreamError):
            await client.get(upstream.url("spark"), side_endpoint=True)
    assert breaker.state == "open"


class InFlight:
    """A handler that holds every request until the gate opens, counting how many are inside at once."""

    def __init__(self) -> None:
        self.inside = 0
        self.peak = 0
        self.gate = asyncio.Event()

    async def __call__(self, request: web.Request) -> web.Response:
        self.inside += 1
        self.peak = max(self.peak, self.inside)
        try:
            await self.gate.wait()
        finally:
            self.inside -= 1
        return web.Response(text="ok")


@pytest.mark.parametrize("cap", [1, 2, 3])
async def test_no_more_than_max_concurrency_requests_are_in_flight(upstream, make_client, cap):
    held = InFlight()
    upstream.script = [held] * 6
    client = make_client(max_concurrency=cap)
    gets = [asyncio.create_task(client.get(upstream.url("q"))) for _ in range(6)]
    try:
        await until(lambda: held.inside >= cap)
        for _ in range(200):  # give a request beyond the cap every chance to arrive
            await asyncio.sleep(0)
        assert held.inside == cap
    finally:
        held.gate.set()  # let every get finish before the session closes, pass or fail
        responses = await asyncio.gather(*gets, return_exceptions=True)
    assert [r.body for r in responses] == [b"ok"] * 6
    assert (held.peak, len(upstream.requests)) == (cap, 6)


async def test_the_rate_limit_spaces_request_starts(upstream, make_client, fake_time):
    upstream.script = [Reply(200)] * 4
    client = make_client(min_interval=0.5)
    for _ in range(3):
        await client.get(upstream.url("q"))
    arrivals = [at for _, _, at in upstream.requests]
    assert [b - a for a, b in pairwise(arrivals)] == [0.5, 0.5]
    assert fake_time.sleeps == [0.5, 0.5]

    fake_time.now += 10  # idle long enough: the next request goes at once
    await client.get(upstream.url("q"))
    assert fake_time.sleeps == [0.5, 0.5]


async def test_the_rate_limit_holds_across_concurrent_callers(upstream, make_client, fake_time):
    upstream.script = [Reply(200)] * 4
    client = make_client(min_interval=0.5, max_concurrency=4)
    first_start = fake_time.now
    await asyncio.gather(*(client.get(upstream.url("q")) for _ in range(4)))
    starts = sorted([first_start, *fake_time.wakes])
    assert [b - a for a, b in pairwise(starts)] == [0.5, 0.5, 0.5]


async def test_retries_go_through_the_rate_limit_too(upstream, make_client, fake_time):
    upstream.script = [Reply(500), Reply(200)]
    client = make_client(min_interval=2.0)
    await client.get(upstream.url("q"))
    # Backoff waits 0.375 s, then the rate limit adds the rest of its 2 s.
    assert fake_time.sleeps == [0.375, 1.625]


def scenario_server_error(upstream, closed_port):
    upstream.script = [Reply(500)] * 2
    return upstream.url("q"), {"apikey": SECRET}


def scenario_not_found_with_key_in_url(upstream, closed_port):
    upstream.script = [Reply(404)]
    return upstream.url(f"q?apikey={SECRET}"), None


def scenario_refused(upstream, closed_port):
    return f"http://127.0.0.1:{closed_port}/q", {"apikey": SECRET}


@pytest.mark.parametrize("scenario", [scenario_server_error, scenario_not_found_with_key_in_url, scenario_refused])
async def test_the_api_key_never_reaches_an_error_or_a_log_line(upstream, make_client, closed_port, caplog, scenario):
    caplog.set_level(logging.DEBUG, logger="alerts.market.source_client")
    url, params = scenario(upstream, closed_port)
    client = make_client(retry=RetryPolicy(attempts=2))
    with pytest.raises(UpstreamError) as caught:
        await client.get(url, params=params, symbol="SPY")
    assert SECRET not in str(caught.value) and SECRET not in caught.value.reason
    assert SECRET not in caplog.text


async def test_the_api_key_is_cut_from_the_response_url(upstream, make_client):
    upstream.script = [Reply(200)]
    response = await make_client().get(upstream.url("q"), params={"apikey": SECRET})
    assert upstream.requests[0][1] == {"apikey": SECRET}  # it was sent...
    assert SECRET not in response.url  # ...but is not handed on where it might be logged


@pytest.mark.parametrize("settings", [{"max_concurrency": 0}, {"min_interval": -1.0}, {"timeout": 0.0}])
async def test_nonsense_client_settings_are_refused(session, settings):
    with pytest.raises(ValueError):
        SourceClient("test", session, **settings)


async def test_a_conditional_request_gets_a_304_when_the_page_is_unchanged():
    """The FOMC release window asks for the statement's page every 2 s: an unchanged answer costs a 304, not a page."""
    seen: list[dict] = []

    async def page(request: web.Request) -> web.Response:
        seen.append({k: request.headers.get(k) for k in ("If-None-Match", "If-Modified-Since")})
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304)
        return web.Response(text="<p>not yet</p>", content_type="text/html",
                            headers={"ETag": '"v1"', "Last-Modified": "Wed, 10 Dec 2025 18:59:58 GMT"})

    app = web.Application()
    app.router.add_get("/page", page)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            client = SourceClient("fed", session, retry=RetryPolicy(attempts=1))
            first = await client.get(str(server.make_url("/page")))
            second = await client.get(str(server.make_url("/page")), if_changed=first.validators)
    finally:
        await server.close()
    assert not first.not_modified and first.validators == {"ETag": '"v1"',
                                                            "Last-Modified": "Wed, 10 Dec 2025 18:59:58 GMT"}
    assert second.not_modified and second.body == b""
    assert seen == [{"If-None-Match": None, "If-Modified-Since": None},
                    {"If-None-Match": '"v1"', "If-Modified-Since": "Wed, 10 Dec 2025 18:59:58 GMT"}]
