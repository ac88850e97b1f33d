"""The application wired with the Discord and webhook transports.

Everything runs in-process against loopback servers: discord.http.Route.BASE points at a local stand-in for
Discord's REST API, and the webhook URL at another.
"""

from __future__ import annotations

import asyncio
import io
import shutil

import discord
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.app import App
from bot.settings import load_settings
from storage import outbox
from storage.database import Database
from tests.discord.conftest import NOW, sample_alert

TOKEN = "MTIz.wiring-test-token"
HOOK_SECRET = "wiring-hook-SECRET"


@pytest.fixture
async def loopback():
    """Discord's REST API refusing every token, and a webhook that records what it is sent."""
    posted: list[dict] = []
    arrived = asyncio.Event()

    async def who_am_i(request: web.Request) -> web.Response:
        return web.Response(status=401, text='{"message": "401: Unauthorized", "code": 0}',
                            headers={"Content-Type": "application/json"})

    async def webhook(request: web.Request) -> web.Response:
        posted.append(await request.json())
        arrived.set()
        return web.Response(text='{"id": "1"}', headers={"Content-Type": "application/json"})

    app = web.Application()
    app.router.add_get("/api/v10/users/@me", who_am_i)
    app.router.add_post("/api/webhooks/1/{token}", webhook)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    server.posted, server.arrived = posted, arrived
    yield server
    await server.close()


def settings(tmp_path, seeded, **env):
    (tmp_path / "data").mkdir(exist_ok=True)
    shutil.copy(seeded, tmp_path / "data" / "rotobot.db")  # seeded already: start-up skips the slow seeding
    return load_settings(environ={
        "ROTOBOT_STORAGE_DATABASE": str(tmp_path / "data" / "rotobot.db"),
        "ROTOBOT_MARKET_YAHOO_URL": "http://127.0.0.1:9",
        "ROTOBOT_MARKET_STOOQ_URL": "http://127.0.0.1:9",
        "ROTOBOT_FOMC_FRED_URL": "http://127.0.0.1:9",  # FRED's series are market data too
        **env,
    })


async def test_a_rejected_token_stops_the_app_with_exit_code_1(tmp_path, discord_seeded_template, loopback,
                                                               monkeypatch, caplog):
    monkeypatch.setattr(discord.http.Route, "BASE", str(loopback.make_url("/api/v10")))
    app = App(settings(tmp_path, discord_seeded_template, DISCORD_TOKEN=TOKEN), stdin=io.StringIO(""),
              stdout=io.StringIO(), handle_signals=False, probe_network=False, fetch=False)
    assert await asyncio.wait_for(app.run(), 20) == 1
    assert [t.name for t in app.transports] == ["discord"]
    assert "Discord rejected the bot token" in caplog.text
    assert TOKEN not in caplog.text


async def test_with_discord_unreachable_the_webhook_still_delivers(tmp_path, discord_seeded_template, loopback,
                                                                   monkeypatch):
    monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:9/api/v10")  # nothing listens there
    hook = str(loopback.make_url(f"/api/webhooks/1/{HOOK_SECRET}"))
    chosen = settings(tmp_path, discord_seeded_template, DISCORD_TOKEN=TOKEN, ROTOBOT_WEBHOOK_URL=hook)
    database = Database.open(chosen.storage.database)
    database.call(outbox.enqueue, sample_alert("record", message="Russell 2000 closes at a record"), NOW)
    database.close()
    app = App(chosen, stdin=io.StringIO(""), stdout=io.StringIO(), handle_signals=False, probe_network=False,
              fetch=False)
    running = asyncio.create_task(app.run())
    try:
        await asyncio.wait_for(loopback.arrived.wait(), 15)
    finally:
        app.stop()
        assert await asyncio.wait_for(running, 20) == 0
    assert [t.name for t in app.transports] == ["discord", "webhook"]
    (body,) = loopback.posted
    assert body["content"].startswith("**Russell 2000 closes at a record**")
    assert body["allowed_mentions"] == {"parse": []}
