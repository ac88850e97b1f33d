"""Discord's global rate limit, kept on our side: at most 50 requests in any second per bot token, whatever the route.

discord.py keeps each route's buckets from the X-RateLimit-* headers, so it never overruns one channel. Of the
global limit it learns only from a 429 (global: true), after which it holds every request for Retry-After; a
fan-out to thousands of channels, each bucket fresh, would go out as fast as the loop can write and be answered
429 by the hundred (and too many 429s get the bot's IP banned by Cloudflare). So every request the bot's HTTP
session makes, retries included, first takes a slot here: a request goes at once while fewer than `limit` went in
the last `window` seconds, else when the oldest of them is that old. A request counts from the moment its headers
were written, not from when it was let through: one the event loop held up in between (a busy moment) still
reaches Discord inside the window it is counted in. The window is a little longer than Discord's second, for
the time a request takes to reach Discord, which varies.

Waiting requests go in order of priority, then of arrival: commands' replies and the gateway (PRIORITY_FIRST)
before urgent alerts, before the rest, before subscription DMs. The transport says what it sends with `sending`.
Interaction callbacks are not bound by the global limit and have 3 s to answer, so they never wait here.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import heapq
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator

import aiohttp

GLOBAL_LIMIT = 50  # requests per window per bot token (https://discord.com/developers/docs/topics/rate-limits)
WINDOW = 1.03  # seconds: Discord's second, and room for a request that left late and arrived early
PRIORITY_FIRST, PRIORITY_URGENT, PRIORITY_NORMAL, PRIORITY_SUBSCRIPTION = 0, 1, 2, 3
UNPACED_PATHS = ("/interactions/",)
NEVER_WRITTEN = 5.0  # seconds after which a request let through but never written stops holding its place

_priority: contextvars.ContextVar[int] = contextvars.ContextVar("discord_request_priority", default=PRIORITY_FIRST)


@contextlib.contextmanager
def sending(priority: int) -> Iterator[None]:
    """Requests made inside the block (in this task, and tasks it starts) wait at `priority`."""
    token = _priority.set(priority)
    try:
        yield
    finally:
        _priority.reset(token)


class _Sent:
    """One request let through (`let_at`): when it was written (`at`), or None while it is still on its way out."""

    __slots__ = ("at", "let_at")

    def __init__(self, let_at: float) -> None:
        self.at: float | None = None
        self.let_at = let_at


class GlobalPacer:
    def __init__(self, limit: int = GLOBAL_LIMIT, window: float = WINDOW, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._sleep = sleep
        self._went: deque[_Sent] = deque(maxlen=limit)  # the last `limit` requests let through
        self._waiting: list[tuple[int, int, asyncio.Future]] = []  # a heap: (priority, arrival, future)
        self._arrivals = itertools.count()
        self._pump: asyncio.Task | None = None
        self.let_through = 0  # requests let through so far
        self.waited = 0  # of which had to wait for a slot

    @property
    def queued(self) -> int:
        return sum(1 for *_, future in self._waiting if not future.done())

    async def slot(self, priority: int | None = None) -> _Sent:
        """Return when this request may go; `sent(...)` it once it is written."""
        if not self._waiting and self._free_in() <= 0:
            return self._let_one()
        future: asyncio.Future[_Sent] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (_priority.get() if priority is None else priority, next(self._arrivals),
                                       future))
        self.waited += 1
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._let_through(), name="discord-pacer")
        return await future  # cancelled: the pump skips it

    def sent(self, slot: _Sent) -> None:
        """The request of `slot` is written (or failed before it could be): it counts from now."""
        slot.at = self._clock()

    def trace(self) -> aiohttp.TraceConfig:
        """For discord.py's HTTP session: every request it sends, retries too, waits for its slot first."""
        config = aiohttp.TraceConfig()

        async def on_request_start(session, context, params: aiohttp.TraceRequestStartParams) -> None:
            if not any(part in params.url.path for part in UNPACED_PATHS):
                context.pacer_slot = await self.slot()

        async def on_written(session, context, params) -> None:
            slot = getattr(context, "pacer_slot", None)
            if slot is not None and slot.at is None:
                self.sent(slot)

        config.on_request_start.append(on_request_start)
        config.on_request_headers_sent.append(on_written)
        config.on_request_exception.append(on_written)  # never written: counted from its failure, to be safe
        return config

    def _free_in(self) -> float:
        """Seconds until one more request may go. One let through and not yet written counts as going now (a
        request cancelled between the two never is: after NEVER_WRITTEN it counts no more)."""
        if len(self._went) < self._limit:
            return 0.0
        now = self._clock()
        oldest = min(min(now, slot.let_at + NEVER_WRITTEN) if slot.at is None else slot.at for slot in self._went)
        return oldest + self._window - now

    def _let_one(self) -> _Sent:
        slot = _Sent(self._clock())
        self._went.append(slot)
        self.let_through += 1
        return slot

    async def _let_through(self) -> None:
        while self._waiting:
            wait = self._free_in()
            if wait > 0:
                await self._sleep(wait)
                continue
            *_, future = heapq.heappop(self._waiting)
            if future.done():
                continue  # its request was cancelled while it waited
            future.set_result(self._let_one())
