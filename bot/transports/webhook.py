"""The webhook transport: server-wide alerts POSTed to one Discord webhook, no gateway, no bot account.

It uses the application's shared aiohttp session. The webhook URL carries its own secret in the path, so it stays
a Secret: no log line or exception here ever shows it, only "the webhook" and the HTTP status.

A 2xx is a delivery (`?wait=true` makes Discord answer only once the message exists). A 429 is honoured once when
Discord asks for a short wait; a longer wait, a 5xx or a network error is a transient failure the dispatcher
retries with its own backoff. A 401, 403 or 404 means the webhook was deleted or its URL is wrong: a permanent
failure, retried patiently and given up on after a day, with a notice to the operator.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import time

import aiohttp

from alerts.backoff import retry_after_seconds
from alerts.delivery import DeliveryFailed, Target
from alerts.payloads import Alert, Everyone, Operator
from bot.secret import Secret
from bot.transports.base import Notification, answer_lost
from bot.transports.discord.render import alert_text

log = logging.getLogger(__name__)

MAX_RETRY_AFTER = 10.0  # seconds: a longer rate limit is left to the dispatcher's backoff


WEBHOOK = Target("webhook", "webhook", "the webhook")


class WebhookError(DeliveryFailed):
    """The webhook did not take the alert. The reason never holds the URL."""


class WebhookTransport:
    name = "webhook"

    def __init__(
        self,
        url: Secret,
        session: aiohttp.ClientSession,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_retry_after: float = MAX_RETRY_AFTER,
    ) -> None:
        self._url = url
        self._session = session
        self._sleep = sleep
        self._max_retry_after = max_retry_after

    async def start(self) -> None:
        """Nothing to open: the session belongs to the application."""

    async def close(self) -> None:
        """Nothing to close: the session belongs to the application."""

    def ready(self) -> bool:
        return True

    async def targets(self, alert: Alert) -> list[Target]:
        """Server-wide alerts and the operator's own notices. A subscriber's alert, one server's own (its wrap,
        its own spread lines) and a notice about one server never go to a shared webhook: the Discord transport
        takes those to their people."""
        route = alert.route
        shared = isinstance(route, Everyone) or (isinstance(route, Operator) and route.guild_id is None)
        return [WEBHOOK] if shared else []

    async def send(self, target: Target, notification: Notification) -> None:
        payload = {"content": alert_text(notification), "allowed_mentions": {"parse": []}}
        status, wait = await self._post(payload)
        if status == 429:
            if wait is None or wait > self._max_retry_after:
                shown = "no retry time given" if wait is None else f"retry after {wait:.0f} s"
                raise WebhookError(f"the webhook is rate limited (HTTP 429, {shown})")
            log.info("The webhook asked to wait %.1f s (HTTP 429); sending again then", wait)
            await self._sleep(wait)
            status, wait = await self._post(payload)
            if status == 429:
                raise WebhookError("the webhook is still rate limited (HTTP 429) after waiting once")

    async def _post(self, payload: dict) -> tuple[int, float | None]:
        """POST once: returns (status, retry-after seconds for a 429); raises for anything but 2xx and 429."""
        try:
            async with self._session.post(self._url.reveal(), json=payload, params={"wait": "true"}) as response:
                status = response.status
                if 200 <= status < 300:
                    await response.read()
                    return status, None
                if status == 429:
                    return status, await _retry_after(response)
                await response.read()
        except asyncio.TimeoutError as exc:
            raise WebhookError("the webhook did not answer in time", maybe_sent=answer_lost(exc)) from None
        except (aiohttp.ClientError, ValueError, OSError, RuntimeError) as exc:
            # Their text can hold the URL: only the type goes on. RuntimeError: the session was closed (shutdown).
            raise WebhookError(f"the webhook could not be reached ({type(exc).__name__})",
                               maybe_sent=answer_lost(exc)) from None
        if status >= 500:
            raise WebhookError(f"the webhook failed on Discord's side (HTTP {status})")
        if status in (401, 403, 404):
            raise WebhookError(f"the webhook was refused (HTTP {status}): it was deleted or its URL is wrong; "
                               "set ROTOBOT_WEBHOOK_URL to a current one", permanent=True,
                               hint="Set ROTOBOT_WEBHOOK_URL to a current webhook.")
        raise WebhookError(f"the webhook refused the alert (HTTP {status})")


async def _retry_after(response: aiohttp.ClientResponse) -> float | None:
    """Discord's wait: the JSON body's retry_after (fractional seconds), else the Retry-After header."""
    try:
        body = await response.json(content_type=None)
        value = body.get("retry_after") if isinstance(body, dict) else None
        if value is not None:
            return max(0.0, float(value))
    except (ValueError, TypeError, aiohttp.ClientError):
        pass
    return retry_after_seconds(response.headers.get("Retry-After"), server_date=response.headers.get("Date"),
                               now=time.time())
