"""The slash form of the hybrid commands, end to end.

dpytest cannot drive slash commands, so these tests build the INTERACTION_CREATE payload Discord would send, hand it
to the bot's connection state exactly as the gateway would, and let discord.py's command tree run the hybrid
command. The bot's answer (the interaction callback) goes over HTTP: discord.http.Route.BASE points at a loopback
aiohttp server that records the body and answers like Discord.
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


@pytest.fixture
async def harness(database, sent_payloads):
    """The usual harness, its router with one more command that shows the Caller the slash form built."""
    router = build_router("!")

    async def whoami(ctx, caller, args):
        return Reply("you", (f"{caller.user_id} {caller.guild_id} {caller.channel_id} {caller.is_admin} {args}",))

    release = asyncio.Event()

    async def slow(ctx, caller, args):
        await release.wait()  # answers only once Discord has been told "rotobot is thinking…"
        return Reply("slow answer")

    router.add("whoami", "whoami", "test only", whoami)
    router.add("slow", "slow", "test only", slow)
    made = await make_harness(database, sent_payloads, router=router)
    made.release = release
    yield made
    await dpytest.empty_queue()
    made.bot.ws = None
    await made.transport.close()


@pytest.fixture
async def discord_api(harness, monkeypatch):
    """A loopback stand-in for Discord's interaction callback endpoint; yields the bodies it received."""
    received: list[dict] = []

    async def callback(request: web.Request) -> web.Response:
        body = await request.json()
        received.append(body)
        if body["type"] == 5:  # deferred: "rotobot is thinking…"; the answer follows as a follow-up message
            harness.release.set()
            answer = {"interaction": {"id": request.match_info["id"], "type": 2, "response_message_loading": True},
                      "resource": {"type": 5}}
        else:
            embeds = [discord.Embed.from_dict(e) for e in body["data"].get("embeds", [])]
            message = facts.make_message_dict(harness.channel, harness.bot.user, content="", embeds=embeds)
            answer = {"interaction": {"id": request.match_info["id"], "type": 2, "response_message_id": message["id"]},
                      "resource": {"type": 4, "message": message}}
        # discord.py reads JSON only under exactly this content type (no "; charset=utf-8")
        return web.Response(body=json.dumps(answer, default=lambda o: o.isoformat()).encode(), headers={"Content-Type": "application/json"})

    async def followup(request: web.Request) -> web.Response:
        body = await request.json()
        received.append(body)
        message = facts.make_message_dict(harness.channel, harness.bot.user, content="",
                                          embeds=[discord.Embed.from_dict(e) for e in body.get("embeds", [])])
        return web.Response(body=json.dumps(message, default=lambda o: o.isoformat()).encode(),
                            headers={"Content-Type": "application/json"})

    app = web.Application()
    app.router.add_post("/api/v10/interactions/{id}/{token}/callback", callback)
    app.router.add_post("/api/v10/webhooks/{application}/{token}", followup)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    monkeypatch.setattr(discord.http.Route, "BASE", str(server.make_url("/api/v10")))
    # An interaction answers over the HTTP client's session, which dpytest's fake client never opens.
    harness.bot.http._HTTPClient__session = aiohttp.ClientSession()
    # dpytest swaps in its own connection state, which does not know the command tree: reconnect them.
    harness.bot._connection._command_tree = harness.bot.tree
    yield received
    await harness.bot.http._HTTPClient__session.close()
    await server.close()


def interaction(harness, member: discord.Member, name: str, args: str | None = None) -> dict:
    """An application-command INTERACTION_CREATE as Discord sends it for /name [args:...] in the test channel."""
    member_data = facts.dict_from_member(member)
    member_data["joined_at"] = "2025-12-11T21:00:00+00:00"
    member_data["roles"] = [str(r) for r in member_data["roles"]]
    member_data["permissions"] = str(member.guild_permissions.value)
    member_data["user"]["id"] = str(member.id)
    data = {"id": str(facts.make_id()), "name": name, "type": 1}
    if args is not None:
        data["options"] = [{"name": "args", "type": 3, "value": args}]
    return {
        "id": str(facts.make_id()),
        "application_id": str(harness.bot.user.id),
        "type": 2,
        "token": "interaction-token",
        "version": 1,
        "guild_id": str(harness.guild.id),
        "channel_id": str(harness.channel.id),
        "channel": {"id": str(harness.channel.id), "type": 0, "guild_id": str(harness.guild.id)},
        "member": member_data,
        "app_permissions": str(discord.Permissions.text().value),
        "locale": "en-US",
        "guild_locale": "en-US",
        "attachment_size_limit": 8 * 1024 * 1024,
        "data": data,
    }


async def run_slash(harness, payload: dict) -> None:
    done = asyncio.ensure_future(harness.bot.wait_for("command_completion", timeout=5))
    await asyncio.sleep(0)  # the waiter is registered before the command can finish
    harness.bot._connection.parse_interaction_create(payload)
    await done


async def test_slash_status_answers_through_the_same_router(harness, discord_api):
    harness.clock.advance(3)
    await run_slash(harness, interaction(harness, harness.trader, "status"))
    (body,) = discord_api
    assert body["type"] == 4  # CHANNEL_MESSAGE_WITH_SOURCE: answered at once, no "thinking…"
    assert body["data"]["embeds"][0]["title"] == "rotobot status"
    assert body["data"]["allowed_mentions"] == {"parse": []}


async def test_slash_args_are_one_optional_string_split_like_text(harness, discord_api):
    await run_slash(harness, interaction(harness, harness.trader, "help", "@everyone"))
    (body,) = discord_api
    embed = body["data"]["embeds"][0]
    assert embed["title"] == "help takes no arguments (got '@everyone')"
    assert body["data"]["allowed_mentions"] == {"parse": []}  # "@everyone" is shown, pings nobody


async def test_slash_commands_know_who_is_an_admin_and_split_args_like_text(harness, discord_api):
    await run_slash(harness, interaction(harness, harness.admin, "whoami", 'CFG "above 60"'))
    await run_slash(harness, interaction(harness, harness.trader, "whoami"))
    admin, trader = (b["data"]["embeds"][0]["description"] for b in discord_api)
    assert admin == f"{harness.admin.id} {harness.guild.id} {harness.channel.id} True ['CFG', 'above 60']"
    assert trader == f"{harness.trader.id} {harness.guild.id} {harness.channel.id} False []"


async def test_a_slow_slash_command_is_deferred_then_answered(harness, discord_api):
    harness.bot._defer_after = 0  # Discord allows 3 s; the real bot defers after 2; this command waits for it
    await run_slash(harness, interaction(harness, harness.trader, "slow"))
    deferred, answer = discord_api
    assert deferred["type"] == 5
    assert answer["embeds"][0]["title"] == "slow answer"
    assert answer["allowed_mentions"] == {"parse": []}
