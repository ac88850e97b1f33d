"""Discord's rate limits, enforced by the fake Discord (tests/fake_discord.py) as Discord documents them.

https://discord.com/developers/docs/topics/rate-limits: every bot may make 50 requests a second in all (the global
limit, whatever the route), and each route has buckets of its own, one per top-level resource in its path (a
channel, a guild, a webhook): here a channel takes 5 messages per 5 seconds. A request past either limit is
answered 429 with Retry-After and a JSON body whose `retry_after` says how long to wait; a route's 429 carries the
bucket's X-RateLimit-Limit/Remaining/Reset/Reset-After/Bucket and X-RateLimit-Scope: user, the global one
X-RateLimit-Global: true and X-RateLimit-Scope: global. Every other answer carries its bucket's headers.

How Discord counts is not published. Here every limit is a fixed window that opens at its first request: for a
bucket that is what its Reset-After header describes, and for the global limit it is how discord.js counts
(@discordjs/rest: `globalReset = Date.now() + 1_000; globalRemaining = globalRequestsPerSecond` as the first
request of a second goes out), which Discord has taken from the most used client for years. (A sliding window
would refuse a client that keeps to it: this fake answers one request at a time, so a burst sent in 5 ms is
counted over the 100 ms it takes to answer, and the next second's first request lands inside that spread.) Only
requests let through count. The route that opens a DM (POST /users/@me/channels) has no top-level resource, so
all DMs share one bucket; Discord publishes no number for it, and it gets the 50 a second of any route not listed
here, so the global limit is what binds.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from tests.fake_discord import API, RateLimits

GLOBAL_LIMIT, GLOBAL_WINDOW = 50, 1.0  # requests, seconds
ROUTE_LIMITS = {"POST /channels/{channel_id}/messages": (5, 5.0)}  # route -> (requests, seconds) per bucket
OTHER_ROUTES = (50, 1.0)


@dataclass
class _Window:
    limit: int
    ends: float  # monotonic seconds
    used: int = 0


class DiscordRateLimits(RateLimits):
    def __init__(self, *, global_limit: int = GLOBAL_LIMIT, global_window: float = GLOBAL_WINDOW,
                 routes: dict[str, tuple[int, float]] | None = None, other_routes: tuple[int, float] = OTHER_ROUTES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.global_limit, self.global_window = global_limit, global_window
        self.routes = ROUTE_LIMITS if routes is None else routes
        self.other_routes = other_routes
        self._clock = clock
        self._global = _Window(global_limit, float("-inf"))
        self._windows: dict[str, _Window] = {}
        self.admitted = 0

    def admit(self, bucket: str) -> web.Response | None:
        now = self._clock()
        if now >= self._global.ends:
            self._global = _Window(self.global_limit, now + self.global_window)
        if self._global.used >= self._global.limit:
            return self.too_many_requests(bucket, self._global.ends - now, is_global=True)
        window = self._window(bucket, now)
        if window.used >= window.limit:
            return self.too_many_requests(bucket, window.ends - now)
        window.used += 1
        self._global.used += 1
        self.admitted += 1
        return None

    def headers(self, bucket: str, remaining: int | None = None) -> dict[str, str]:
        now = self._clock()
        window = self._window(bucket, now)
        left = max(0.0, window.ends - now)
        return {
            "X-RateLimit-Limit": str(window.limit),
            "X-RateLimit-Remaining": str(max(0, window.limit - window.used) if remaining is None else remaining),
            "X-RateLimit-Reset": f"{time.time() + left:.3f}",
            "X-RateLimit-Reset-After": f"{left:.3f}",
            "X-RateLimit-Bucket": hashlib.md5(_route(bucket).encode()).hexdigest(),
        }

    def stats(self) -> dict:
        return {**super().stats(), "admitted": self.admitted}

    def _window(self, bucket: str, now: float) -> _Window:
        window = self._windows.get(bucket)
        if window is None or now >= window.ends:
            limit, seconds = self.routes.get(_plain_route(bucket), self.other_routes)
            window = self._windows[bucket] = _Window(limit, now + seconds)
        return window


def _route(bucket: str) -> str:
    """"POST /api/v10/channels/{channel_id}/messages:123::" -> the route, without its major parameters."""
    return bucket.rsplit(":", 3)[0]


def _plain_route(bucket: str) -> str:
    """The route as ROUTE_LIMITS names it: "POST /channels/{channel_id}/messages"."""
    method, _, path = _route(bucket).partition(" ")
    return f"{method} {path.removeprefix(API)}"
