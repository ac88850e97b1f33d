"""The fake Discord (tests/fake_discord.py) serves the real discord.py client and rotobot's real Discord transport.

Everything runs on loopback: the transport logs in, connects to the fake gateway and sends through the fake REST
API, exactly as it would to Discord. A client becomes ready about two seconds after the last GUILD_CREATE, because
discord.py waits `guild_ready_timeout` for more guilds; nothing here sleeps itself.
"""

from __future__ import annotations

import asyncio
import io
import json
import zlib
from datetime import datetime, timezone

import aiohttp
import discord
import pytest

from alerts.market.calendar import TradingCalendar
from bot.commands.catalog import build_router
from bot.commands.context import CommandContext
from bot.secret import Secret
from bot.settings import load_settings
from bot.transports.base import Notification
from alerts.payloads import Subscriber
from bot.transports.discord import DeliveryError, DiscordTransport
from tests.discord.conftest import sample_alert
from storage.database import Database
from tests.fake_discord import FakeChannel, FakeDiscord, FakeRole

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)
READY_TIMEOUT = 10  # seconds; a ready client needs about 2

SMALL, MEGA, DESK = 1_200_000_000_000_000_001, 1_200_000_000_000_000_002, 1_200_000_000_000_000_003
SMALL_ALERTS, SMALL_CHAT = 1_210_000_000_000_000_001, 1_210_000_000_000_000_002
MEGA_ALERTS, MEGA_NEWS = 1_220_000_000_000_000_001, 1_220_000_000_000_000_002
DESK_ALERTS, DESK_OLD = 1_230_000_000_000_000_001, 1_230_000_000_000_000_002
TRADER, PRIVATE, NOBODY = 1_300_000_000_000_000_001, 1_300_000_000_000_000_002, 1_300_000_000_000_000_099
ALERTED = 1_400_000_000_000_000_001  # a role in the small caps server


@pytest.fixture
async def fake():
    fake = FakeDiscord()
    fake.add_guild(SMALL, "Small caps club", [(SMALL_ALERTS, "alerts"), (SMALL_CHAT, "chat")],
                   roles=[FakeRole(ALERTED, "alerted")])
    # The bot may read #news but not write there.
    fake.add_guild(MEGA, "Mega caps", [(MEGA_ALERTS, "alerts"), FakeChannel(MEGA_NEWS, "news", MEGA, can_send=False)])
    fake.add_guild(DESK, "Rotation desk", [(DESK_ALERTS, "alerts"), (DESK_OLD, "old-alerts")])
    fake.add_user(TRADER, "trader")
    fake.add_user(PRIVATE, "private", dms_open=False)
    await fake.start()
    with fake.use_with_discord_py():
        yield fake
    await fake.close()


@pytest.fixture
async def connect(fake, tmp_path):
    """Start a real DiscordTransport against the fake; returns it once discord.py says it is ready."""
    started: list[tuple[DiscordTransport, Database]] = []
    fatal: list[str] = []

    async def connect() -> DiscordTransport:
        database = Database.open(tmp_path / f"rotobot-{len(started)}.db")
        context = CommandContext(settings=load_settings(environ={}), database=database, now=lambda: NOW,
                                 started_at=NOW, calendar=TradingCalendar(), transports=("discord",))
        transport = DiscordTransport(Secret("fake-token"), router=build_router("!"), context=context,
                                     database=database, on_fatal=fatal.append, group_window=0, sync_commands=False)
        started.append((transport, database))
        identified = len(fake.identifies)
        await transport.start()
        # wait_until_ready() may only be called once login has begun: wait for this client's IDENTIFY first.
        await asyncio.wait_for(fake.wait_until(lambda: len(fake.identifies) > identified), READY_TIMEOUT)
        await asyncio.wait_for(transport.bot.wait_until_ready(), READY_TIMEOUT)
        return transport

    yield connect
    for transport, database in reversed(started):
        await transport.close()
        database.close()
    assert fatal == []


async def test_the_real_transport_logs_in_sees_three_guilds_and_sends(fake, connect, caplog):
    transport = await connect()
    bot = transport.bot
    assert bot.user.id == fake.bot.id and bot.user.bot
    assert {g.id: [c.id for c in g.text_channels] for g in bot.guilds} == {
        SMALL: [SMALL_ALERTS, SMALL_CHAT], MEGA: [MEGA_ALERTS, MEGA_NEWS], DESK: [DESK_ALERTS, DESK_OLD]}
    assert all(g.me is not None and g.me.id == fake.bot.id for g in bot.guilds)
    assert [r.name for r in bot.get_guild(SMALL).roles] == ["@everyone", "alerted"]
    assert fake.identifies[0]["intents"] == bot.intents.value

    await bot.get_channel(SMALL_ALERTS).send("hello")
    trader = await bot.fetch_user(TRADER)
    await trader.send("hi")
    await bot.get_channel(DESK_ALERTS).send(file=discord.File(io.BytesIO(b"\x89PNG"), "rotation.png"))
    dm = trader.dm_channel
    assert [(m.channel_id, m.guild_id, m.recipient_id, m.content, m.attachments) for m in fake.messages] == [
        (SMALL_ALERTS, SMALL, None, "hello", []),
        (dm.id, None, TRADER, "hi", []),
        (DESK_ALERTS, DESK, None, "", ["rotation.png"]),
    ]
    assert fake.messages[0].allowed_mentions == {"parse": []}  # RotoBot's default: no mentions at all

    # An alert through the transport's own delivery path: to the trader by DM (a DM channel it opens afresh, which
    # keeps its id); the user with closed DMs refuses it with Discord's 50007, a permanent failure.
    for user in (TRADER, PRIVATE):
        alert = sample_alert("move", message="Russell 2000 at a record", route=Subscriber(SMALL, user))
        (target,) = await transport.targets(alert)
        assert target.key == f"dm:{user}"
        note = Notification(alert.key, alert.message, route=alert.route)
        if user == TRADER:
            await transport.send(target, note)
            continue
        with pytest.raises(DeliveryError, match="does not accept direct messages") as refused:
            await transport.send(target, note)
        assert refused.value.permanent
    assert [(m.channel_id, m.recipient_id, m.content) for m in fake.messages[3:]] == [
        (dm.id, TRADER, "**Russell 2000 at a record**")]
    assert fake.messages[3].allowed_mentions == {"parse": []}


async def test_discord_errors_reach_discord_py_with_their_real_codes(fake, connect):
    fake.deny_channel(SMALL_CHAT)  # before the bot connects: its GUILD_CREATE carries the overwrite
    transport = await connect()
    bot = transport.bot
    can_send = {c.id: c.permissions_for(c.guild.me).send_messages for g in bot.guilds for c in g.text_channels}
    assert can_send == {SMALL_ALERTS: True, SMALL_CHAT: False, MEGA_ALERTS: True, MEGA_NEWS: False,
                        DESK_ALERTS: True, DESK_OLD: True}

    for denied in (SMALL_CHAT, MEGA_NEWS):
        with pytest.raises(discord.Forbidden) as refused:
            await bot.get_channel(denied).send("x")
        assert (refused.value.status, refused.value.code, refused.value.text) == (403, 50013, "Missing Permissions")

    old = bot.get_channel(DESK_OLD)
    deleted = asyncio.ensure_future(bot.wait_for("guild_channel_delete"))  # listening before the event can come
    fake.delete_channel(DESK_OLD)
    assert (await asyncio.wait_for(deleted, READY_TIMEOUT)).id == DESK_OLD
    assert bot.get_channel(DESK_OLD) is None
    with pytest.raises(discord.NotFound) as gone:
        await old.send("x")
    assert (gone.value.status, gone.value.code, gone.value.text) == (404, 10003, "Unknown Channel")
    with pytest.raises(discord.NotFound):
        await bot.fetch_channel(DESK_OLD)

    with pytest.raises(discord.Forbidden) as closed:
        await (await bot.fetch_user(PRIVATE)).send("x")
    assert (closed.value.code, closed.value.text) == (50007, "Cannot send messages to this user")
    with pytest.raises(discord.NotFound) as unknown:
        await bot.fetch_user(NOBODY)
    assert unknown.value.code == 10013

    fake.hide_channel(MEGA_ALERTS)
    with pytest.raises(discord.Forbidden) as hidden:
        await bot.fetch_channel(MEGA_ALERTS)
    assert hidden.value.code == 50001

    # 503, not 500: discord.py retries a 500 itself, sleeping 1 + 2n seconds between tries.
    fake.fail("POST /channels/*/messages", status=503, count=1)
    with pytest.raises(discord.DiscordServerError) as down:
        await bot.get_channel(SMALL_ALERTS).send("lost")
    assert down.value.status == 503
    fake.fail(SMALL_ALERTS, status=429, count=1)  # Discord's rate-limit answer: discord.py waits and tries again
    await bot.get_channel(SMALL_ALERTS).send("through")
    assert [m.content for m in fake.messages] == ["through"]
    assert [r.status for r in fake.requests if r.method == "POST"][-3:] == [503, 429, 200]


async def test_a_permission_taken_away_live_reaches_the_connected_bot(fake, connect):
    bot = (await connect()).bot
    updated = asyncio.ensure_future(bot.wait_for("guild_channel_update"))
    fake.deny_channel(DESK_ALERTS)
    _, channel = await asyncio.wait_for(updated, READY_TIMEOUT)
    assert channel.id == DESK_ALERTS and not channel.permissions_for(channel.guild.me).send_messages


async def test_a_new_client_identifies_after_the_last_one_died_without_closing(fake, connect):
    first = await connect()
    # As after a SIGKILL: the client stops running, and its TCP connection ends without a close frame.
    first._task.cancel()
    await asyncio.gather(first._task, return_exceptions=True)
    first.bot.get_shard(0)._parent.ws.socket._conn.transport.abort()  # the AutoShardedBot's one shard
    await asyncio.wait_for(fake.wait_until(lambda: fake.connected == 0), READY_TIMEOUT)

    second = await connect()
    assert (fake.connected, len(fake.identifies), len(fake.resumes)) == (1, 2, 0)
    assert len(second.bot.guilds) == 3
    await second.bot.get_channel(SMALL_ALERTS).send("back")
    assert fake.messages[-1].content == "back"


async def test_a_dropped_gateway_resumes_is_refused_and_identifies_again(fake, connect):
    await connect()
    fake.drop_gateways()
    await asyncio.wait_for(fake.wait_until(lambda: len(fake.identifies) == 2 and fake.connected == 1),
                           READY_TIMEOUT)
    assert len(fake.resumes) == 1  # answered with INVALID_SESSION, so the client started a new session


async def test_application_commands_sync_against_the_fake(fake, connect):
    bot = (await connect()).bot
    synced = await bot.tree.sync()
    assert sorted(c.name for c in synced) == sorted(c.name for c in bot.tree.get_commands())
    assert [c.id for c in await bot.tree.fetch_commands()] == [c.id for c in synced]


async def test_control_routes_switch_scenarios_and_report_for_another_process(fake, connect):
    transport = await connect()
    channel = transport.bot.get_channel(SMALL_ALERTS)
    async with aiohttp.ClientSession(fake.url) as http:
        assert (await http.post(f"/_fake/channels/{SMALL_CHAT}/deny")).status == 200
        failing = {"target": "POST /channels/*/messages", "status": 503}  # count left out: until cleared
        assert (await http.post("/_fake/fail", json=failing)).status == 200
        with pytest.raises(discord.DiscordServerError):
            await channel.send("lost")
        assert (await http.delete("/_fake/fail")).status == 200
        with pytest.raises(discord.Forbidden):
            await transport.bot.get_channel(SMALL_CHAT).send("refused")
        await channel.send("kept")
        messages = await (await http.get("/_fake/messages")).json()
        requests = await (await http.get("/_fake/requests")).json()
        gateway = await (await http.get("/_fake/gateway")).json()
    assert [(m["channel_id"], m["guild_id"], m["content"]) for m in messages] == [(SMALL_ALERTS, SMALL, "kept")]
    assert [(r["path"], r["status"]) for r in requests if r["method"] == "POST"] == [
        (f"/channels/{SMALL_ALERTS}/messages", 503), (f"/channels/{SMALL_CHAT}/messages", 403),
        (f"/channels/{SMALL_ALERTS}/messages", 200)]
    assert gateway == {"connected": 1, "identifies": 1, "resumes": 0}


async def test_an_unknown_route_or_a_missing_token_gets_discords_answer(fake):
    async with aiohttp.ClientSession(fake.url) as http:
        unknown = await http.get("/api/v10/guilds/1/nothing", headers={"Authorization": "Bot x"})
        anonymous = await http.get("/api/v10/users/@me")
        assert (unknown.status, unknown.headers["Content-Type"], await unknown.json()) == (
            404, "application/json", {"message": "404: Not Found", "code": 0})
        assert (anonymous.status, await anonymous.json()) == (401, {"message": "401: Unauthorized", "code": 0})


@pytest.mark.parametrize("compress", ["zlib-stream", None])
async def test_the_gateway_compresses_as_asked_and_acks_heartbeats(fake, compress):
    query = {"v": "10", "encoding": "json", **({"compress": compress} if compress else {})}
    stream = zlib.decompressobj()
    async with aiohttp.ClientSession() as http, http.ws_connect(fake.gateway_url, params=query) as ws:

        async def receive() -> dict:
            frame = await ws.receive()
            if compress:  # one zlib stream for the connection; each payload ends in a sync flush
                assert frame.type is aiohttp.WSMsgType.BINARY and frame.data.endswith(b"\x00\x00\xff\xff")
                return json.loads(stream.decompress(frame.data))
            assert frame.type is aiohttp.WSMsgType.TEXT
            return json.loads(frame.data)

        assert await receive() == {"op": 10, "d": {"heartbeat_interval": 41_250}, "s": None, "t": None}
        await ws.send_json({"op": 1, "d": None})
        assert (await receive())["op"] == 11
        await ws.send_json({"op": 2, "d": {"token": "x", "intents": 0, "properties": {}}})
        ready, first_guild = await receive(), await receive()
    assert (ready["t"], ready["s"], first_guild["t"], first_guild["s"]) == ("READY", 1, "GUILD_CREATE", 2)
    assert ready["d"]["guilds"] == [{"id": str(g), "unavailable": True} for g in (SMALL, MEGA, DESK)]


async def test_use_with_discord_py_points_discord_py_at_the_fake_and_back():
    fake = FakeDiscord()
    await fake.start()
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    try:
        with pytest.raises(RuntimeError), fake.use_with_discord_py():
            assert discord.http.Route.BASE == f"{fake.url}/api/v10"
            assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == fake.gateway_url
            raise RuntimeError("a test failing inside the block")
    finally:
        await fake.close()
    assert discord.http.Route.BASE == base == "https://discord.com/api/v10"
    assert discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY == gateway
