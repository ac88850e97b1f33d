"""Server settings from memory at every alert (issue 14, item 2): the real Discord transport behind the real
dispatcher, dpytest playing three servers. After an admin's `!set channel` the next alert goes to the new channel,
and an alert to every server reads no server's settings from SQLite (counted with the connection's trace of
every statement it runs)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import discord
import discord.ext.test as dpytest
import pytest

from bot.dispatch import Dispatcher
from storage import guild_settings, outbox
from storage.database import Database
from tests.discord.conftest import make_servers, sample_alert


@pytest.fixture
async def servers(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    world = await make_servers(database, ["Alpha", "Bravo", "Charlie"], channels=["general", "alerts", "desk"])
    for guild in world.guilds:
        database.call(guild_settings.set_value, guild.id, "alert_channel", channel(guild, "alerts").id, world.clock())
    yield world
    await world.close()
    database.close()


def channel(guild: discord.Guild, name: str) -> discord.TextChannel:
    return next(c for c in guild.text_channels if c.name == name)


def where_each_went() -> dict[str, str]:
    out = {}
    while not dpytest.sent_queue.empty():
        message = dpytest.get_message()
        out[message.channel.guild.name] = message.channel.name
    return out


def settings_read(statements: list[str]) -> list[str]:
    return [s for s in statements if "FROM guild_settings" in s]


async def test_after_set_channel_the_next_alert_goes_there_and_no_alert_reads_settings_per_server(servers):
    world = servers
    alpha = world.guilds[0]
    dispatcher = Dispatcher(world.database, [world.transport], world.clock, ZoneInfo("America/New_York"))
    statements: list[str] = []
    world.database.call(lambda db: db.conn.set_trace_callback(statements.append))

    async def alert(kind: str, key: str) -> dict[str, str]:
        world.database.call(outbox.commit, [sample_alert(kind, key=key)], world.clock())
        statements.clear()
        await dispatcher.run_once()
        return where_each_went()

    assert await alert("record", "new_high|^RUT|2026-11-20") == {"Alpha": "alerts", "Bravo": "alerts",
                                                                  "Charlie": "alerts"}
    assert len(settings_read(statements)) == 1  # the first look reads every server's settings, once

    await dpytest.message(f"!set channel <#{channel(alpha, 'desk').id}>", channel=channel(alpha, "general"),
                          member=world.admin_of(alpha))
    assert dpytest.get_message().embeds[0].title == "Alert channel set"

    assert await alert("spread", "rotation_spread|^RUT/^NDX|2026-11-20") == {"Alpha": "desk", "Bravo": "alerts",
                                                                             "Charlie": "alerts"}
    assert settings_read(statements) == [
        f"SELECT guild_id, key, value FROM guild_settings WHERE guild_id IN ({alpha.id})"]  # Alpha's, once

    assert await alert("record", "new_high|^RUT|2026-11-23") == {"Alpha": "desk", "Bravo": "alerts",
                                                                  "Charlie": "alerts"}
    assert settings_read(statements) == []  # three servers, two looks at each (targets, then the send): none
