"""The Discord of the fan-out bench: tests/fake_discord.py with Discord's rate limits enforced
(tests/discord_rate_limits.py), N servers of one alert channel each and M people who take DMs, served from a
process of its own so that its work never slows the bot's event loop (a real Discord is elsewhere too)."""

from __future__ import annotations

import asyncio
import multiprocessing
from multiprocessing.connection import Connection

GUILD, CHANNEL, USER = 1_500_000_000_000_000_000, 1_600_000_000_000_000_000, 1_700_000_000_000_000_000


def guild_id(n: int) -> int:
    # Spread like real snowflakes, whose time bits (above bit 22) decide the shard: (id >> 22) % shard count.
    return GUILD + (n << 22)


def channel_id(n: int) -> int:
    return CHANNEL + n


def user_id(n: int) -> int:
    return USER + n


def _serve(servers: int, people: int, pipe: Connection) -> None:
    asyncio.run(_serve_until_told(servers, people, pipe))


async def _serve_until_told(servers: int, people: int, pipe: Connection) -> None:
    from tests.discord_rate_limits import DiscordRateLimits
    from tests.fake_discord import FakeDiscord

    # A shard per 1,000 servers, as Discord recommends them (GET /gateway/bot): past 2,500 on one it closes with 4011.
    fake = FakeDiscord(rate_limits=DiscordRateLimits(), recommended_shards=max(1, -(-servers // 1_000)))
    for n in range(servers):
        fake.add_guild(guild_id(n), f"server {n}", [(channel_id(n), "alerts")])
    for n in range(people):
        fake.add_user(user_id(n), f"trader {n}")
    fake.messages.clear()
    await fake.start()
    pipe.send(fake.url)
    await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # until the bench says stop
    await fake.close()
    pipe.send("closed")


class DiscordProcess:
    """The fake Discord in a child process: `url` once started; `stop()` ends it."""

    def __init__(self, servers: int, people: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, theirs = context.Pipe()
        self._process = context.Process(target=_serve, args=(servers, people, theirs), name="fake-discord",
                                        daemon=True)
        self.url = ""

    def start(self, timeout: float = 120.0) -> str:
        self._process.start()
        if not self._pipe.poll(timeout):
            raise RuntimeError("the fake Discord did not start")
        self.url = self._pipe.recv()
        return self.url

    def stop(self) -> None:
        if self._process.is_alive():
            self._pipe.send("stop")
            self._pipe.poll(30)
        self._process.join(30)
        if self._process.is_alive():
            self._process.kill()
