"""A server Discord cannot serve when the bot connects (an outage: unavailable in READY, no GUILD_CREATE yet).

The real DiscordTransport logs in to the loopback fake Discord (tests/fake_discord.py); the real dispatcher and
outbox deliver. While a guild is unavailable discord.py knows it only by id, without channels or roles, and
is_ready() is true all the same (it stays true through a re-IDENTIFY, too, whose READY clears every guild the
same way until their GUILD_CREATEs arrive).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from alerts.market.calendar import TradingCalendar
from bot.commands.catalog import build_router
from bot.commands.context import CommandContext
from bot.dispatch import Dispatcher
from bot.secret import Secret
from bot.settings import load_settings
from bot.transports.discord import DiscordTransport
from storage import outbox
from storage.database import Database
from tests.conftest import Clock
from tests.discord.conftest import sample_alert
from tests.fake_discord import FakeDiscord

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)
READY_TIMEOUT = 10  # seconds; discord.py waits guild_ready_timeout (2 s) for the guild that never comes
NY = ZoneInfo("America/New_York")

SMALL, DESK = 1_200_000_000_000_000_001, 1_200_000_000_000_000_003
SMALL_ALERTS, DESK_ALERTS = 1_210_000_000_000_000_001, 1_230_000_000_000_000_001


@pytest.fixture
async def world(tmp_path):
    fake = FakeDiscord()
    fake.add_guild(SMALL, "Small caps club", [(SMALL_ALERTS, "alerts")])
    fake.add_guild(DESK, "Rotation desk", [(DESK_ALERTS, "alerts")])  # the operator's own server
    fake.start_outage(DESK)
    await fake.start()
    database = Database.open(tmp_path / "rotobot.db")
    with fake.use_with_discord_py():
        context = CommandContext(settings=load_settings(environ={}), database=database, now=lambda: NOW,
                                 started_at=NOW, calendar=TradingCalendar(), transports=("discord",))
        # Small caps chose no channel and Rotation desk neither: both rely on discord.alert_channel_id, which is
        # Rotation desk's #alerts (the operator's channel), so only Rotation desk has one.
        transport = DiscordTransport(Secret("fake-token"), router=build_router("!"), context=context,
                                     database=database, on_fatal=lambda message: None, clock=lambda: NOW,
                                     alert_channel_id=DESK_ALERTS, group_window=0, sync_commands=False)
        await transport.start()
        await asyncio.wait_for(fake.wait_until(lambda: len(fake.identifies) == 1), READY_TIMEOUT)
        await asyncio.wait_for(transport.bot.wait_until_ready(), READY_TIMEOUT)
        yield fake, transport, database
        await transport.close()
    database.close()
    await fake.close()


async def test_an_alert_resolved_while_a_server_is_unavailable_reaches_it_once_it_is_back(world):
    """Resolving sees Rotation desk without channels, so its default alert channel is 'not in this server' and
    the server gets no target; with no target the Discord transport is done, and the alert leaves the outbox as
    delivered. When the guild comes back, nobody there ever hears of the record close, nor of the notice meant
    for the operator (whose channel bot.get_channel() could not find either)."""
    fake, transport, database = world
    bot = transport.bot
    assert bot.is_ready() and bot.get_guild(DESK).unavailable  # ready, with the outage guild known by id only

    clock = Clock(NOW)
    dispatcher = Dispatcher(database, [transport], clock, NY)
    database.call(outbox.commit, [sample_alert("record"), sample_alert("notice")], NOW)
    await dispatcher.run_once()

    back = asyncio.ensure_future(bot.wait_for("guild_available"))
    fake.end_outage(DESK)
    await asyncio.wait_for(back, READY_TIMEOUT)
    later = sample_alert("record", key="new_high|^RUT|2026-11-25", message="Russell 2000 closes at a record 2,730.00")
    database.call(outbox.commit, [later], NOW)
    for _ in range(3):  # the next passes, this one's and any retry
        clock.now += timedelta(seconds=10)
        await dispatcher.run_once()
    in_desk = [m.content for m in fake.messages if m.channel_id == DESK_ALERTS]
    assert any("record 2,730.00" in text for text in in_desk)  # the server is back: a new alert gets there
    assert any("Russell 2000 closes at a record 2,712.40" in text for text in in_desk)
    assert any("Data source yahoo has been failing" in text for text in in_desk)
