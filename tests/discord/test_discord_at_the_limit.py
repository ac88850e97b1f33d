"""The real Discord transport (discord.py's own HTTP client and gateway) against the fake Discord enforcing
Discord's rate limits (tests/discord_rate_limits.py): a server-wide alert to 120 servers, more than the 50
requests a second Discord takes, goes out without a single 429, and a DM costs two requests, not three.

The pacer's clock and the fake's are one counter that moves only when the pacer waits for its window, and only
once the fake has answered every request let through before (else time would run ahead of the requests still on
their way), so the fan-out takes no real time; discord.py itself waits about two seconds for the servers to
stream in at login."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from alerts.delivery import Target
from alerts.market.calendar import TradingCalendar
from bot.commands.catalog import build_router
from bot.commands.context import CommandContext
from bot.dispatch import Dispatcher
from bot.secret import Secret
from bot.settings import load_settings
from bot.transports.base import Notification
from bot.transports.discord import DeliveryError, DiscordTransport
from bot.transports.discord.pacing import GLOBAL_LIMIT, GlobalPacer
from storage import guild_settings, outbox
from storage.database import Database
from tests.discord.conftest import sample_alert
from tests.discord_rate_limits import DiscordRateLimits
from tests.fake_discord import FakeDiscord

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)
SERVERS = 120
GUILD, CHANNEL = 1_900_000_000_000_000_000, 1_910_000_000_000_000_000
TRADER, NOBODY = 1_920_000_000_000_000_001, 1_920_000_000_000_000_099
READY_TIMEOUT = 20


class Time:
    """The one clock of the pacer and of the fake's limits; it moves only when the pacer waits, once `settled`."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.waited = 0.0
        self.settled = lambda: True

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        while not self.settled():  # the requests let through reach the fake at the time they were let through
            await asyncio.sleep(0)
        self.now += seconds
        self.waited += seconds


@pytest.fixture
async def at_the_limit(tmp_path):
    time = Time()
    fake = FakeDiscord(rate_limits=DiscordRateLimits(clock=time))
    for n in range(SERVERS):
        fake.add_guild(GUILD + n, f"server {n}", [(CHANNEL + n, "alerts")])
    fake.add_user(TRADER, "trader")
    await fake.start()
    database = Database.open(tmp_path / "rotobot.db")
    for n in range(SERVERS):
        database.call(guild_settings.set_value, GUILD + n, "alert_channel", CHANNEL + n, NOW)
    context = CommandContext(settings=load_settings(environ={}), database=database, now=lambda: NOW, started_at=NOW,
                             calendar=TradingCalendar(), transports=("discord",))
    fatal: list[str] = []
    transport = DiscordTransport(Secret("fake-token"), router=build_router("!"), context=context, database=database,
                                 on_fatal=fatal.append, clock=lambda: NOW, group_window=0, sync_commands=False,
                                 pacer=GlobalPacer(clock=time, sleep=time.sleep))
    # Every request let through is answered: the REST calls, and the gateway's one connection (its IDENTIFY).
    time.settled = lambda: len(fake.requests) + len(fake.identifies) >= transport.pacer.let_through
    with fake.use_with_discord_py():
        await transport.start()
        await asyncio.wait_for(fake.wait_until(lambda: fake.identifies != []), READY_TIMEOUT)
        await asyncio.wait_for(transport.bot.wait_until_ready(), READY_TIMEOUT)
        yield fake, transport, database, time
        await transport.close()
    database.close()
    await fake.close()
    assert fatal == []


async def test_a_fan_out_past_fifty_a_second_gets_no_429(at_the_limit):
    fake, transport, database, time = at_the_limit
    database.call(outbox.commit, [sample_alert("record")], NOW)
    before = len(fake.requests)
    await Dispatcher(database, [transport], lambda: NOW, ZoneInfo("America/New_York")).run_once()
    sent = fake.requests[before:]
    assert len(sent) == SERVERS and {r.status for r in sent} == {200}
    assert sorted(m.channel_id for m in fake.messages) == [CHANNEL + n for n in range(SERVERS)]
    assert fake.rate_limits.stats()["refused"] == []  # not one, the first included
    assert transport.pacer.waited >= SERVERS - GLOBAL_LIMIT and time.waited >= 2.0  # the pacer held the rest
    assert database.call(outbox.pending_count) == 0


async def test_a_dm_opens_its_channel_with_one_request_and_a_user_who_is_gone_is_refused_for_good(at_the_limit):
    fake, transport, _, _ = at_the_limit
    before = len(fake.requests)
    note = Notification("k", "Russell 2000 at a record")
    await transport.send(Target(f"dm:{TRADER}", "dm", "a DM"), note)
    (dm,) = fake.messages
    assert [(r.method, r.path) for r in fake.requests[before:]] == [
        ("POST", "/users/@me/channels"), ("POST", f"/channels/{dm.channel_id}/messages")]  # never GET /users/{id}
    assert dm.recipient_id == TRADER

    with pytest.raises(DeliveryError, match="Invalid Recipient") as refused:
        await transport.send(Target(f"dm:{NOBODY}", "dm", "a DM"), note)
    assert refused.value.permanent and refused.value.hint == "The account is gone."
