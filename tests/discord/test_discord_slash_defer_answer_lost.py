"""Review E: a slow slash command's "rotobot is thinking…" (the deferral) reached Discord, but its answer was lost on
the way back (the connection dropped after the request got through, as tests/discord/test_lost_answers.py models
for webhooks). bot/transports/discord/client.py `_run` now logs that and awaits the command, which is right; but
discord.py marks an interaction answered only once the deferral's HTTP answer came back, so the command's answer
then goes out as a second interaction callback, which Discord refuses (the interaction is already acknowledged).
The answer must go where Discord takes it once the interaction is acknowledged: the follow-up webhook.

Driven like tests/discord/test_discord_slash.py: the INTERACTION_CREATE payload handed to the bot's connection
state, the callbacks over HTTP to a loopback stand-in for Discord.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp
import discord
import discord.ext.test as dpytest
import discord.ext.test.factories as facts
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.commands.catalog import build_router
from bot.commands.reply import Reply
from tests.discord.conftest import make_harness
from tests.discord.test_discord_slash import interaction


@pytest.fixture
async def harness(database, sent_payloads):
    router = build_router("!")
    release = asyncio.Event()

    async def slow(ctx, caller, args):
        await release.wait()  # answers only once Discord has been sent "rotobot is thinking…"
        return Reply("slow answer")

    router.add("slow", "slow", "test only", slow)
    made = await make_harness(database, sent_payloads, router=router)
    made.release = release
    yield made
    await dpytest.empty_queue()
    made.bot.ws = None
    await made.transport.close()


class Discord:
    """Discord's interaction endpoints: the first callback of an interaction acknowledges it (a deferral's answer
    is lost on the way back); any later callback of it is refused, as Discord refuses a second initial response;
    a follow-up message is posted once the interaction is acknowledged."""

    def __init__(self, harness) -> None:
        self.harness = harness
        self.acknowledged: set[str] = set()
        self.callbacks: list[dict] = []
        self.followups: list[dict] = []
        self.over = asyncio.Event()  # the bot sent what it will send: a follow-up, or a refused answer and apology

    async def callback(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.callbacks.append(body)
        if request.match_info["id"] in self.acknowledged:
            if len(self.callbacks) >= 3:  # the deferral, the refused answer, the refused apology
                self.over.set()
            refused = {"message": "Interaction has already been acknowledged.", "code": 40060}
            # discord.py reads JSON only under exactly this content type (no "; charset=utf-8")
            return web.Response(status=400, body=json.dumps(refused).encode(),
                                headers={"Content-Type": "application/json"})
        self.acknowledged.add(request.match_info["id"])
        self.harness.release.set()
        request.transport.close()  # the deferral got through; its answer never arrives
        return web.Response(status=204)

    async def followup(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.followups.append(body)
        self.over.set()
        message = facts.make_message_dict(self.harness.channel, self.harness.bot.user, content="",
                                          embeds=[discord.Embed.from_dict(e) for e in body.get("embeds", [])])
        return web.Response(body=json.dumps(message, default=lambda o: o.isoformat()).encode(),
                            headers={"Content-Type": "application/json"})


@pytest.fixture
async def discord_api(harness, monkeypatch, request):
    site = getattr(request, "param", Discord)(harness)  # which Discord: indirect parametrization picks another
    app = web.Application()
    app.router.add_post("/api/v10/interactions/{id}/{token}/callback", site.callback)
    app.router.add_post("/api/v10/webhooks/{application}/{token}", site.followup)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    monkeypatch.setattr(discord.http.Route, "BASE", str(server.make_url("/api/v10")))
    harness.bot.http._HTTPClient__session = aiohttp.ClientSession()
    harness.bot._connection._command_tree = harness.bot.tree
    yield site
    await harness.bot.http._HTTPClient__session.close()
    await server.close()


async def test_a_slow_slash_commands_answer_survives_a_deferral_whose_answer_was_lost(harness, discord_api):
    harness.bot._defer_after = 0  # the real bot defers after 2 s; this command waits for the deferral
    harness.bot._connection.parse_interaction_create(interaction(harness, harness.trader, "slow"))
    await asyncio.wait_for(discord_api.over.wait(), timeout=5)
    deferred = discord_api.callbacks[0]
    assert deferred["type"] == 5
    answers = [body for body in discord_api.followups if body.get("embeds")]
    refused = [body["data"]["embeds"][0]["title"] for body in discord_api.callbacks[1:]]  # the answer, then sorry
    assert [a["embeds"][0]["title"] for a in answers] == ["slow answer"], (
        f"the answer went as a second interaction callback, which Discord refuses: {refused}")


class DiscordThatNeverGotTheDeferral(Discord):
    """The connection dropped before Discord read the deferral: the interaction is not acknowledged, so there is no
    follow-up webhook yet (404, Unknown Webhook) and the first callback that arrives is the answer."""

    def __init__(self, harness) -> None:
        super().__init__(harness)
        self.dropped = False

    async def callback(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        if not self.dropped:
            self.dropped = True
            self.harness.release.set()
            request.transport.close()
            return web.Response(status=204)
        self.callbacks.append(body)
        self.over.set()
        return web.Response(status=204)

    async def followup(self, request: web.Request) -> web.Response:
        self.followups.append(await request.json())
        unknown = {"message": "Unknown Webhook", "code": 10015}
        return web.Response(status=404, body=json.dumps(unknown).encode(), headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("discord_api", [DiscordThatNeverGotTheDeferral], indirect=True)
async def test_a_deferral_discord_never_got_leaves_the_answer_as_the_first_response(harness, discord_api):
    site = discord_api
    harness.bot._defer_after = 0
    harness.bot._connection.parse_interaction_create(interaction(harness, harness.trader, "slow"))
    await asyncio.wait_for(site.over.wait(), timeout=5)
    (answer,) = site.callbacks
    assert answer["type"] == 4 and answer["data"]["embeds"][0]["title"] == "slow answer"
