"""Logging in: retried with backoff while Discord is unreachable, fatal when the token or the intent is refused.

No network: the bot's login and connect are replaced by fakes that fail the way discord.py does.
"""

from __future__ import annotations

import aiohttp
import discord
import pytest

from bot.commands.catalog import build_router
from bot.secret import Secret
from bot.transports.discord import DiscordTransport
from bot.transports.discord.connection import log_in_and_stay_connected

TOKEN = "MTIz.secret-token-value"


class Script:
    """Stands in for bot.login/bot.connect: raises the queued errors in turn, then succeeds."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls: list[tuple] = []

    async def __call__(self, *args, **kwargs) -> None:
        self.calls.append(args)
        if self.errors:
            raise self.errors.pop(0)


@pytest.fixture
def made(database):
    fatal: list[str] = []
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    transport = DiscordTransport(Secret(TOKEN), router=build_router("!"), context=None, database=database,
                                 on_fatal=fatal.append, sleep=sleep, sync_commands=False)
    # What the transport's start() runs, awaited here to its end.
    transport.log_in = lambda: log_in_and_stay_connected(transport.bot, Secret(TOKEN), fatal.append, sleep)
    return transport, fatal, waits


def refused(status: int, reason: str):
    class Response:
        pass

    response = Response()
    response.status, response.reason = status, reason
    return response


async def test_an_unreachable_discord_is_retried_with_backoff(made, caplog):
    transport, fatal, waits = made
    login = Script(aiohttp.ClientConnectionError("no route"), OSError("network down"),
                   discord.HTTPException(refused(502, "Bad Gateway"), "bad gateway"))
    transport.bot.login, transport.bot.connect = login, Script()
    await transport.log_in()
    assert waits == [5.0, 10.0, 20.0]
    assert [call[0] for call in login.calls] == [TOKEN] * 4  # the token leaves its Secret only for the login
    assert fatal == []
    assert "Cannot reach Discord (ClientConnectionError); trying again in 5 s" in caplog.text
    assert TOKEN not in caplog.text


async def test_a_rejected_token_stops_the_application(made):
    transport, fatal, waits = made
    transport.bot.login = Script(discord.LoginFailure("Improper token has been passed."))
    transport.bot.connect = Script()
    await transport.log_in()
    assert waits == []  # a bad token is never retried
    (message,) = fatal
    assert message.startswith("Discord rejected the bot token")
    assert "DISCORD_TOKEN" in message and TOKEN not in message


async def test_a_refused_message_content_intent_says_how_to_enable_it(made):
    transport, fatal, waits = made
    transport.bot.login = Script()
    transport.bot.connect = Script(discord.PrivilegedIntentsRequired(None))
    await transport.log_in()
    (message,) = fatal
    assert "Message Content" in message and "developer portal" in message
    assert "discord.message_content = false" in message  # or run with slash commands only


async def test_the_token_is_not_kept_in_the_clear(made):
    transport, _, _ = made
    assert TOKEN not in repr(vars(transport))
    assert transport.bot.http.token is None  # until login hands it to discord.py


async def test_a_gateway_that_ends_for_good_is_reported_not_silent(made, caplog):
    transport, fatal, _ = made
    transport.bot.login = Script()
    transport.bot.connect = Script(RuntimeError("gateway gave up"))
    await transport.log_in()
    assert fatal == ["The Discord connection ended (RuntimeError); see the log above."]
    assert "gateway gave up" in caplog.text


async def test_a_transport_that_never_logged_in_closes_cleanly(made):
    transport, fatal, _ = made
    await transport.close()
    assert transport.bot.is_closed() and fatal == []
