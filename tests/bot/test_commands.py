"""The shared command layer, as Discord and the console both call it: parsing, limits, admin, pending tickers."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone

import pytest

from alerts.market.calendar import TradingCalendar
from bot.commands.catalog import build_router
from bot.commands.context import CommandContext
from bot.commands.router import Caller
from bot.commands.subscriptions import MAX_PER_USER
from bot.settings import load_settings
from storage import guild_settings, subscriptions
from storage.database import Database

class OneServer:
    """The server these commands are typed in, as a transport would describe it: channel 123456789012 and role 777
    are its own, and rotobot may post in the channel. (The Discord transport's own answers are tested with dpytest
    in tests/discord/test_discord_cross_server.py.)"""

    def channel_problem(self, channel_id: int) -> str | None:
        return None if channel_id in (123456789012, 555) else f"<#{channel_id}> is not a channel of this server"

    def role_problem(self, role_id: int) -> str | None:
        return None if role_id == 777777 else f"<@&{role_id}> is not a role of this server"

    def role_note(self, role_id: int) -> str | None:
        return None


NOW = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)
TRADER = Caller(user_id=11, guild_id=99, channel_id=555, is_admin=False, name="trader", server=OneServer())
ADMIN = Caller(user_id=12, guild_id=99, channel_id=555, is_admin=True, name="admin", server=OneServer())


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def ask(tmp_path, seeded_file):
    shutil.copy(seeded_file, tmp_path / "rotobot.db")
    database = Database.open(tmp_path / "rotobot.db")
    clock = Clock()
    context = CommandContext(settings=load_settings(environ={}), database=database, now=clock, started_at=NOW,
                             calendar=TradingCalendar(), transports=("console",))
    router = build_router("!")

    async def run(text: str, caller: Caller = TRADER):
        clock.now += timedelta(seconds=3)  # a person's pace: no throttling unless a test wants it
        return await router.dispatch(text, context, caller)

    run.database, run.clock = database, clock
    yield run
    database.close()


async def test_subscribe_defaults_to_a_3_percent_move_and_52_week_extremes_by_dm(ask):
    reply = await ask("!subscribe cfg")
    assert not reply.error
    subs = ask.database.call(subscriptions.for_user, 99, 11)
    assert sorted((s.kind, s.threshold, s.channel_id) for s in subs) == [
        ("high_52w", 0.0, None), ("low_52w", 0.0, None), ("move", 3.0, None)
    ]


async def test_subscribe_here_posts_in_the_channel(ask):
    await ask("!subscribe CFG above 60 here")
    (sub,) = ask.database.call(subscriptions.for_user, 99, 11)
    assert (sub.kind, sub.threshold, sub.channel_id) == ("above", 60.0, 555)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("!subscribe", "Which ticker?"),
        ("!subscribe $$$", "is not a ticker: try something like CFG"),
        ("!subscribe @everyone", "is not a ticker"),
        ("!subscribe CFG above abc", "is not a price: give a number such as 45.50"),
        ("!subscribe CFG above -5", "must be above zero"),
        ("!subscribe CFG move -3%", "give a percentage above 0 and at most 50"),
        ("!subscribe CFG move 0%", "give a percentage above 0"),
        ("!subscribe CFG sideways", "is not a kind of alert"),
        ("!subscribe CFG above", "above takes one price"),
        ("!price", "Which ticker?"),
        ("!price NOPE", "has no data for NOPE"),
        ("!alerts 500", "from 1 to 25"),
        ("!unsubscribe", "Which ticker?"),
        ("!unsubscribe CFG sideways", "'sideways' is not a kind: use above, below, move, 52w or all"),
    ],
)
async def test_bad_arguments_get_a_reply_that_shows_what_would_be_right(ask, text, expected):
    reply = await ask(text)
    assert reply.error and expected in reply.title + " ".join(reply.lines)


@pytest.mark.parametrize("word, left", [
    ("above", {"below", "move", "high_52w", "low_52w"}), ("below", {"above", "move", "high_52w", "low_52w"}),
    ("move", {"above", "below", "high_52w", "low_52w"}), ("52w", {"above", "below", "move"}),
    ("high_52w", {"above", "below", "move", "low_52w"}), ("low_52w", {"above", "below", "move", "high_52w"}),
    ("all", set()),
])
async def test_unsubscribe_takes_every_kind_word(ask, word, left):
    for args in ("above 60", "below 40", ""):
        await ask(f"!subscribe CFG {args}".strip())
    reply = await ask(f"!unsubscribe CFG {word}")
    assert not reply.error and reply.title == "Unsubscribed from CFG"
    assert {s.kind for s in ask.database.call(subscriptions.for_user, 99, 11)} == left


async def test_the_subscription_limit_is_named(ask):
    for n in range(MAX_PER_USER):
        await ask(f"!subscribe CFG above {10 + n}")
    reply = await ask("!subscribe CFG above 99")
    assert reply.error and f"the limit is {MAX_PER_USER}" in reply.title
    assert ask.database.call(subscriptions.count_for_user, 11) == MAX_PER_USER


async def test_a_new_ticker_is_pending_until_a_data_job_finds_it(ask):
    reply = await ask("!subscribe NEWCO move 4%")
    assert "no data for NEWCO yet" in " ".join(reply.lines)
    (sub,) = ask.database.call(subscriptions.for_user, 99, 11)
    assert sub.status == "pending"
    assert "NEWCO" not in ask.database.call(subscriptions.watched_symbols)  # not polled until confirmed


async def test_admin_commands_are_refused_to_members_and_work_for_admins(ask):
    refused = await ask("!set channel 123456789012", TRADER)
    assert refused.error and "Manage Server" in refused.lines[0]
    assert not (await ask("!set channel <#123456789012>", ADMIN)).error
    assert "not a channel of this server" in (await ask("!set channel 424242424242", ADMIN)).title
    assert not (await ask("!set role <@&777777>", ADMIN)).error
    assert not (await ask("!set upper 6", ADMIN)).error
    assert (await ask("!set lower 7", ADMIN)).error  # lower must stay below upper
    assert not (await ask("!mute 2h", ADMIN)).error
    stored = ask.database.call(guild_settings.all_for, 99)
    assert stored["alert_channel"] == 123456789012 and stored["upper"] == 6.0 and "muted_until" in stored
    assert stored["alert_role"] == 777777
    assert not (await ask("!unmute", ADMIN)).error
    assert "muted_until" not in ask.database.call(guild_settings.all_for, 99)


async def test_help_hides_admin_commands_from_members(ask):
    member = " ".join((await ask("!help", TRADER)).lines)
    admin = " ".join((await ask("!help", ADMIN)).lines)
    assert "!mute" not in member and "!mute" in admin


async def test_a_burst_of_commands_is_told_to_slow_down(ask):
    replies = []
    for _ in range(6):  # six at the same instant
        ask.clock.now -= timedelta(seconds=3)  # undo the fixture's pace step
        replies.append(await ask("!help"))
    assert [r.error for r in replies] == [False] * 5 + [True]
    assert "Slow down" in replies[-1].title


async def test_price_flags_stale_data(ask):
    reply = await ask("!price ^RUT")
    assert not reply.error and "stale" in " ".join(v for _, v in reply.fields)


async def test_the_daily_wrap_goes_once_to_servers_that_opted_in_and_not_on_holidays(ask):
    from alerts.market.calendar import NEW_YORK
    from bot.jobs.wrap import daily_wrap
    from storage import outbox

    assert not (await ask("!set wrap on", ADMIN)).error
    context = CommandContext(settings=load_settings(environ={}), database=ask.database, now=ask.clock,
                             started_at=NOW, calendar=TradingCalendar(), transports=("console",))

    from tests.conftest import publisher

    publish = publisher(ask.database, ask.clock)

    ask.clock.now = datetime(2025, 12, 25, 16, 30, tzinfo=NEW_YORK)
    assert await daily_wrap(context, TradingCalendar(), publish, ask.clock) == 0  # Christmas: no wrap
    ask.clock.now = datetime(2025, 12, 11, 16, 30, tzinfo=NEW_YORK)
    assert await daily_wrap(context, TradingCalendar(), publish, ask.clock) == 1
    assert await daily_wrap(context, TradingCalendar(), publish, ask.clock) == 0  # once per server and day
    (wrap,) = ask.database.call(outbox.recent, 5)
    assert wrap.alert.route.guild_id == 99 and wrap.alert.message == "Daily wrap, Thu 11 Dec 2025"
    assert "Rotation: small caps vs mega caps" in wrap.alert.body
    assert "Daily wrap" not in " ".join((await ask("!alerts", Caller(user_id=5, guild_id=7))).lines)  # not theirs


async def test_rotation_shows_this_servers_own_spread_lines(ask):
    shared = " ".join(v for _, v in (await ask("!rotation", TRADER)).fields)
    assert "alerts at +5.00%" in shared
    assert not (await ask("!set upper 4", ADMIN)).error
    own = " ".join(v for _, v in (await ask("!rotation", TRADER)).fields)
    assert "alerts at +4.00%" in own
    elsewhere = " ".join(v for _, v in (await ask("!rotation", Caller(user_id=5, guild_id=8))).fields)
    assert "alerts at +5.00%" in elsewhere
