"""The real Discord transport driven by dpytest: a real seeded database, the real router, a fixed clock.

Seeding the bundled history takes a few seconds, so it is done once per session into a template file that each test
copies. dpytest replaces the bot's HTTP client and gateway with fakes; nothing here opens a network connection
except the loopback servers some tests start themselves.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import discord
import discord.abc
import discord.ext.test as dpytest
import discord.ext.test.backend as dpytest_backend
import discord.ext.test.runner as dpytest_runner
import pytest

from alerts.market.calendar import TradingCalendar
from alerts.payloads import Everyone, NoticeAlert, Operator, RecordAlert, SpreadAlert, SubscriptionAlert
from bot.commands.catalog import build_router
from bot.commands.context import CommandContext
from bot.commands.router import Router
from bot.dispatch import Dispatcher
from bot.jobs.seed import seed_fomc_if_empty, seed_if_empty
from bot.secret import Secret
from bot.settings import Settings, load_settings
from bot.transports.discord import DiscordTransport
from storage import outbox, subscriptions
from storage.database import Database
from storage.subscriptions import Subscription

# A Wednesday, 10:00 in New York: the market is open, and the bundled history (to mid-2026) is months old.
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)
GROUP_WINDOW = 0.05  # seconds: short, so the tests stay fast; long enough for gathered sends to meet


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture(scope="session")
def discord_seeded_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("discord-seeded") / "rotobot.db"
    database = Database.open(path)

    async def seed() -> None:
        await seed_if_empty(database, NOW)
        await seed_fomc_if_empty(database, NOW)

    asyncio.run(seed())
    database.close()
    return path


@pytest.fixture
def database(tmp_path, discord_seeded_template):
    shutil.copy(discord_seeded_template, tmp_path / "rotobot.db")
    opened = Database.open(tmp_path / "rotobot.db")
    yield opened
    opened.close()


@pytest.fixture
def sent_payloads(monkeypatch):
    """The JSON each bot message would carry to Discord (content, embeds, allowed_mentions), in order.

    dpytest drops allowed_mentions when it fakes the message (and the embeds when files are attached), so the payload
    is caught where discord.py builds it.
    """
    payloads: list[dict] = []
    original = discord.abc.handle_message_parameters

    def recording(*args, **kwargs):
        params = original(*args, **kwargs)
        if params.payload is not None:
            payloads.append(params.payload)
        else:  # with files the JSON travels as the multipart field payload_json (and dpytest loses the embeds)
            part = next(p for p in params.multipart if p["name"] == "payload_json")
            payloads.append(json.loads(part["value"]))
        return params

    monkeypatch.setattr(discord.abc, "handle_message_parameters", recording)
    return payloads


def sample_alert(kind: str, *, key: str | None = None, route=None, at: datetime | None = None, message=None,
                 body: str = ""):
    """A typed alert of a kind rotobot sends, with real wording: "record", "spread", "move" (a subscription) or
    "notice" (for the operator)."""
    at = at or NOW - timedelta(minutes=2)
    if kind == "record":
        return RecordAlert(key=key or "new_high|^RUT|2026-11-24", route=route or Everyone(), occurred_at=at, body=body,
                           message=message or "Russell 2000 closes at a record 2,712.40",
                           rule_id="new_high:^RUT:close", symbol="^RUT", session=date(2026, 11, 24), price=2712.4,
                           previous_record=2690.1, previous_record_date=date(2026, 11, 20))
    if kind == "spread":
        return SpreadAlert(key=key or "rotation_spread|^RUT/^NDX|2026-11-24", route=route or Everyone(), body=body,
                           occurred_at=at, message=message or "Rotation into small caps: spread +5.2%",
                           rule_id="rotation_spread:^RUT/^NDX:20", pair="^RUT/^NDX", session=date(2026, 11, 24),
                           direction="small", spread=5.2, line=5.0, window=20, small_close=2712.4,
                           large_close=25100.0)
    if kind == "move":
        return SubscriptionAlert(key=key or "sub:1|CFG|2026-11-25:up:3", route=route, occurred_at=at, body=body,
                                 message=message or "CFG is up 3.40% on the day at 61.20", rule_kind="move",
                                 rule_id="sub:1", symbol="CFG", trigger="2026-11-25:up:3", direction="up",
                                 value=3.4, threshold=3.0)
    if kind == "notice":
        return NoticeAlert(key=key or "operator|yahoo|down", topic="yahoo", route=route or Operator(), occurred_at=at,
                           body=body, message=message or "Data source yahoo has been failing for 10 min")
    raise ValueError(kind)


async def deliver(harness, *alerts, dispatcher=None):
    """Queue `alerts` through the real publisher and let the real dispatcher take them to the Discord transport, to
    the end of what is due now; returns the dispatcher, for later passes."""
    dispatcher = dispatcher or Dispatcher(harness.database, [harness.transport], harness.clock,
                                          ZoneInfo("America/New_York"))
    if alerts:
        harness.database.call(outbox.commit, [subscribed(harness, alert) for alert in alerts], harness.clock())
    await dispatcher.run_once()
    return dispatcher


def subscribed(harness, alert):
    """A subscription alert belongs to a stored subscription (the outbox refuses one whose subscription is gone):
    the subscription its route names, stored when it is not yet, and the alert made its own."""
    if not isinstance(alert, SubscriptionAlert):
        return alert
    route = alert.route
    existing = [s for s in harness.database.call(subscriptions.for_user, route.guild_id, route.user_id)
                if s.symbol == alert.symbol]
    if existing:
        return replace(alert, rule_id=subscriptions.rule_id(existing[0].id))
    sub, _ = harness.database.call(subscriptions.add, Subscription(
        guild_id=route.guild_id, user_id=route.user_id, symbol=alert.symbol, kind="move", created_at=harness.clock(),
        threshold=3.0, channel_id=route.channel_id))
    return replace(alert, rule_id=subscriptions.rule_id(sub.id))


@dataclass
class Harness:
    transport: DiscordTransport
    bot: discord.Client
    database: Database
    clock: Clock
    router: Router
    context: CommandContext
    guild: discord.Guild
    channel: discord.TextChannel
    admin: discord.Member
    trader: discord.Member
    admin_role: discord.Role
    payloads: list[dict]
    fatal: list[str] = field(default_factory=list)

    async def say(self, text: str, member: discord.Member | None = None, channel=None) -> discord.Message:
        """A member types `text` at a person's pace (no throttling); returns the bot's answer."""
        self.clock.advance(3)
        await dpytest.message(text, channel=channel or self.channel, member=member or self.trader)
        return dpytest.get_message()


class _NoClientIsSharded:
    pass


def configure_dpytest(bot: discord.Client, **options) -> None:
    """dpytest.configure for rotobot's AutoShardedBot. dpytest refuses every AutoShardedClient ("Sharded clients
    not yet supported"), yet all it does is swap the client's HTTP client and connection state for its fakes: one
    unsharded state serving every guild, which is what a bot with one shard is. Its guard is stepped around for
    this one call; the bot under test stays the production class."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dpytest_runner.discord, "AutoShardedClient", _NoClientIsSharded)
        dpytest.configure(bot, **options)


async def make_harness(database, payloads, *, router: Router | None = None, settings: Settings | None = None,
                       alert_channel_id: int = 0) -> Harness:
    clock = Clock()
    settings = settings or load_settings(environ={})
    router = router or build_router(settings.discord.prefix)
    context = CommandContext(settings=settings, database=database, now=clock, started_at=NOW - timedelta(hours=2),
                             calendar=TradingCalendar(), transports=("discord",))
    fatal: list[str] = []
    transport = DiscordTransport(
        Secret("not-a-real-token"),
        router=router,
        context=context,
        database=database,
        on_fatal=fatal.append,
        alert_channel_id=alert_channel_id,
        clock=clock,
        group_window=GROUP_WINDOW,
        sync_commands=False,
    )
    bot = transport.bot
    await bot._async_setup_hook()  # what login() would do first; nothing logs in
    # dpytest keeps its members in the bot's member cache, which needs the (privileged) members intent. rotobot does
    # not ask for it in production (message payloads carry the author's member data); only the test bot gets it.
    test_intents = bot.intents
    test_intents.members = True
    bot._connection._intents = test_intents
    bot._connection.member_cache_flags = discord.MemberCacheFlags.from_intents(test_intents)
    configure_dpytest(bot, members=["admin", "trader"])
    bot._ready.set()  # dpytest never sends READY; alerts wait for it
    config = dpytest.get_config()
    guild = config.guilds[0]
    admin, trader = config.members
    role = dpytest_backend.make_role("Server admins", guild, permissions=discord.Permissions(manage_guild=True).value)
    await dpytest.add_role(admin, role)
    admin = guild.get_member(admin.id)
    return Harness(transport, bot, database, clock, router, context, guild, config.channels[0], admin,
                   guild.get_member(trader.id), role, payloads, fatal)


@pytest.fixture
async def harness(database, sent_payloads):
    made = await make_harness(database, sent_payloads)
    yield made
    await dpytest.empty_queue()
    made.bot.ws = None  # dpytest's fake gateway cannot be closed (it has no socket); the rest of close() runs
    await made.transport.close()


async def queue_the_record_closes(database: Database, clock, calendar: TradingCalendar) -> None:
    """Through the real engine and publisher: the Russell 2000's record closes of 10 and 11 Dec 2025 (2,559.61 and
    2,590.61), found by the close job of the 11th after a day away, as two server-wide alerts. Leaves the clock at
    16:20 New York time on the 11th."""
    from datetime import date

    from alerts.market.models import DailyBar
    from alerts.market.calendar import NEW_YORK
    from alerts.rules.loader import default_rules
    from bot.jobs.engine import RuleEngine
    from storage import prices
    from tests.conftest import publisher
    from tests.upstream import RUT, between, history

    def store(first: date, last: date) -> None:
        fetched = datetime(2025, 12, 12, tzinfo=timezone.utc)
        database.call(prices.store_bars, [DailyBar("^RUT", b.date, b.close, "yahoo", fetched, b.open, b.high, b.low,
                                                   b.volume) for b in between(history(RUT), first, last)])

    store(date(2024, 1, 1), date(2025, 12, 9))
    clock.now = datetime(2025, 12, 9, 17, 0, tzinfo=NEW_YORK)
    engine = RuleEngine(database=database, rules=default_rules(), calendar=calendar,
                       publish=publisher(database, clock), clock=clock)
    assert await engine.judge_sessions() == 0  # the states as of the 9th: nothing to say yet
    store(date(2025, 12, 10), date(2025, 12, 11))
    clock.now = datetime(2025, 12, 11, 16, 20, tzinfo=NEW_YORK)
    assert await engine.judge_sessions() == 2


@dataclass
class Servers:
    """The real Discord transport in several dpytest servers, each with an admin and a trader."""

    database: Database
    clock: Clock
    calendar: TradingCalendar
    transport: DiscordTransport
    guilds: list[discord.Guild]

    def admin_of(self, guild: discord.Guild) -> discord.Member:
        return guild.get_member(self._admins[guild.id])

    async def close(self) -> None:
        await dpytest.empty_queue()
        self.transport.bot.ws = None  # dpytest's fake gateway cannot be closed; the rest of close() runs
        await self.transport.close()


async def make_servers(database: Database, names: list[str], channels: list[str] = ("alerts",)) -> Servers:
    """One dpytest server per name, each with these text channels; in each, member "admin" has Manage Server
    (through a role of that server, named "<server> admins")."""
    clock = Clock(NOW)
    settings = load_settings(environ={})
    calendar = TradingCalendar()
    context = CommandContext(settings=settings, database=database, now=clock, started_at=NOW, calendar=calendar,
                             transports=("discord",))
    transport = DiscordTransport(Secret("not-a-real-token"), router=build_router(settings.discord.prefix),
                                 context=context, database=database, on_fatal=lambda message: None, clock=clock,
                                 group_window=GROUP_WINDOW, sync_commands=False)
    bot = transport.bot
    await bot._async_setup_hook()
    test_intents = bot.intents  # dpytest's member cache needs the members intent (see make_harness)
    test_intents.members = True
    bot._connection._intents = test_intents
    bot._connection.member_cache_flags = discord.MemberCacheFlags.from_intents(test_intents)
    configure_dpytest(bot, guilds=names, text_channels=list(channels), members=["admin", "trader"])
    bot._ready.set()  # dpytest never sends READY
    guilds = list(dpytest.get_config().guilds)
    servers = Servers(database, clock, calendar, transport, guilds)
    servers._admins = {}
    for guild in guilds:
        admin = next(m for m in guild.members if m.name == "admin")
        role = dpytest_backend.make_role(f"{guild.name} admins", guild,
                                         permissions=discord.Permissions(manage_guild=True).value)
        await dpytest.add_role(admin, role)
        servers._admins[guild.id] = admin.id
    return servers
