"""A typed command that takes longer than the bot's patience says "Working on it…" first, then answers; a quick one
answers once. (The slash form is deferred instead: tests/discord/test_discord_slash.py.)"""

from __future__ import annotations

import asyncio

import discord.ext.test as dpytest
import pytest

from bot.commands.catalog import build_router
from bot.commands.reply import Reply
from bot.transports.discord.client import WORKING
from tests.discord.conftest import make_harness


@pytest.fixture
async def harness(database, sent_payloads):
    router = build_router("!")

    async def slow(ctx, caller, args):
        for _ in range(10_000):  # yields to the loop (no real wait) until the bot has said it is working on it
            if not dpytest.sent_queue.empty():
                return Reply("slow answer")
            await asyncio.sleep(0)
        return Reply("never told anyone it was working on it")

    router.add("slow", "slow", "test only", slow)
    made = await make_harness(database, sent_payloads, router=router)
    yield made
    await dpytest.empty_queue()
    made.bot.ws = None
    await made.transport.close()


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
