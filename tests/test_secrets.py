"""The Discord token never reaches a log, an error message or the database.

Discord's API is replaced by a loopback server that rejects the token, so the whole login path runs for real:
settings, logging at DEBUG, the discord.py client, the failure message, the shutdown.
"""

from __future__ import annotations

import io
import logging

import discord
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.app import App
from bot.logs import configure_logging
from bot.settings import load_settings

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.tOkEn-ThAt-MuSt-NeVeR-LeAk_0123456789"


@pytest.fixture
async def fake_discord(monkeypatch):
    """A Discord API on loopback that answers every request with 401, as Discord does for a bad token."""
    seen: list[str] = []

    async def reject(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization", ""))
        return web.json_response({"message": "401: Unauthorized", "code": 0}, status=401)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", reject)
    server = TestServer(app)
    await server.start_server()
    # Discord's gateway cannot run here; this is the one thing replaced.
    monkeypatch.setattr(discord.http.Route, "BASE", str(server.make_url("/api/v10")))
    yield seen
    await server.close()


async def test_rejected_token_stops_the_bot_and_is_never_logged(tmp_path, fake_discord):
    database = tmp_path / "data" / "rotobot.db"
    settings = load_settings(
        environ={
            "DISCORD_TOKEN": TOKEN,
            "ROTOBOT_STORAGE_DATABASE": str(database),
            "ROTOBOT_LOG_LEVEL": "DEBUG",
            "ROTOBOT_MARKET_YAHOO_URL": "http://127.0.0.1:9",  # never the internet
            "ROTOBOT_MARKET_STOOQ_URL": "http://127.0.0.1:9",
            "ROTOBOT_FOMC_FRED_URL": "http://127.0.0.1:9",
        }
    )
    logs = io.StringIO()
    handler = configure_logging("DEBUG", settings.secrets(), stream=logs)
    for name in ("discord", "aiohttp", "apscheduler"):  # the libraries' own debug output too
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        logging.getLogger("test").warning("token slipped into a message: %s", TOKEN)
        code = await App(settings, handle_signals=False, probe_network=False).run()
    finally:
        logging.getLogger().removeHandler(handler)

    assert code == 1
    assert fake_discord == [f"Bot {TOKEN}"]  # the token was really sent, to our server, once
    text = logs.getvalue()
    assert "Discord rejected the bot token" in text
    assert "token slipped into a message: ********" in text
    assert TOKEN not in text
    assert TOKEN.split(".")[-1] not in text
    for file in database.parent.iterdir():
        assert TOKEN.encode() not in file.read_bytes(), file


def test_settings_never_show_the_token():
    settings = load_settings(environ={"DISCORD_TOKEN": TOKEN})
    assert settings.discord.token.reveal() == TOKEN
    for shown in (repr(settings), str(settings), f"{settings.discord.token}", f"{settings}"):
        assert TOKEN not in shown
