"""Server-wide alerts, three servers, one of whose alert channels refuses the bot (issue 10, item 3).

The real path: the engine queues two record closes through the outbox, the real dispatcher hands it to the real
Discord transport, dpytest plays Discord (and answers 403 where the bot lacks Send Messages, as Discord does).
The server that refused must get the alerts once it lets the bot post again, and the two that got them must not
get them a second time.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import discord
import discord.ext.test as dpytest
import pytest

from bot.dispatch import Dispatcher
from storage import guild_settings, outbox
from storage.database import Database
from tests.discord.conftest import make_servers, queue_the_record_closes


@pytest.fixture
async def three_servers(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    world = await make_servers(database, ["Alpha", "Bravo", "Charlie"])
    for guild in world.guilds:
        database.call(guild_settings.set_value, guild.id, "alert_channel", guild.text_channels[0].id, world.clock())
    yield world
    await world.close()
    database.close()


def received() -> list[discord.Message]:
    out = []
    while not dpytest.sent_queue.empty():
        out.append(dpytest.get_message())
    return out


async def test_a_server_whose_channel_refused_gets_the_alerts_later_and_the_others_only_once(three_servers):
    database, clock, calendar, transport = (three_servers.database, three_servers.clock, three_servers.calendar,
                                            three_servers.transport)
    alpha, bravo, charlie = three_servers.guilds
    await queue_the_record_closes(database, clock, calendar)

    refusing = bravo.text_channels[0]
    await dpytest.set_permission_overrides(bravo.default_role, refusing, send_messages=False)  # 403 there
    dispatcher = Dispatcher(database, [transport], clock, ZoneInfo("America/New_York"))
    await dispatcher.recover()
    await dispatcher.run_once()
    first = received()
    assert sorted(m.channel.guild.name for m in first) == ["Alpha", "Charlie"]  # both records in one message each
    assert all("record 2,559.61" in m.content and "record 2,590.61" in m.content for m in first)
    assert database.call(outbox.pending_count) == 2  # Bravo has had neither: both alerts are still owed

    await dpytest.set_permission_overrides(bravo.default_role, refusing, send_messages=True)  # an admin fixes the channel
    clock.now += timedelta(minutes=15)
    await dispatcher.run_once()
    second = received()
    assert [m.channel.guild.name for m in second] == ["Bravo"]
    assert "record 2,559.61" in second[0].content and "record 2,590.61" in second[0].content
    assert database.call(outbox.pending_count) == 0

    clock.now += timedelta(hours=1)
    await dispatcher.run_once()
    assert received() == []  # nobody hears it twice
