"""The fake Discord's rate limits (tests/discord_rate_limits.py), the harness bench/fanout.py measures rotobot
against: past a channel's bucket or the global 50 a second it answers 429 with the headers and body Discord
documents, and the next window lets requests through again. Its clock is injected: nothing here waits."""

from __future__ import annotations

import aiohttp
import pytest

from tests.discord_rate_limits import DiscordRateLimits
from tests.fake_discord import FakeDiscord

GUILD = 1_800_000_000_000_000_000
CHANNELS = [1_810_000_000_000_000_000 + n for n in range(60)]
BOT = {"Authorization": "Bot fake-token"}


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def limited():
    clock = Clock()
    fake = FakeDiscord(rate_limits=DiscordRateLimits(clock=clock))
    fake.add_guild(GUILD, "Limited", [(c, f"c{n}") for n, c in enumerate(CHANNELS)])
    await fake.start()
    async with aiohttp.ClientSession(fake.url) as http:
        yield fake, clock, http
    await fake.close()


async def post(http: aiohttp.ClientSession, channel: int) -> aiohttp.ClientResponse:
    response = await http.post(f"/api/v10/channels/{channel}/messages", json={"content": "x"}, headers=BOT)
    await response.read()
    return response


async def test_a_channel_takes_five_messages_in_five_seconds_then_answers_429_with_its_bucket(limited):
    fake, clock, http = limited
    first = CHANNELS[0]
    taken = [await post(http, first) for _ in range(5)]
    assert [r.status for r in taken] == [200] * 5
    assert [r.headers["X-RateLimit-Remaining"] for r in taken] == ["4", "3", "2", "1", "0"]
    assert {r.headers["X-RateLimit-Limit"] for r in taken} == {"5"}
    assert taken[0].headers["X-RateLimit-Reset-After"] == "5.000"
    bucket = taken[0].headers["X-RateLimit-Bucket"]
    assert len(bucket) == 32 and {r.headers["X-RateLimit-Bucket"] for r in taken} == {bucket}
    assert float(taken[0].headers["X-RateLimit-Reset"]) > 1_700_000_000  # epoch seconds, as Discord sends it

    clock.now += 2.0
    refused = await post(http, first)
    assert refused.status == 429
    assert refused.headers["Content-Type"] == "application/json"
    assert (refused.headers["Retry-After"], refused.headers["X-RateLimit-Scope"]) == ("3", "user")
    assert (refused.headers["X-RateLimit-Limit"], refused.headers["X-RateLimit-Remaining"]) == ("5", "0")
    assert (refused.headers["X-RateLimit-Reset-After"], refused.headers["X-RateLimit-Bucket"]) == ("3.000", bucket)
    assert "X-RateLimit-Global" not in refused.headers
    assert refused.headers["Via"]  # discord.py takes a 429 without it for a Cloudflare ban
    assert await refused.json() == {"message": "You are being rate limited.", "retry_after": 3.0, "global": False}

    other = await post(http, CHANNELS[1])  # another channel: a bucket of its own, on the same route
    assert (other.status, other.headers["X-RateLimit-Remaining"], other.headers["X-RateLimit-Bucket"]) == (
        200, "4", bucket)
    clock.now += 3.0  # the first channel's window has passed
    again = await post(http, first)
    assert (again.status, again.headers["X-RateLimit-Remaining"]) == (200, "4")
    assert [m.channel_id for m in fake.messages] == [first] * 5 + [CHANNELS[1], first]
    assert [r["scope"] for r in fake.rate_limits.stats()["refused"]] == ["user"]


async def test_the_fifty_first_request_in_a_second_is_refused_for_the_whole_bot(limited):
    fake, clock, http = limited
    taken = [await post(http, channel) for channel in CHANNELS[:50]]  # one each: no channel's bucket runs dry
    assert {r.status for r in taken} == {200}
    clock.now += 0.75
    refused = await post(http, CHANNELS[50])
    assert refused.status == 429
    assert (refused.headers["X-RateLimit-Global"], refused.headers["X-RateLimit-Scope"]) == ("true", "global")
    assert refused.headers["Retry-After"] == "1"
    assert "X-RateLimit-Bucket" not in refused.headers  # as in Discord's example of a global 429
    body = await refused.json()
    assert body["global"] is True and body["retry_after"] == pytest.approx(0.25)
    assert body["message"] == "You are being rate limited."

    clock.now += 0.25  # the second is over
    through = await post(http, CHANNELS[50])
    assert through.status == 200
    stats = fake.rate_limits.stats()
    assert stats["admitted"] == 51 and [r["scope"] for r in stats["refused"]] == ["global"]
    assert len(fake.messages) == 51
