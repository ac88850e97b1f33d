"""discord.py's rate-limit buckets swept sparingly (bot/transports/discord/http_buckets.py): a fan-out to 1,000
channels looks through its buckets a couple of times, not 744 times, and a sweep lets go only of buckets with
nothing in flight whose window has passed. Real discord.py objects throughout."""

from __future__ import annotations

import inspect

import discord.http

from bot.transports.discord.http_buckets import sweep_buckets_sparingly


def test_discord_py_still_sweeps_from_the_method_this_replaces():
    # An upgrade that renames it would quietly bring back one look through every bucket per new channel.
    assert "self._try_clear_expired_ratelimits()" in inspect.getsource(discord.http.HTTPClient.get_ratelimit)
    assert {"outgoing", "_pending_requests", "expires"} <= set(discord.http.Ratelimit.__slots__)


async def test_a_thousand_new_channels_sweep_twice_and_keep_what_is_in_use():
    http = discord.http.HTTPClient(loop=None)
    sweep = sweep_buckets_sparingly(http)
    for n in range(1_000):
        http.get_ratelimit(f"POST /channels/{{channel_id}}/messages:{n}")
    assert len(http._buckets) == 1_000  # none is idle yet: all kept
    assert sweep.sweeps == 2  # at 256 and at 512 buckets; discord.py's own sweep looked at every new one past 256

    buckets = list(http._buckets.values())
    now = buckets[0]._loop.time()
    for bucket in buckets:
        bucket.expires = now - 1  # every window has passed...
    buckets[0].outgoing = 1  # ...but one request is still on its way
    buckets[1].expires = now + 60  # ...and one bucket ran dry and waits out its window
    for n in range(1_000, 1_024):
        http.get_ratelimit(f"POST /channels/{{channel_id}}/messages:{n}")
    assert sweep.sweeps == 3
    assert buckets[0] in http._buckets.values() and buckets[1] in http._buckets.values()
    assert len(http._buckets) == 2 + 24  # the 998 idle went; the new ones stay
