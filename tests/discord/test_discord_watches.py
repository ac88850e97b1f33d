"""Watches through the real discord.py bot, in two real dpytest servers: added by each server's admins, numbered
per server, judged by the real engine at the close and delivered by the real dispatcher to that server's alert
channel alone. Misrouting one server's watch into another server is the worst thing that can happen here."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import discord
import discord.ext.test as dpytest
import pytest

from alerts.market.calendar import NEW_YORK
from alerts.market.models import DailyBar
from bot.dispatch import Dispatcher
from bot.jobs.engine import RuleEngine
from storage import prices, watches
from storage.database import Database
from tests.conftest import publisher
from tests.discord.conftest import make_servers
from tests.discord.test_discord_cross_server import alerts_of, say, text_of
from tests.upstream import RUT, between, history

RUT_BARS = history(RUT)


def store(database: Database, first: date, last: date) -> None:
    fetched = datetime(2025, 12, 12, tzinfo=timezone.utc)
    database.call(prices.store_bars, [DailyBar("^RUT", b.date, b.close, "yahoo", fetched, b.open, b.high, b.low,
                                               b.volume) for b in between(RUT_BARS, first, last)])


async def servers_with_rut(tmp_path, since: date):
    """Alpha and Bravo, each with #general and #alerts, over a database of ^RUT's closes from `since` to 3 Dec 2025."""
    database = Database.open(tmp_path / "rotobot.db")
    store(database, since, date(2025, 12, 3))
    world = await make_servers(database, ["Alpha", "Bravo"], channels=["general", "alerts"])
    yield world
    await world.close()
    database.close()


@pytest.fixture
async def two_servers(tmp_path):
    async for world in servers_with_rut(tmp_path, date(2024, 1, 1)):
        yield world


def trader_of(guild: discord.Guild) -> discord.Member:
    return next(m for m in guild.members if m.name == "trader")


def sent() -> list[discord.Message]:
    out = []
    while not dpytest.sent_queue.empty():
        out.append(dpytest.get_message())
    return out


async def test_each_servers_watches_are_its_own_and_alert_its_own_channel_only(two_servers):
    world = two_servers
    alpha, bravo = world.guilds
    for guild in (alpha, bravo):
        assert "Alert channel set" in text_of(await say(world, guild, f"!set channel <#{alerts_of(guild).id}>"))
    added = await say(world, alpha, "!watch ^RUT move 14 12%")
    assert added.embeds[0].title == "Watch #1 added"
    assert 'named "Watch #1 ^RUT move 14 12%"' in text_of(added)
    refused = await say(world, alpha, "!watch ^RUT ma 50", member=trader_of(alpha))
    assert "is for server admins" in text_of(refused) and "Manage Server" in text_of(refused)
    assert (await say(world, bravo, "!watch ^RUT ma 200")).embeds[0].title == "Watch #1 added"  # Bravo's own #1
    assert (await say(world, bravo, "!watch ^RUT move 14 12%")).embeds[0].title == "Watch #2 added"
    bad = await say(world, bravo, "!watch ^RUT move 14 12%%")
    assert bad.embeds[0].colour.value == 0xC0392B and "For example: !watch ^RUT move 14 12%" in text_of(bad)
    # Alpha has no #2; removing "#2" there must not touch Bravo's.
    assert "This server has no watch #2" in text_of(await say(world, alpha, "!unwatch 2"))
    assert [w.number for w in world.database.call(watches.for_guild, bravo.id)] == [1, 2]

    # The close job of 3 Dec sets the states; rotobot is then away until the back-fill of the 11th's closes.
    world.clock.now = datetime(2025, 12, 3, 17, 0, tzinfo=NEW_YORK)
    engine = RuleEngine(database=world.database, rules=[], calendar=world.calendar,
                        publish=publisher(world.database, world.clock), clock=world.clock)
    assert await engine.judge_sessions() == 0
    store(world.database, date(2025, 12, 4), date(2025, 12, 11))
    world.clock.now = datetime(2025, 12, 12, 3, 10, tzinfo=NEW_YORK)
    assert await engine.judge_sessions() == 2  # the 12.39% move, once for each server that watches it
    dispatcher = Dispatcher(world.database, [world.transport], world.clock, ZoneInfo("America/New_York"))
    await dispatcher.run_once()
    messages = sent()
    assert sorted((m.channel.id, m.content.split("**")[1].split(":")[0]) for m in messages) == sorted([
        (alerts_of(alpha).id, "Watch #1 ^RUT move 14 12%"),
        (alerts_of(bravo).id, "Watch #2 ^RUT move 14 12%"),
    ])
    assert all("up 12.39% over 14 sessions" in m.content for m in messages)
    await dispatcher.run_once()
    assert sent() == []  # never twice

    listed = await say(world, alpha, "!watches")
    assert listed.embeds[0].description == ("#1 ^RUT move 14 12% — +12.39% over 14 sessions at the 11 Dec 2025 "
                                            "close; fired up, re-arms under +12% and fires at -12%")
    rotation = await say(world, bravo, "!rotation", member=trader_of(bravo))
    field = next(f for f in rotation.embeds[0].fields if f.name == "This server's watches")
    assert field.value.splitlines()[0].startswith("#1 ^RUT ma 200 — 2,590.61 above its average")
    assert "^RUT move" in field.value and "ma 200" not in text_of(await say(world, alpha, "!rotation"))
