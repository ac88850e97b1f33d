"""Sharding: the real DiscordTransport against the loopback fake Discord (tests/fake_discord.py), which recommends
a shard count at GET /gateway/bot, sends each shard only its own guilds, and closes an IDENTIFY with 4011 when its
shard would hold more guilds than it may (2,500 on Discord; 2 here, so that five guilds need three shards).

Discord's identify pacing is the gateway's to enforce: discord.py's default before_identify_hook sleeps 5 s before
every IDENTIFY but the first, which the fake does not ask for, so the test bots skip it.
"""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import discord
import pytest
from discord.ext import commands

from alerts.market.calendar import TradingCalendar
from bot.commands.catalog import build_router
from bot.commands.context import CommandContext
from bot.dispatch import Dispatcher
from bot.secret import Secret
from bot.settings import SettingsError, load_settings
from bot.transports.choice import build_transports
from bot.transports.discord import DiscordTransport, RotoBot, intents
from bot.transports.discord.connection import log_in_and_stay_connected
from storage import guild_settings, outbox
from storage.database import Database
from tests.conftest import Clock
from tests.discord.conftest import sample_alert
from tests.fake_discord import FakeDiscord

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)
NY = ZoneInfo("America/New_York")
TIMEOUT = 20  # seconds; each shard waits guild_ready_timeout (2 s) after its last GUILD_CREATE

BASE = 286_000_000_000  # guild ids (BASE + i) << 22: consecutive shard residues, so 5 guilds over 3 shards are 2-2-1
GUILDS = [(BASE + i) << 22 for i in range(5)]
LATER = [(BASE + i) << 22 for i in range(5, 7)]  # joined while running: 7 guilds no longer fit 3 shards of 2


def alerts_channel(guild_id: int) -> int:
    return guild_id + 1


async def no_pause(shard_id, *, initial: bool = False) -> None:
    return None


@pytest.fixture
async def fake():
    fake = FakeDiscord(recommended_shards=3, max_guilds_per_shard=2)
    for number, guild_id in enumerate(GUILDS):
        fake.add_guild(guild_id, f"Server {number}", [(alerts_channel(guild_id), "alerts")])
    await fake.start()
    with fake.use_with_discord_py():
        yield fake
    await fake.close()


@pytest.fixture
async def connect(fake, tmp_path):
    """Start real DiscordTransports against the fake, one database each; returns one once discord.py is ready."""
    started: list[tuple[DiscordTransport, Database]] = []
    fatal: list[str] = []

    async def connect(*, wait_ready: bool = True) -> DiscordTransport:
        database = Database.open(tmp_path / f"rotobot-{len(started)}.db")
        context = CommandContext(settings=load_settings(environ={}), database=database, now=lambda: NOW,
                                 started_at=NOW, calendar=TradingCalendar(), transports=("discord",))
        transport = DiscordTransport(Secret("fake-token"), router=build_router("!"), context=context,
                                     database=database, on_fatal=fatal.append, clock=lambda: NOW, group_window=0,
                                     sync_commands=False)
        transport.bot.before_identify_hook = no_pause
        started.append((transport, database))
        await transport.start()
        if wait_ready:
            await asyncio.wait_for(fake.wait_until(lambda: fake.identifies), TIMEOUT)
            await asyncio.wait_for(transport.bot.wait_until_ready(), TIMEOUT)
        return transport

    connect.fatal = fatal
    yield connect
    for transport, database in reversed(started):
        await transport.close()
        database.close()


def after_transport_heard(bot: discord.Client, event: str, shard: int) -> asyncio.Future:
    """Done once `event` for `shard` reached the listeners added before this one (the transport's): discord.py
    runs listeners as tasks in the order they were added, while bot.wait_for would wake the test before them."""
    heard = asyncio.get_running_loop().create_future()

    async def listener(shard_id: int) -> None:
        if shard_id == shard and not heard.done():
            heard.set_result(shard_id)

    bot.add_listener(listener, f"on_{event}")
    return heard


# --- configuration ----------------------------------------------------------------------------------------------------


async def test_the_bot_is_auto_sharded_asks_discord_for_the_count_and_keeps_the_default_intents(database):
    transport = DiscordTransport(Secret("t"), router=build_router("!"), context=None, database=database,
                                 on_fatal=lambda _: None, sync_commands=False)
    bot = transport.bot
    assert isinstance(bot, RotoBot) and isinstance(bot, commands.AutoShardedBot)
    assert bot.shard_count is None and bot.shard_ids is None  # None: Discord's recommended count, at every connect
    expected = discord.Intents.default()
    expected.message_content = True
    assert bot.intents == expected
    assert not bot.intents.members and not bot.intents.presences  # privileged and never needed
    await transport.close()


async def test_without_the_message_content_setting_the_intent_is_not_asked_for(database):
    settings = load_settings(environ={"DISCORD_TOKEN": "t", "ROTOBOT_DISCORD_MESSAGE_CONTENT": "false"})
    assert settings.discord.message_content is False
    context = CommandContext(settings=settings, database=database, now=lambda: NOW, started_at=NOW,
                             calendar=TradingCalendar(), transports=("discord",))
    (transport,) = build_transports(("discord",), settings, router=build_router("!"), context=context,
                                    database=database, session=None, stdin=io.StringIO(), stdout=io.StringIO(),
                                    on_eof=lambda: None, on_fatal=lambda _: None)
    assert transport.bot.intents.message_content is False
    assert transport.bot.intents == discord.Intents.default()  # the rest as ever
    assert intents(message_content=False).message_content is False
    names = {c.name for c in transport.bot.tree.get_commands()}
    assert names == {c.name for c in build_router("!").commands}  # every command is still there, as a slash one
    await transport.close()


def test_a_message_content_setting_that_is_not_a_yes_or_no_is_refused_with_an_example():
    with pytest.raises(SettingsError) as refused:
        load_settings(environ={"ROTOBOT_DISCORD_MESSAGE_CONTENT": "sometimes"})
    assert "discord.message_content" in str(refused.value) and "sometimes" in str(refused.value)


# --- connecting -------------------------------------------------------------------------------------------------------


async def test_it_runs_as_many_shards_as_discord_recommends_each_with_its_own_servers(fake, connect):
    transport = await connect()
    bot = transport.bot
    assert bot.shard_count == 3 and sorted(bot.shards) == [0, 1, 2]
    assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 3), (1, 3), (2, 3)]
    assert fake.closed_sharding_required == []
    assert sorted(g.id for g in bot.guilds) == GUILDS
    assert {g.id: g.shard_id for g in bot.guilds} == {gid: (gid >> 22) % 3 for gid in GUILDS}
    assert transport.ready()

    # A server-wide alert reaches every server's channel, whichever shard carries it.
    for guild_id in GUILDS:
        transport._database.call(guild_settings.set_value, guild_id, "alert_channel", alerts_channel(guild_id), NOW)
    transport._database.call(outbox.commit, [sample_alert("record")], NOW)
    await Dispatcher(transport._database, [transport], Clock(NOW), NY).run_once()
    assert sorted(m.channel_id for m in fake.messages) == [alerts_channel(g) for g in GUILDS]
    assert all("record 2,712.40" in m.content for m in fake.messages)


async def test_one_shard_reconnecting_holds_alerts_back_until_its_servers_are_back(fake, connect):
    transport = await connect()
    bot = transport.bot
    down = after_transport_heard(bot, "shard_disconnect", 1)
    up = after_transport_heard(bot, "shard_ready", 1)
    fake.drop_gateways(shard_id=1)
    await asyncio.wait_for(down, TIMEOUT)
    assert bot.is_ready() and not transport.ready()  # discord.py still says ready; shard 1's servers are not
    await asyncio.wait_for(up, TIMEOUT)
    assert transport.ready()
    assert sorted(g.id for g in bot.guilds if not g.unavailable) == GUILDS


async def test_an_unsharded_bot_past_a_shards_servers_is_closed_with_4011_and_says_what_to_do(fake):
    """What rotobot was before: one connection for every server, refused; it stopped and restarted into it."""
    bot = commands.Bot(command_prefix="!", intents=intents())
    fatal: list[str] = []
    await asyncio.wait_for(log_in_and_stay_connected(bot, Secret("fake-token"), fatal.append), TIMEOUT)
    assert fake.closed_sharding_required == [(0, 1)]
    (message,) = fatal
    assert "4011 (sharding required)" in message and "recommended shard count" in message
    assert "fake-token" not in message


async def test_servers_outgrowing_the_shards_end_the_connection_and_a_restart_takes_the_new_count(fake, connect):
    first = await connect()
    for number, guild_id in enumerate(LATER):
        fake.add_guild(guild_id, f"Later {number}", [(alerts_channel(guild_id), "alerts")])
    fake.recommended_shards = 5  # what Discord recommends now
    fake.drop_gateways()  # every shard reconnects; one of them now holds three servers
    await asyncio.wait_for(first._task, TIMEOUT)  # the connection ended for good
    assert len(fake.closed_sharding_required) >= 1
    (message,) = connect.fatal
    assert "code 4011 (sharding required)" in message and "3 shard(s)" in message and "Restart rotobot" in message
    assert not first.ready()

    connect.fatal.clear()
    second = await connect()  # what the service manager does on exit code 1
    assert second.bot.shard_count == 5
    assert sorted(g.id for g in second.bot.guilds) == sorted(GUILDS + LATER)
    assert second.ready() and connect.fatal == []
