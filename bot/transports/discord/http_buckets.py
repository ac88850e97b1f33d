"""discord.py's rate-limit buckets, swept at a cost that grows with the fan-out rather than with its square.

discord.py 2.7 keeps one bucket per route and channel. Once it holds 256, every request that needs a new bucket
first looks through all of them for ones unused for five minutes (`HTTPClient._try_clear_expired_ratelimits`).
A fan-out to 10,000 channels makes 10,000 new buckets and none is five minutes old before the fan-out ends: 10,000
looks through up to 10,000 buckets, about a minute of the event loop at 2,000 channels and the whole of it at
10,000 (bench/fanout.py). Here the look happens only once the count has doubled since the last one, and it also
lets go of a bucket whose window has passed with nothing in flight or waiting: that is the bucket discord.py
itself resets at its next request, and a new one starts as discord.py starts every bucket (one request in flight
until Discord's answer gives the limit), so no request goes sooner than discord.py would have sent it.
"""

from __future__ import annotations

import discord.http

KEEP_AT_LEAST = 256  # discord.py's own threshold


class BucketSweep:
    def __init__(self, http: discord.http.HTTPClient) -> None:
        self._http = http
        self._next_at = KEEP_AT_LEAST
        self.sweeps = 0

    def __call__(self) -> None:
        buckets = self._http._buckets
        if len(buckets) < self._next_at:
            return
        self.sweeps += 1
        idle = [key for key, bucket in buckets.items() if bucket.outgoing == 0 and not bucket._pending_requests
                and (bucket.is_expired() or bucket.is_inactive())]
        for key in idle:
            del buckets[key]
        self._next_at = max(KEEP_AT_LEAST, 2 * len(buckets))


def sweep_buckets_sparingly(http: discord.http.HTTPClient) -> BucketSweep:
    """Replace discord.py's sweep on this client (tests/discord/test_http_buckets.py pins the method it replaces)."""
    sweep = BucketSweep(http)
    http._try_clear_expired_ratelimits = sweep
    return sweep
