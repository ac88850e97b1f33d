"""!watch, !watches and !unwatch through the shared command layer (the router Discord and the console both call),
on a real seeded SQLite file: admins only, numbered per server, the limit, and every bad argument answered with a
valid example. The Discord side is driven with dpytest in tests/discord/test_discord_watches.py."""

from __future__ import annotations

import pytest

from alerts.watches import MAX_PER_SERVER
from bot.commands.router import Caller
from storage import guild_settings, watches
from tests.bot.test_commands import ADMIN, TRADER, OneServer, ask  # noqa: F401 - fixtures

OTHER_ADMIN = Caller(user_id=13, guild_id=98, channel_id=556, is_admin=True, name="admin", server=OneServer())


def text(reply) -> str:
    return " ".join([reply.title, *reply.lines, reply.footer, *(v for _, v in reply.fields)])


def stored(ask, guild: int = 99) -> list[tuple[int, str, str]]:
    return [(w.number, w.spec.text, w.status) for w in ask.database.call(watches.for_guild, guild)]


async def test_an_admin_adds_a_watch_under_the_servers_next_number(ask):
    reply = await ask("!watch KRE/IWM spread 20 above 5", ADMIN)
    assert not reply.error and reply.title == "Watch #1 added"
    assert 'named "Watch #1 KRE/IWM spread 20 above 5"' in text(reply) and reply.footer == "1 of 20 watches"
    assert not (await ask("!watch ^RUT ma 200", ADMIN)).error
    assert not (await ask("!watch ^RUT/^NDX ma 50", ADMIN)).error
    assert not (await ask("!watch ^RUT move 15 12%", ADMIN)).error
    assert stored(ask) == [(1, "KRE/IWM spread 20 above 5", "active"), (2, "^RUT ma 200", "active"),
                           (3, "^RUT/^NDX ma 50", "active"), (4, "^RUT move 15 12%", "active")]


async def test_members_may_list_watches_but_not_add_or_remove_them(ask):
    await ask("!watch ^RUT ma 200", ADMIN)
    for command in ("!watch ^RUT ma 50", "!unwatch 1"):
        refused = await ask(command, TRADER)
        assert refused.error and "Manage Server" in refused.lines[0]
    assert stored(ask) == [(1, "^RUT ma 200", "active")]
    listed = await ask("!watches", TRADER)
    assert not listed.error and listed.lines[0].startswith("#1 ^RUT ma 200 — not judged yet")


async def test_watches_belong_to_a_server_not_a_dm_nor_the_console(ask):
    for caller in (Caller(user_id=12, guild_id=0, is_admin=True), Caller()):
        reply = await ask("!watch ^RUT ma 200", caller)
        assert reply.error and "Watches belong to a server" in reply.title and "For example: !watch" in reply.title


@pytest.mark.parametrize("command, expected", [
    ("!watch", "needs a ticker"),
    ("!watch KRE/", "needs a ticker"),
    ("!watch KRE/ spread 20", "on each side of '/'"),
    ("!watch /SPY spread 20", "on each side of '/'"),
    ("!watch KRE/KRE spread 20", "two different tickers"),
    ("!watch ZZZ$ ma 50", "is not a ticker"),
    ("!watch KRE/SPY spread -5", "is not a number of sessions"),
    ("!watch KRE/SPY spread 0", "at least 1"),
    ("!watch ^RUT ma 99999999", "at most 2,520"),
    ("!watch ^RUT ma two", "is not a number of sessions"),
    ("!watch ^RUT move 15 abc%", "is not a number"),
    ("!watch ^RUT move 15 nan", "is not a number"),
    ("!watch ^RUT move 15 inf", "is not a number"),
    ("!watch ^RUT rally 15 12%", "is not a kind of watch"),
    ("!watch ^RUT move 15", "needs the sessions and the percent"),
    ("!watch 'KRE/SPY spread' 20", "is not a kind of watch"),
])
async def test_every_bad_watch_is_answered_with_a_valid_example_and_stores_nothing(ask, command, expected):
    reply = await ask(command, ADMIN)
    assert reply.error and expected in reply.title
    example = reply.title.split("For example: ", 1)[1]
    assert not (await ask(example, ADMIN)).error  # the example is a watch that is taken
    assert len(stored(ask)) == 1


async def test_12_and_12_percent_are_one_watch(ask):
    assert (await ask("!watch ^RUT move 15 12", ADMIN)).title == "Watch #1 added"
    again = await ask("!watch ^rut move 15 12%", ADMIN)
    assert not again.error and again.title == "Already watching: Watch #1 ^RUT move 15 12%"
    assert stored(ask) == [(1, "^RUT move 15 12%", "active")]


async def test_the_21st_watch_is_refused_and_a_removed_number_is_never_given_again(ask):
    for n in range(MAX_PER_SERVER):
        assert not (await ask(f"!watch ^RUT ma {50 + n}", ADMIN)).error
    full = await ask("!watch ^RUT ma 500", ADMIN)
    assert full.error and f"This server has {MAX_PER_SERVER} watches, the limit" in full.title
    assert "!unwatch 1" in full.title
    assert len(stored(ask)) == MAX_PER_SERVER
    assert (await ask(f"!unwatch {MAX_PER_SERVER}", ADMIN)).title == f"Watch #{MAX_PER_SERVER} removed"
    assert (await ask("!watch ^RUT ma 500", ADMIN)).title == f"Watch #{MAX_PER_SERVER + 1} added"


async def test_watches_takes_no_arguments_and_says_what_to_type(ask):
    reply = await ask("!watches 3", ADMIN)
    assert reply.error and reply.title.startswith("!watches takes no arguments (got '3'): type just !watches")


@pytest.mark.parametrize("command, expected", [
    ("!unwatch", "Which watch? Give its number from !watches, e.g. !unwatch 3"),
    ("!unwatch abc", "'abc' is not a watch number: give the number !watches shows, e.g. !unwatch 3"),
    ("!unwatch -1", "'-1' is not a watch number"),
    ("!unwatch 1.5", "'1.5' is not a watch number"),
    ("!unwatch 1 2", "'1 2' is not a watch number"),
    ("!unwatch 7", "This server has no watch #7: !watches lists this server's watches, e.g. !unwatch 1"),
])
async def test_a_bad_unwatch_says_what_would_be_right_and_removes_nothing(ask, command, expected):
    await ask("!watch ^RUT ma 200", ADMIN)
    reply = await ask(command, ADMIN)
    assert reply.error and reply.title.startswith(expected) and "e.g. !unwatch " in reply.title
    assert stored(ask) == [(1, "^RUT ma 200", "active")]


async def test_unwatch_of_another_servers_number_touches_nothing_of_theirs(ask):
    await ask("!watch ^RUT ma 200", OTHER_ADMIN)  # server 98's #1
    await ask("!watch ^RUT ma 50", OTHER_ADMIN)  # server 98's #2
    await ask("!watch ^RUT ma 100", ADMIN)  # server 99's #1
    assert (await ask("!unwatch 2", ADMIN)).title.startswith("This server has no watch #2")
    assert (await ask("!unwatch #1", ADMIN)).title == "Watch #1 removed"
    assert stored(ask, 98) == [(1, "^RUT ma 200", "active"), (2, "^RUT ma 50", "active")]
    assert stored(ask) == []
    assert (await ask("!watches", ADMIN)).title == "This server has no watches"


async def test_a_ticker_rotobot_has_never_seen_waits_for_the_data_job(ask):
    reply = await ask("!watch NEWCO/SPY spread 20 above 5", ADMIN)
    assert not reply.error and "no data for NEWCO and SPY yet: the next data job looks it up" in text(reply)
    assert stored(ask) == [(1, "NEWCO/SPY spread 20 above 5", "pending")]
    listed = await ask("!watches", ADMIN)
    assert "#1 NEWCO/SPY spread 20 above 5 — waiting for the first data of NEWCO and SPY" in listed.lines[0]
    assert "NEWCO" not in ask.database.call(watches.watched_symbols)  # not fetched daily until found


async def test_a_server_without_an_alert_channel_is_told_its_watches_cannot_be_heard(ask):
    assert "no alert channel yet" in text(await ask("!watch ^RUT ma 200", ADMIN))
    ask.database.call(guild_settings.set_value, 99, "alert_channel", 123456789012, ask.clock())
    assert "no alert channel" not in text(await ask("!watch ^RUT ma 50", ADMIN))


async def test_rotation_shows_this_servers_watches_and_no_other_servers(ask):
    await ask("!watch ^RUT ma 200", ADMIN)
    await ask("!watch KRE/^RUT spread 10 below -3", OTHER_ADMIN)
    here = dict((await ask("!rotation", TRADER)).fields)
    assert here["This server's watches"].startswith("#1 ^RUT ma 200 — not judged yet")
    elsewhere = dict((await ask("!rotation", Caller(user_id=13, guild_id=98, is_admin=False))).fields)
    assert elsewhere["This server's watches"].startswith("#1 KRE/^RUT spread 10 below -3")
    assert "This server's watches" not in dict((await ask("!rotation", Caller(user_id=5, guild_id=97))).fields)
