"""Review 3: the webhook transport with the real Dispatcher, the real outbox and a real SQLite file, against a
loopback HTTP server standing in for Discord's webhook endpoint."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from alerts.delivery import retry_delay
from bot.dispatch import Dispatcher
from bot.secret import Secret
from bot.transports.webhook import WebhookTransport
from storage import outbox
from storage.database import Database
from tests.conftest import Clock
from tests.discord.conftest import sample_alert

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)


class LosesFirstAnswer:
    """Discord's webhook endpoint: creates the message for every POST, but the first answer never arrives (the
    connection drops after the request got through, as a proxy timeout or a reset does)."""

    def __init__(self) -> None:
        self.posted: list[str] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.posted.append((await request.json())["content"])  # the message exists in the channel now
        if len(self.posted) == 1:
            request.transport.close()  # ... and the answer is lost on the way back
        return web.Response(status=200, text='{"id": "1"}', content_type="application/json")


@pytest.fixture
async def endpoint():
    site = LosesFirstAnswer()
    app = web.Application()
    app.router.add_post("/api/webhooks/{id}/{token}", site.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    site.url = str(server.make_url("/api/webhooks/1/secret-token"))
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        site.session = session
        yield site
    await server.close()


async def test_a_send_whose_answer_was_lost_goes_out_again_unmarked(endpoint, tmp_path):
    """The webhook POST reached Discord and the message was created, but the connection dropped before the answer
    came back (aiohttp.ServerDisconnectedError). WebhookTransport._post turns that into a transient WebhookError
    ('could not be reached'), Dispatcher._outcome records FAILED and retries it after 5 s, exactly like a send that
    never left. The channel then shows the alert twice, the second time with no "possibly repeated" mark, though
    the README promises that an alert reaches a reader twice only after a crash, and then marked."""
    database = Database.open(tmp_path / "rotobot.db")
    try:
        clock = Clock(NOW)
        hook = WebhookTransport(Secret(endpoint.url), endpoint.session)
        dispatcher = Dispatcher(database, [hook], clock, ZoneInfo("America/New_York"))
        database.call(outbox.commit, [sample_alert("record", at=NOW - timedelta(minutes=2))], clock())
        await dispatcher.run_once()
        clock.now += retry_delay(1, permanent=False)
        await dispatcher.run_once()
        assert database.call(outbox.pending_count) == 0
        assert len(endpoint.posted) == 2  # the reader saw it twice ...
        assert "possibly repeated" in endpoint.posted[1], "a repeat went out without its mark"  # ... unmarked
    finally:
        database.close()


def test_only_a_failure_after_the_request_may_have_landed_marks_the_retry():
    """A connection never made sent nothing; a timeout or a dropped connection may have lost only the answer."""
    import asyncio
    import socket

    from bot.transports.discord.refusal import refusal

    never_connected = aiohttp.ClientConnectorError(aiohttp.client_reqrep.ConnectionKey(
        "discord.com", 443, True, True, None, None, None), OSError(111, "refused"))
    assert not refusal(never_connected, ("channel", 1, 1, "server")).maybe_sent
    assert not refusal(aiohttp.ConnectionTimeoutError(), ("channel", 1, 1, "server")).maybe_sent
    assert refusal(asyncio.TimeoutError(), ("channel", 1, 1, "server")).maybe_sent
    assert refusal(aiohttp.ServerDisconnectedError(), ("dm", 5, None, "dm")).maybe_sent
    assert not refusal(socket.gaierror("no such host"), ("channel", 1, 1, "server")).maybe_sent
