"""Prefix commands through the real bot and the real router, as a Discord member would type them (dpytest)."""

from __future__ import annotations

import logging

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext import commands

from bot.commands.catalog import build_router
from bot.commands.reply import Reply
from bot.secret import Secret
from bot.transports.discord import DiscordTransport, intents
from tests.discord.conftest import make_harness


def text_of(message: discord.Message) -> str:
    """Everything a reader sees in the bot's answer: content and the embed's parts."""
    parts = [message.content or ""]
    for embed in message.embeds:
        parts += [embed.title or "", embed.description or "", embed.footer.text or ""]
        parts += [f"{f.name} {f.value}" for f in embed.fields]
    return "\n".join(parts)


def is_error(message: discord.Message) -> bool:
    return message.embeds[0].colour.value == 0xC0392B


async def test_the_bot_asks_for_message_content_and_has_no_library_help(database):
    transport = DiscordTransport(Secret("t"), router=build_router("!"), context=None, database=database,
                                 on_fatal=lambda _: None, sync_commands=False)
    # dpytest delivers message text whatever the intents, so only this assertion guards prefix commands in Discord.
    assert transport.bot.intents.message_content is True
    assert intents().message_content is True
    assert transport.bot.intents.members is False  # privileged and not needed: never asked for
    assert transport.bot.help_command is None
    assert transport.bot.command_prefix == "!"
    routed = {c.name for c in build_router("!").commands}
    assert {c.name for c in transport.bot.commands} == routed
    assert {c.name for c in transport.bot.tree.get_commands()} == routed  # each is a slash command too
    status = transport.bot.tree.get_command("status")
    assert [(p.name, p.required) for p in status.parameters] == [("args", False)]


async def test_help_lists_the_router_commands_in_an_embed(harness):
    answer = await harness.say("!help")
    embed = answer.embeds[0]
    assert embed.title == "rotobot commands"
    for command in harness.router.commands:
        if not command.admin:
            assert f"!{command.usage}" in embed.description
    assert not is_error(answer)


async def test_status_answers_from_the_database_and_says_the_data_is_stale(harness):
    answer = await harness.say("!status")
    text = text_of(answer)
    assert answer.embeds[0].title == "rotobot status"
    assert "schema" in text and "discord" in text  # the database and the transports
    assert "^RUT" in text and "close" in text
    assert "stale" in text  # the bundled history ends in mid-2026; the clock says late November


async def test_rotation_answers_from_stored_data_without_any_network(harness):
    answer = await harness.say("!rotation")
    text = text_of(answer)
    assert not is_error(answer), text
    assert "^RUT" in text and "^NDX" in text


async def test_fomc_shows_the_stored_calendar(harness):
    answer = await harness.say("!fomc")
    fields = {f.name: f.value for f in answer.embeds[0].fields}
    assert answer.embeds[0].title == "FOMC"
    assert "2026" in fields["next meeting"]
    assert "%" in fields["target range"]


async def test_fomc_dots_sends_the_dot_plot_inside_the_embed(database, sent_payloads, tmp_path, monkeypatch):
    from datetime import datetime, timezone
    from pathlib import Path

    from alerts.fomc.projections import parse_projections
    from storage import fomc

    monkeypatch.chdir(tmp_path)  # dpytest writes each sent file into the working directory
    page = Path(__file__).resolve().parents[1] / "fixtures" / "fomc" / "fomcprojtabl20251210.htm"
    database.call(fomc.upsert_projections, parse_projections(page.read_bytes().decode("utf-8")),
                  "https://www.federalreserve.gov/monetarypolicy/fomcprojtabl20251210.htm",
                  datetime(2025, 12, 10, 19, 1, tzinfo=timezone.utc))
    harness = await make_harness(database, sent_payloads)
    try:
        answer = await harness.say("!fomc dots")
        assert [a.filename for a in answer.attachments] == ["fomc-dots.png"]
        sent = sent_payloads[-1]  # dpytest drops the embeds of a message with files; the payload has them
        embed = sent["embeds"][0]
        assert embed["title"] == "FOMC" and embed["image"]["url"] == "attachment://fomc-dots.png"
        fields = {f["name"]: f["value"] for f in embed["fields"]}
        assert fields["projections 2025-12-10"].startswith("median funds rate, % (September's): 2025 3.6 (3.6)")
        wrong = await harness.say("!fomc foo")
        assert is_error(wrong) and "'dots' for the dot plot" in wrong.embeds[0].title
    finally:
        await dpytest.empty_queue()
        harness.bot.ws = None
        await harness.transport.close()


async def test_an_unknown_command_is_named_with_the_nearest_one(harness):
    answer = await harness.say("!rotatoin")
    assert is_error(answer)
    assert answer.embeds[0].title == "Unknown command !rotatoin"
    assert "Did you mean !rotation?" in answer.embeds[0].description


async def test_a_lone_prefix_or_punctuation_is_chat_not_a_command(harness):
    await dpytest.message("!!!")
    await dpytest.message("! ")
    assert dpytest.verify().message().nothing()


async def test_commands_ignore_case_like_the_console(harness):
    answer = await harness.say("!HELP")
    assert answer.embeds[0].title == "rotobot commands"


async def test_an_unclosed_quote_gets_the_routers_answer(harness):
    answer = await harness.say('!help "unclosed')
    assert is_error(answer)
    assert answer.embeds[0].title.startswith("Could not read that command")


async def test_everyone_in_an_argument_pings_nobody(harness):
    answer = await harness.say("!help @everyone")
    assert is_error(answer)
    assert "@everyone" in text_of(answer)  # echoed back...
    assert harness.payloads[-1]["allowed_mentions"] == {"parse": []}  # ...with every mention disabled
    assert answer.mention_everyone is False and answer.mentions == [] and answer.role_mentions == []


async def test_every_answer_goes_out_with_mentions_disabled(harness):
    for text in ("!help", "!status", "!fomc", "!nope"):
        await harness.say(text)
    assert [p["allowed_mentions"] for p in harness.payloads] == [{"parse": []}] * 4


async def test_an_admin_command_refuses_a_member_without_manage_server(database, sent_payloads):
    router = build_router("!")

    async def admin_only(ctx, caller, args):
        return Reply("admin thing done", (f"by {caller.name}, admin={caller.is_admin}, guild={caller.guild_id}",))

    router.add("adminthing", "adminthing", "test only", admin_only, admin=True)
    harness = await make_harness(database, sent_payloads, router=router)
    try:
        refused = await harness.say("!adminthing", member=harness.trader)
        assert is_error(refused)
        assert refused.embeds[0].title == "!adminthing is for server admins"
        assert "Manage Server" in refused.embeds[0].description

        done = await harness.say("!adminthing", member=harness.admin)
        assert not is_error(done)
        assert done.embeds[0].description == (
            f"by {harness.admin.display_name}, admin=True, guild={harness.guild.id}")
    finally:
        await dpytest.empty_queue()
        harness.bot.ws = None
        await harness.transport.close()


async def test_the_sixth_quick_command_is_told_to_slow_down(harness):
    for _ in range(5):
        await dpytest.message("!help", member=harness.trader)  # the clock stands still: all within one window
        assert dpytest.get_message().embeds[0].title == "rotobot commands"
    await dpytest.message("!help", member=harness.trader)
    slowed = dpytest.get_message()
    assert is_error(slowed)
    assert slowed.embeds[0].title == "Slow down a little"
    await dpytest.message("!help", member=harness.admin)  # the limit is per user
    assert dpytest.get_message().embeds[0].title == "rotobot commands"


@pytest.fixture
async def fragile(database, sent_payloads):
    router = build_router("!")

    async def boom(ctx, caller, args):
        raise RuntimeError("handler bug")

    async def not_a_reply(ctx, caller, args):
        return None  # rendering this fails inside the Discord layer, past the router's own guard

    router.add("boom", "boom", "test only", boom)
    router.add("broken", "broken", "test only", not_a_reply)
    harness = await make_harness(database, sent_payloads, router=router)
    yield harness
    await dpytest.empty_queue()
    harness.bot.ws = None
    await harness.transport.close()


async def test_a_handler_that_raises_is_answered_with_an_apology(fragile, caplog):
    answer = await fragile.say("!boom")
    assert is_error(answer)
    assert answer.embeds[0].title == "!boom failed on our side"
    assert any("handler bug" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)
    assert (await fragile.say("!help")).embeds[0].title == "rotobot commands"  # still answering


async def test_a_failure_in_the_discord_layer_is_logged_and_apologised_for(fragile, caplog):
    caplog.set_level(logging.ERROR)
    with pytest.raises(commands.CommandInvokeError):  # dpytest re-raises what reached on_command_error
        await dpytest.message("!broken", member=fragile.trader)
    apology = dpytest.get_message()
    assert is_error(apology)
    assert apology.embeds[0].title == "Sorry, that went wrong on our side"
    assert any(r.message.startswith("Discord command broken failed") and r.exc_info for r in caplog.records)
    assert (await fragile.say("!help")).embeds[0].title == "rotobot commands"  # the bot lives on


async def test_a_reply_with_a_chart_sends_the_png_inside_the_embed(database, sent_payloads, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # dpytest writes each sent file into the working directory
    router = build_router("!")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

    async def chart(ctx, caller, args):
        return Reply("A chart", ("see the picture",), attachments=(("rotation.png", png),))

    router.add("chart", "chart", "test only", chart)
    harness = await make_harness(database, sent_payloads, router=router)
    try:
        answer = await harness.say("!chart")
        assert [a.filename for a in answer.attachments] == ["rotation.png"]
        sent = sent_payloads[-1]  # dpytest drops the embeds of a message with files; the payload has them
        assert sent["embeds"][0]["title"] == "A chart"
        assert sent["embeds"][0]["image"]["url"] == "attachment://rotation.png"
        assert sent["attachments"] == [{"id": 0, "filename": "rotation.png"}]
        assert sent["allowed_mentions"] == {"parse": []}
    finally:
        await dpytest.empty_queue()
        harness.bot.ws = None
        await harness.transport.close()
