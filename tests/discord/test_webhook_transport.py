"""WebhookTransport against a real loopback HTTP server standing in for Discord's webhook endpoint."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.secret import Secret
from bot.transports.base import Notification
from bot.transports.webhook import WEBHOOK, WebhookError, WebhookTransport
from tests.discord.conftest import sample_alert
from alerts.payloads import Everyone, Operator, Server, Subscriber

SECRET_PART = "hook-SECRET-0123456789abcdef"
WHEN = datetime(2025, 12, 11, 21, 0, tzinfo=timezone.utc)
ALERT = Notification("new_high|^RUT|2025-12-11", "Russell 2000 closes at a record 2,590.61 @everyone",
                     "previous record 2,570.3", occurred_at=WHEN)


class FakeDiscord:
    """Answers each POST with the next scripted (status, headers, body); records every request."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict, str]] = []
        self.requests: list[dict] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append({"query": dict(request.query), "json": await request.json(), "path": request.path})
        status, headers, body = self.script.pop(0) if self.script else (200, {}, '{"id": "1"}')
        return web.Response(status=status, headers={"Content-Type": "application/json", **headers}, text=body)


@pytest.fixture
async def fake():
    discord = FakeDiscord()
    app = web.Application()
    app.router.add_post("/api/webhooks/{id}/{token}", discord.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    discord.url = str(server.make_url(f"/api/webhooks/1234/{SECRET_PART}"))
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        discord.session = session
        yield discord
    await server.close()


def transport(fake, waits: list[float] | None = None) -> WebhookTransport:
    async def sleep(seconds: float) -> None:
        (waits if waits is not None else []).append(seconds)

    return WebhookTransport(Secret(fake.url), fake.session, sleep=sleep)


async def test_an_alert_is_posted_as_content_with_mentions_disabled(fake):
    await transport(fake).send(WEBHOOK, ALERT)
    (request,) = fake.requests
    assert request["query"] == {"wait": "true"}  # Discord confirms only once the message exists
    assert request["json"] == {
        "content": "**Russell 2000 closes at a record 2,590.61 @everyone**\nprevious record 2,570.3\n"
                   f"<t:{int(WHEN.timestamp())}:f>",
        "allowed_mentions": {"parse": []},
    }


async def test_a_short_rate_limit_is_waited_out_once(fake):
    fake.script = [(429, {"Retry-After": "2"}, '{"message": "You are being rate limited.", "global": false}'),
                   (200, {}, '{"id": "2"}')]
    waits: list[float] = []
    await transport(fake, waits).send(WEBHOOK, ALERT)
    assert waits == [2.0]
    assert len(fake.requests) == 2


async def test_the_json_retry_after_is_preferred_for_its_precision(fake):
    fake.script = [(429, {"Retry-After": "1"}, '{"retry_after": 0.35, "global": false}'), (204, {}, "")]
    waits: list[float] = []
    await transport(fake, waits).send(WEBHOOK, ALERT)
    assert waits == [0.35]


async def test_a_long_rate_limit_is_left_to_the_dispatchers_backoff(fake):
    fake.script = [(429, {"Retry-After": "60"}, '{"retry_after": 60.0}')]
    waits: list[float] = []
    with pytest.raises(WebhookError, match=r"rate limited \(HTTP 429, retry after 60 s\)"):
        await transport(fake, waits).send(WEBHOOK, ALERT)
    assert waits == [] and len(fake.requests) == 1


async def test_a_second_429_after_waiting_raises(fake):
    fake.script = [(429, {"Retry-After": "1"}, "{}"), (429, {"Retry-After": "1"}, "{}")]
    with pytest.raises(WebhookError, match="still rate limited"):
        await transport(fake).send(WEBHOOK, ALERT)


async def test_a_server_error_raises_for_a_retry(fake):
    fake.script = [(500, {}, '{"message": "oops"}')]
    with pytest.raises(WebhookError, match=r"failed on Discord's side \(HTTP 500\)") as caught:
        await transport(fake).send(WEBHOOK, ALERT)
    assert not caught.value.permanent  # it may pass: retried soon


async def test_a_deleted_webhook_says_so(fake):
    fake.script = [(404, {}, '{"message": "Unknown Webhook", "code": 10015}')]
    with pytest.raises(WebhookError, match=r"HTTP 404\): it was deleted or its URL is wrong") as caught:
        await transport(fake).send(WEBHOOK, ALERT)
    assert caught.value.permanent  # a person must set a new URL: retried patiently, given up on after a day


async def test_only_server_wide_alerts_and_notices_go_to_the_shared_webhook(fake):
    webhook = transport(fake)
    assert await webhook.targets(sample_alert("record", route=Everyone((7,)))) == [WEBHOOK]
    assert await webhook.targets(sample_alert("notice", route=Operator())) == [WEBHOOK]
    # A subscriber's alert, or one server's own, goes to its people through Discord, never to a shared channel.
    assert await webhook.targets(sample_alert("move", route=Subscriber(1, 2, None))) == []
    assert await webhook.targets(sample_alert("spread", route=Server(7))) == []


async def test_the_url_never_appears_in_errors_or_logs(fake, caplog):
    caplog.set_level(logging.DEBUG)
    errors = []
    fake.script = [(500, {}, "{}"), (404, {}, "{}"), (429, {"Retry-After": "99"}, "{}"),
                   (429, {"Retry-After": "1"}, "{}"), (429, {"Retry-After": "1"}, "{}")]
    for _ in range(4):
        with pytest.raises(WebhookError) as caught:
            await transport(fake).send(WEBHOOK, ALERT)
        errors.append(caught.value)
    async with aiohttp.ClientSession() as session:  # a network error: aiohttp's own message would name the host
        nobody = WebhookTransport(Secret(f"http://127.0.0.1:9/api/webhooks/1/{SECRET_PART}"), session)
        with pytest.raises(WebhookError, match=r"could not be reached \(ClientConnectorError\)") as caught:
            await nobody.send(WEBHOOK, ALERT)  # nothing listens on port 9
        errors.append(caught.value)
    await fake.session.close()  # shutting down: the shared session is already closed
    with pytest.raises(WebhookError, match="could not be reached") as caught:
        await transport(fake).send(WEBHOOK, ALERT)
    errors.append(caught.value)
    for error in errors:
        shown = f"{error!s} {error!r} {error.__cause__!r}"
        assert SECRET_PART not in shown and "127.0.0.1" not in shown
        assert error.__context__ is None or error.__suppress_context__  # no aiohttp text in a logged traceback
    # The loopback server's access log stands in for Discord's own logs; everything rotobot logged is clean.
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("aiohttp"))
    assert "webhook" in ours  # the 429 wait was logged...
    assert SECRET_PART not in ours  # ...without the URL


async def test_a_notice_about_one_servers_subscriber_never_goes_to_the_shared_webhook(fake):
    """A give-up notice for a DM or a subscriber's channel is routed Operator(guild_id=G): it concerns one server's
    subscriber, and the Discord transport takes it to that server's alert channel. The webhook's targets() only
    asks "Operator?", so the same notice ("rotobot gave up delivering to a direct message to <@42> ... They can
    allow direct messages ...") is also posted to the shared webhook's channel, in whatever server that is."""
    webhook = transport(fake)
    about_a_dm = sample_alert("notice", key="gave_up|discord|dm:42|t0", route=Operator(guild_id=7),
                              message="rotobot gave up delivering to a direct message to <@42> after 24 h")
    assert await webhook.targets(about_a_dm) == []
