"""A server's settings never reach into another server (issue 10, item 4).

Two real dpytest servers. Today `!set channel` in Alpha accepts Bravo's channel, and Alpha's alerts, with Alpha's
role mention, are posted in Bravo, which cannot undo it. A channel or role must belong to the server where the
command was typed, the bot must be able to post there, and the transport checks the channel's server again
before every send (a setting stored before this check existed is refused there too).
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import discord
import discord.ext.test as dpytest
import pytest

from bot.dispatch import Dispatcher
from storage import guild_settings
from storage.database import Database
from tests.discord.conftest import make_servers, queue_the_record_closes


@pytest.fixture
async def two_servers(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    world = await make_servers(database, ["Alpha", "Bravo"], channels=["general", "alerts"])
    yield world
    await world.close()
    database.close()


async def say(world, guild: discord.Guild, text: str, member: discord.Member | None = None) -> discord.Message:
    world.clock.now = world.clock.now.replace(microsecond=0)
    general = next(c for c in guild.text_channels if c.name == "general")
    await dpytest.message(text, channel=general, member=member or world.admin_of(guild))
    return dpytest.get_message()


def alerts_of(guild: discord.Guild) -> discord.TextChannel:
    return next(c for c in guild.text_channels if c.name == "alerts")


def text_of(message: discord.Message) -> str:
    embed = message.embeds[0]
    return " ".join([embed.title or "", embed.description or ""] + [f.value for f in embed.fields])


def settings(world, guild) -> dict:
    return world.database.call(guild_settings.all_for, guild.id)


async def test_set_channel_refuses_a_channel_of_another_server(two_servers):
    alpha, bravo = two_servers.guilds
    # A plain id: a mention of another server's channel does not even render as one in Alpha.
    answer = await say(two_servers, alpha, f"!set channel {alerts_of(bravo).id}")
    assert answer.embeds[0].colour.value == 0xC0392B  # an error
    assert "not a channel of this server" in text_of(answer)
    assert "alert_channel" not in settings(two_servers, alpha)


async def test_set_role_refuses_a_role_of_another_server(two_servers):
    alpha, bravo = two_servers.guilds
    foreign = next(r for r in bravo.roles if r.name == "Bravo admins")
    answer = await say(two_servers, alpha, f"!set role <@&{foreign.id}>")
    assert "not a role of this server" in text_of(answer)
    assert "alert_role" not in settings(two_servers, alpha)


async def test_set_channel_names_the_permission_the_bot_lacks_there(two_servers):
    alpha, _ = two_servers.guilds
    channel = alerts_of(alpha)
    await dpytest.set_permission_overrides(alpha.default_role, channel, send_messages=False)
    answer = await say(two_servers, alpha, f"!set channel <#{channel.id}>")
    assert "Send Messages" in text_of(answer)
    assert "alert_channel" not in settings(two_servers, alpha)


async def test_a_foreign_channel_stored_before_the_check_is_never_posted_to(two_servers):
    alpha, bravo = two_servers.guilds
    world = two_servers
    role = next(r for r in alpha.roles if r.name == "Alpha admins")
    # As an older rotobot stored it: Alpha's alert channel is Bravo's channel, with Alpha's role to mention.
    world.database.call(guild_settings.set_value, alpha.id, "alert_channel", alerts_of(bravo).id, world.clock())
    world.database.call(guild_settings.set_value, alpha.id, "alert_role", role.id, world.clock())
    world.database.call(guild_settings.set_value, bravo.id, "alert_channel", alerts_of(bravo).id, world.clock())
    await queue_the_record_closes(world.database, world.clock, world.calendar)
    dispatcher = Dispatcher(world.database, [world.transport], world.clock, ZoneInfo("America/New_York"))
    await dispatcher.run_once()
    sent = []
    while not dpytest.sent_queue.empty():
        sent.append(dpytest.get_message())
    assert [m.channel.id for m in sent] == [alerts_of(bravo).id]  # Bravo's own alerts, once (in one message)
    assert f"<@&{role.id}>" not in sent[0].content  # and never with Alpha's role


async def test_alerts_in_each_server_say_what_became_of_them_there(two_servers):
    """!alerts tells a server about its own delivery: Alpha got the records, Bravo (whose channel refuses the bot)
    still owes them; and a server that was muted when they fired never lists them at all."""
    world = two_servers
    alpha, bravo = world.guilds
    for guild in (alpha, bravo):
        world.database.call(guild_settings.set_value, guild.id, "alert_channel", alerts_of(guild).id, world.clock())
    await dpytest.set_permission_overrides(bravo.default_role, alerts_of(bravo), send_messages=False)
    await queue_the_record_closes(world.database, world.clock, world.calendar)
    dispatcher = Dispatcher(world.database, [world.transport], world.clock, ZoneInfo("America/New_York"))
    await dispatcher.run_once()
    while not dpytest.sent_queue.empty():
        dpytest.get_message()
    in_alpha = text_of(await say(world, alpha, "!alerts"))
    in_bravo = text_of(await say(world, bravo, "!alerts"))
    assert "record 2,590.61" in in_alpha and "not delivered" not in in_alpha
    assert in_bravo.count("(not delivered here yet)") == 2

    world.database.call(guild_settings.set_value, bravo.id, "muted_until",
                        (world.clock() + timedelta(hours=3)).isoformat(), world.clock())
    world.clock.now += timedelta(hours=2)
    await dispatcher.run_once()  # Bravo's retries: not wanted now that it muted
    assert "No alerts yet" in text_of(await say(world, bravo, "!alerts"))
