"""Review D: "Working on it…" is a courtesy. When Discord's connection drops while it is being sent (aiohttp raises
ServerDisconnectedError, which discord.py passes on as is, not as an HTTPException), the command still runs to its
end; its own answer must still be sent, not an apology that tells the user to try again a command that is done."""

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


@pytest.fixture
async def harness(database, sent_payloads):
    router = build_router("!")
    tried = asyncio.Event()

    async def slow(ctx, caller, args):
        await tried.wait()  # the bot tried to say it is working on it
        return Reply("slow answer")

    router.add("slow", "slow", "test only", slow)
    made = await make_harness(database, sent_payloads, router=router)
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
    await dpytest.empty_queue()
    made.bot.ws = None
    await made.transport.close()


async def test_a_slow_commands_answer_is_sent_even_when_working_on_it_could_not_be(harness):
    harness.bot._defer_after = 0
    try:
        await dpytest.message("!slow", channel=harness.channel, member=harness.trader)
    except Exception as error:  # noqa: BLE001 - dpytest hands on what reached on_command_error
        pytest.fail(f"the failed 'Working on it' took the command's answer with it: {error!r}")
    answer = dpytest.get_message()
    assert answer.embeds and answer.embeds[0].title == "slow answer", answer.embeds[0].title if answer.embeds else answer
