"""The HTTP layer every market data source shares: one upstream, politely and resiliently.

A SourceClient caps concurrent requests, spaces request starts, retries faults that may pass (timeouts,
dropped connections, 5xx, 429) with backoff or the upstream's own Retry-After, and trips a circuit breaker
when the upstream keeps failing. A 429 is the upstream's limit on all of rotobot's requests to it, so its
Retry-After holds back every caller's next request, not only the one that met it. It returns raw bodies:
parsing, and judging a 200 full of HTML, is the caller's job. Time, sleeping and randomness are injected so all
of this is testable without waiting.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import aiohttp
from yarl import URL

from alerts.backoff import retry_after_seconds
from alerts.market.breaker import CircuitBreaker
from alerts.market.errors import SourceUnavailable, UpstreamError
from alerts.market.retry_policy import RetryPolicy

log = logging.getLogger(__name__)

# RetryPolicy lives in alerts/market/retry_policy.py; it is imported from here too, as it always was.
__all__ = ["RetryPolicy", "Response", "SourceClient", "strip_queries", "without_query"]


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str  # the media type alone, e.g. "application/json" (no charset)
    body: bytes
    url: str  # the final URL without its query string, so it is safe to log or quote in an error
    # The validators of a page, for a conditional request next time: ETag and Last-Modified, when given.
    validators: Mapping[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        """304: the page is as it was when its validators were taken (only a conditional request gets this)."""
        return self.status == 304


def without_query(url: str | URL) -> str:
    """The URL without query or fragment: query strings carry API keys."""
    return str(URL(str(url)).with_query(None).with_fragment(None))


_URL_QUERY = re.compile(r"""(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s?#'"<>]*)[?#][^\s'"<>]*""")


def strip_queries(text: str) -> str:
    """Text (an exception's message, say) with the query string cut from every URL in it."""
    return _URL_QUERY.sub(r"\1", text)


@dataclass(frozen=True)
class _Fault:
    """Why one try failed."""

    reason: str
    retryable: bool
    retry_after: float | None = None
    joiner: str = ", "  # "HTTP 503 after 4 tries" but "timed out after 10 s, 4 tries"
    rate_limited: bool = False  # a 429

    def after(self, tries: int) -> str:
        return f"{self.reason}{self.joiner}{tries} {'try' if tries == 1 else 'tries'}"


MAX_REDIRECTS = 5


class SourceClient:
    """One upstream (e.g. "yahoo"): shared session, concurrency cap, rate limit, retries, breaker."""

    def __init__(
        self,
        name: str,
        session: aiohttp.ClientSession,
        *,
        max_concurrency: int = 4,
        min_interval: float = 0.0,
        timeout: float = 10.0,
        retry: RetryPolicy = RetryPolicy(),
        breaker: CircuitBreaker | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, not {max_concurrency}")
        if min_interval < 0:
            raise ValueError(f"min_interval must not be negative, not {min_interval}")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, not {timeout}")
        self.name = name
        self._session = session  # owned by the app: never created or closed here
        self._slots = asyncio.Semaphore(max_concurrency)
        self._min_interval = min_interval
        self._next_start = -math.inf
        self._quiet_until = -math.inf  # a 429's Retry-After: no request of any caller starts before it
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._retry = retry
        self.breaker = breaker if breaker is not None else CircuitBreaker(clock=clock)
        self._sleep = sleep
        self._clock = clock
        self._rand = rand
        self._wall_clock = wall_clock  # only for Retry-After dates from a response without a Date header
        self.requests_sent = 0  # every try that went out, retries included

    async def get(
        self, url: str, *, params: Mapping[str, str | int | float] | None = None, symbol: str | None = None,
        if_changed: Mapping[str, str] | None = None, attempts: int | None = None, side_endpoint: bool = False,
    ) -> Response:
        """A 2xx, or a 304 when `if_changed` (a Response's validators) says what was seen before; raises
        UpstreamError for anything else. `attempts`: at most this many tries for this call (1: no retry, for a
        caller that looks again anyway); by default the client's retry policy's.

        `side_endpoint`: an endpoint whose own health its caller judges (Yahoo's spark, by SparkSwitch), which
        may fail while the source's main one answers. It is sent only while the breaker is closed, so it never
        spends the half-open trial; its faults leave the breaker alone but for a 429 (the source's rate limit,
        whichever endpoint met it), and its answers only clear the failures counted while it is closed. A source
        down altogether still opens the breaker through its main endpoint's faults, and that stops this one too."""
        if attempts is not None and attempts < 1:
            raise ValueError(f"attempts must be at least 1, not {attempts}")
        if not (self.breaker.state == "closed" if side_endpoint else self.breaker.allow()):
            raise SourceUnavailable(self.name, self._circuit_reason(), symbol=symbol)
        headers = _conditional_headers(if_changed)
        judged = not side_endpoint  # does this call's outcome move the breaker?
        try:
            response = await self._get_with_retries(url, params, symbol, headers, attempts)
        except UpstreamError as error:
            # A 404 or 400 says the symbol is bad, not the source: only retryable faults count against it.
            if error.retryable and (judged or error.rate_limited):
                self.breaker.record_failure()
            elif judged:
                self.breaker.release_trial()
            raise
        except BaseException:
            if judged:
                self.breaker.release_trial()  # cancelled: a half-open trial proved nothing either way
            raise
        if judged or self.breaker.state == "closed":
            # A side endpoint's answer says the source answers: it clears the count of failures in a row (or a few
            # sporadic faults of the main endpoint would add up over a day of side answers), but it never closes an
            # open circuit: only the main endpoint's trial does.
            self.breaker.record_success()
        return response

    async def _get_with_retries(
        self, url: str, params: Mapping[str, str | int | float] | None, symbol: str | None,
        headers: Mapping[str, str] | None = None, attempts: int | None = None,
    ) -> Response:
        attempts = attempts or self._retry.attempts
        for attempt in range(attempts):
            outcome = await self._try_once(url, params, headers)
            if isinstance(outcome, Response):
                return outcome
            fault = outcome
            if not fault.retryable:
                raise UpstreamError(self.name, fault.reason, symbol=symbol, retryable=False)
            if fault.retry_after is not None and fault.retry_after > self._retry.max_delay:
                reason = (
                    f"{fault.reason}, asked to retry in {math.ceil(fault.retry_after)} s"
                    f" (more than the {self._retry.max_delay:g} s this client waits)"
                )
                raise UpstreamError(self.name, reason, symbol=symbol, retryable=True, rate_limited=fault.rate_limited)
            tries = attempt + 1
            if tries == attempts:
                raise UpstreamError(self.name, fault.after(tries), symbol=symbol, retryable=True,
                                    rate_limited=fault.rate_limited)
            wait = fault.retry_after if fault.retry_after is not None else self._retry.delay(attempt, self._rand())
            log.debug(  # each retry; the caller logs the outcome
                "%s: %s from %s (try %d of %d); retrying in %.2f s",
                self.name, fault.reason, without_query(url), tries, attempts, wait,
            )
            await self._sleep(wait)
        raise AssertionError("unreachable: the last try returns or raises")

    async def _try_once(self, url: str, params: Mapping[str, str | int | float] | None,
                        headers: Mapping[str, str] | None = None) -> Response | _Fault:
        # Redirects are followed here, each hop a request of its own in the rate limit (aiohttp would follow
        # them at once, unspaced).
        for _ in range(MAX_REDIRECTS + 1):
            outcome = await self._one_request(url, params, headers)
            if isinstance(outcome, tuple):
                url, params = outcome
                continue
            return outcome
        return _Fault(f"more than {MAX_REDIRECTS} redirects", retryable=False)

    async def _one_request(self, url: str, params: Mapping[str, str | int | float] | None,
                           headers: Mapping[str, str] | None) -> Response | _Fault | tuple[str, None]:
        async with self._slots:
            await self._wait_for_turn()
            self.requests_sent += 1
            try:
                async with self._session.get(url, params=params, headers=headers, timeout=self._timeout,
                                             allow_redirects=False) as reply:
                    body = await reply.read()
                    location = reply.headers.get("Location")
                    if reply.status in (301, 302, 303, 307, 308) and location:
                        return str(reply.url.join(URL(location))), None
            except TimeoutError:  # aiohttp's own timeout errors subclass it too
                return _Fault(f"timed out after {self._timeout.total:g} s", retryable=True)
            except aiohttp.ClientConnectorError as error:
                return _Fault(f"cannot connect: {_describe(error)}", retryable=True)
            except aiohttp.ClientConnectionError as error:
                return _Fault(f"connection lost: {_describe(error)}", retryable=True)
            except aiohttp.ClientPayloadError as error:
                return _Fault(f"broken response body: {_describe(error)}", retryable=True)
            except aiohttp.ClientError as error:  # e.g. too many redirects, a malformed URL: another try won't help
                return _Fault(_describe(error), retryable=False)
        return self._judge(reply, body)

    def _judge(self, reply: aiohttp.ClientResponse, body: bytes) -> Response | _Fault:
        status = reply.status
        if 200 <= status < 300 or status == 304:
            validators = {name: reply.headers[name] for name in ("ETag", "Last-Modified") if name in reply.headers}
            return Response(status, reply.content_type, body, without_query(reply.url), validators)
        if status == 429 or status >= 500:
            retry_after = None
            if status in (429, 503):
                retry_after = retry_after_seconds(
                    reply.headers.get("Retry-After"), server_date=reply.headers.get("Date"), now=self._wall_clock()
                )
            if status == 429 and retry_after is not None and retry_after <= self._retry.max_delay:
                # Longer than this client waits: that call fails at once instead, and the breaker keeps count.
                self._quiet_until = max(self._quiet_until, self._clock() + retry_after)
            return _Fault(f"HTTP {status}", retryable=True, retry_after=retry_after, joiner=" after ",
                          rate_limited=status == 429)
        return _Fault(f"HTTP {status}", retryable=False)

    async def _wait_for_turn(self) -> None:
        """Space request starts by min_interval across every caller of this client, none before a 429's
        Retry-After."""
        now = self._clock()
        start = max(now, self._next_start, self._quiet_until)
        if self._min_interval > 0:
            # Book the slot before sleeping, so concurrent callers queue behind it instead of racing for it.
            self._next_start = start + self._min_interval
        if start > now:
            await self._sleep(start - now)

    def _circuit_reason(self) -> str:
        if self.breaker.state == "half_open":
            return "circuit half-open: a trial request is out or due"
        wait = self.breaker.seconds_until_trial()
        open_for = self.breaker.reset_after - wait
        return (
            f"circuit open for the last {open_for:.0f} s after {self.breaker.failures} failures in a row; "
            f"next try in {math.ceil(wait)} s"
        )


def _conditional_headers(validators: Mapping[str, str] | None) -> dict[str, str] | None:
    """If-None-Match and If-Modified-Since from a page's validators (RFC 9110 section 13.1)."""
    if not validators:
        return None
    headers = {}
    if "ETag" in validators:
        headers["If-None-Match"] = validators["ETag"]
    if "Last-Modified" in validators:
        headers["If-Modified-Since"] = validators["Last-Modified"]
    return headers or None


def _describe(error: BaseException) -> str:
    return strip_queries(str(error) or type(error).__name__)
