"""!signals through the real bot and router (dpytest), from a signal cache the real engine filled after a close on
the bundled history: the rules of this server and their record, one rule's last signals, and every bad argument
answered with what would be right."""

from __future__ import annotations

import discord
import discord.ext.test as dpytest
import pytest

from alerts.rules.loader import default_rules
from alerts.market.calendar import TradingCalendar
from bot.jobs.engine import RuleEngine
from bot.jobs.records import SignalRecords
from storage import guild_settings, signal_records
from tests.conftest import publisher
from tests.discord.conftest import NOW, make_servers
from tests.discord.test_discord_commands import is_error, text_of

SPREAD = "rotation_spread:^RUT/^NDX:20"


async def fill_the_cache(database, clock) -> None:
    """What the app does at start and after each close: the engine judges, then brings the cache up to date."""
    engine = RuleEngine(database=database, rules=default_rules(), calendar=TradingCalendar(),
                        publish=publisher(database, clock), clock=clock, records=SignalRecords(database, clock))
    await engine.judge_sessions()
    assert {r.rule_id for r in database.call(signal_records.cached_rules, 1, 12)} >= {SPREAD}


async def test_signals_before_any_close_says_when_the_records_come(harness):
    for text in ("!signals", f"!signals {SPREAD}", "!signals nosuch"):
        answer = await harness.say(text)
        assert not is_error(answer) and answer.embeds[0].title == "No signal records yet"
        assert "computed after the next daily close" in text_of(answer)


async def test_signals_shows_each_rule_with_its_record_and_its_latest_signal(harness):
    await fill_the_cache(harness.database, harness.clock)
    answer = await harness.say("!signals")
    embed = answer.embeds[0]
    assert not is_error(answer) and embed.title == "Signals and what followed them"
    fields = {f.name: f.value for f in embed.fields}
    assert set(fields) == {"new_high:^RUT:close", SPREAD}
    lines = fields[SPREAD].split("\n")
    assert lines[0].startswith("the last 12 crossings into small caps: small caps led over the next 20 sessions ")
    assert lines[1].startswith("the last 12 crossings into mega caps: mega caps led over the next 20 sessions ")
    assert lines[2].startswith("latest: ")
    assert "from store" in embed.footer.text and "!signals RULE" in embed.footer.text


async def test_signals_of_one_rule_lists_its_last_signals_and_a_part_of_its_name_will_do(harness):
    await fill_the_cache(harness.database, harness.clock)
    answer = await harness.say("!signals SPREAD")
    embed = answer.embeds[0]
    assert not is_error(answer) and embed.title == SPREAD
    fields = {f.name: f.value for f in embed.fields}
    assert list(fields)[0] == "record: the last 12" and list(fields)[1] == "record: all since 10 Sep 1987"
    [cached] = [r for r in harness.database.call(signal_records.cached_rules, 1, 12) if r.rule_id == SPREAD]
    every = cached.records["small"].count  # every rotation into small caps since 1987 with 20 sessions after it
    hits = cached.records["small"].hits
    assert every > 100 and fields["record: all since 10 Sep 1987"].startswith(
        f"the last {every} crossings into small caps: small caps led over the next 20 sessions {hits} times")
    signals = fields["last 10 signals"].split("\n")
    assert len(signals) == 10 and all(" at " in line and "over the next 20 sessions" in line or
                                      "not stored yet" in line for line in signals)


@pytest.mark.parametrize("text, title, said", [
    ("!signals nosuch", "No rule named 'nosuch' here",
     f"This server's rules: new_high:^RUT:close, {SPREAD}\nFor example: !signals new_high:^RUT:close"),
    ("!signals :", "':' could be any of 2 rules", "For example: !signals new_high:^RUT:close"),
    (f"!signals {SPREAD} small", "!signals takes at most one rule name", "Usage: !signals [RULE]"),
    ('!signals "', "Could not read that command", "Close any open quote"),
])
async def test_signals_with_a_bad_argument_says_what_would_be_right(harness, text, title, said):
    await fill_the_cache(harness.database, harness.clock)
    answer = await harness.say(text)
    assert is_error(answer) and answer.embeds[0].title.startswith(title)
    assert said in text_of(answer)


@pytest.fixture
async def two_servers(database):
    world = await make_servers(database, ["Alpha", "Bravo"], channels=["general"])
    yield world
    await world.close()


async def test_a_servers_own_spread_lines_show_to_it_and_to_no_other_server(two_servers):
    alpha, bravo = two_servers.guilds
    two_servers.database.call(guild_settings.set_value, alpha.id, "upper", 4.0, NOW)
    await fill_the_cache(two_servers.database, two_servers.clock)

    async def signals(guild: discord.Guild) -> dict[str, str]:
        await dpytest.message("!signals", channel=guild.text_channels[0], member=two_servers.admin_of(guild))
        return {f.name: f.value for f in dpytest.get_message().embeds[0].fields}

    mine, theirs = await signals(alpha), await signals(bravo)
    assert set(mine) == {"new_high:^RUT:close", f"{SPREAD} (this server's lines)"}
    assert set(theirs) == {"new_high:^RUT:close", SPREAD}
    assert mine[f"{SPREAD} (this server's lines)"] != theirs[SPREAD]  # +4% is another rule, with its own record
    assert str(alpha.id) not in "".join(theirs) + "".join(theirs.values())
