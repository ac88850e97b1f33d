"""A typed command that takes longer than the bot's patience says "Working on it…" first, then answers; a quick one
answers once. (The slash form is deferred instead: tests/discord/test_discord_slash.py.)"""

from __future__ import annotations

import asyncio
import sys

import aiohttp
import discord.ext.test as dpytest
import pytest

from bot.commands.catalog import build_router
from bot.commands.reply import Reply
from bot.transports.discord.client import WORKING
from tests.discord.conftest import make_harness


async def slow_harness(database, sent_payloads, slow):
    """The bot with one more command, `!slow`, whose answer is `slow`'s."""
    router = build_router("!")
    router.add("slow", "slow", "test only", slow)
    made = await make_harness(database, sent_payloads, router=router)
    yield made
    await dpytest.empty_queue()
    made.bot.ws = None
    await made.transport.close()


@pytest.fixture
async def harness(database, sent_payloads):
    async def slow(ctx, caller, args):
        for _ in range(10_000):  # yields to the loop (no real wait) until the bot has said it is working on it
            if not dpytest.sent_queue.empty():
                return Reply("slow answer")
            await asyncio.sleep(0)
        return Reply("never told anyone it was working on it")

    async for made in slow_harness(database, sent_payloads, slow):
        yield made


@pytest.fixture
async def dropping_harness(database, sent_payloads):
    """As `harness`, but the connection drops under the "Working on it…" send (aiohttp raises
    ServerDisconnectedError, which discord.py passes on as is, not as an HTTPException)."""
    tried = asyncio.Event()

    async def slow(ctx, caller, args):
        await tried.wait()  # the bot tried to say it is working on it
        return Reply("slow answer")

    async for made in slow_harness(database, sent_payloads, slow):
        send = made.bot.http.send_message

        async def drops_working(channel_id, *, params):
            if params.payload and params.payload.get("content") == WORKING:
                tried.set()
                raise aiohttp.ServerDisconnectedError()
            # dpytest's send_message finds the channel in its caller's locals: hand on discord.py's
            channel = sys._getframe(1).f_locals.get("channel")  # noqa: F841 - read by dpytest through the frame
            return await send(channel_id, params=params)

        made.bot.http.send_message = drops_working
        yield made


async def test_a_slow_typed_command_says_working_on_it_then_answers(harness):
    harness.bot._defer_after = 0
    await dpytest.message("!slow", channel=harness.channel, member=harness.trader)
    first, answer = dpytest.get_message(), dpytest.get_message()
    assert first.content == WORKING
    assert answer.embeds[0].title == "slow answer"


async def test_a_quick_typed_command_answers_once(harness):
    await dpytest.message("!help", channel=harness.channel, member=harness.trader)
    only = dpytest.get_message()
    assert only.content != WORKING and only.embeds
    assert dpytest.sent_queue.empty()


async def test_a_slow_commands_answer_is_sent_even_when_working_on_it_could_not_be(dropping_harness):
    """Review D: "Working on it…" is a courtesy; the command still runs to its end and its own answer is sent, not
    an apology that tells the user to try again a command that is done."""
    dropping_harness.bot._defer_after = 0
    try:
        await dpytest.message("!slow", channel=dropping_harness.channel, member=dropping_harness.trader)
    except Exception as error:  # noqa: BLE001 - dpytest hands on what reached on_command_error
        pytest.fail(f"the failed 'Working on it' took the command's answer with it: {error!r}")
    answer = dpytest.get_message()
    assert answer.embeds and answer.embeds[0].title == "slow answer", answer.embeds[0].title if answer.embeds else answer
