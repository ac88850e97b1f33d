"""The dispatcher: sends what the outbox holds to every transport, and records a delivery only once it succeeded.

Check the log before sending, write it after (Alertmanager's rule). Each (event, transport) pair is tried on its
own, so a broken webhook never holds back the console or Discord. A failed send is retried with backoff. A send
that began but was never confirmed, because the process died mid-send or right after, is sent once more at the
next start and marked "possibly repeated": that is the only way an alert can reach a reader twice.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.transports.base import Notification, Transport
from storage import outbox
from storage.database import Database

log = logging.getLogger(__name__)

LATE_AFTER = timedelta(hours=1)  # later than this says so; the close job itself runs 20 minutes after the close
IDLE_WAIT = 5.0  # seconds between looks at the outbox when nobody rang


_URL = re.compile(r"https?://([^/\s:]+)[^\s'\"]*")


def scrub_urls(text: str) -> str:
    """Keep only the host of any URL: a webhook URL carries its secret in the path."""
    return _URL.sub(lambda m: f"<{m.group(1)}>", text)


def retry_delay(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s ... capped at 10 minutes."""
    return timedelta(seconds=min(600, 5 * 2 ** max(0, attempts - 1)))


def notification_for(delivery: outbox.Delivery, now: datetime, display_zone: ZoneInfo) -> Notification:
    payload = delivery.event.payload
    notes = []
    occurred = payload.get("occurred_at")
    if occurred:
        when = datetime.fromisoformat(occurred)
        if now - when > LATE_AFTER:
            notes.append(f"late: this happened {when.astimezone(display_zone):%a %d %b %H:%M %Z}")
    if delivery.possibly_repeated:
        notes.append("possibly repeated: an earlier send was not confirmed")
    body = payload.get("body", "")
    if notes:
        body = (body + "\n" if body else "") + "(" + "; ".join(notes) + ")"
    route = {k: payload[k] for k in ("guild_id", "user_id", "channel_id", "exclude_guilds") if k in payload}
    return Notification(
        key=delivery.event.event_key,
        title=payload.get("message", delivery.event.kind),
        body=body,
        route=route,
        occurred_at=datetime.fromisoformat(occurred) if occurred else None,
    )


class Dispatcher:
    def __init__(
        self,
        database: Database,
        transports: list[Transport],
        clock: Callable[[], datetime],
        display_zone: ZoneInfo,
    ) -> None:
        self._db = database
        self._transports = {t.name: t for t in transports}
        self._clock = clock
        self._zone = display_zone
        self.wake = asyncio.Event()  # set by whoever queues an event, so it goes out at once

    async def recover(self) -> int:
        """Call once at start, before the first send."""
        unconfirmed = await self._db.run(outbox.recover_unconfirmed)
        if unconfirmed:
            log.warning("%d alert sends were not confirmed before the last stop; they go out again, marked", unconfirmed)
        return unconfirmed

    async def run_once(self) -> int:
        """Send everything due now; returns how many sends succeeded."""
        names = list(self._transports)
        sent = 0
        while True:
            due = await self._db.run(outbox.deliveries_due, names, self._clock())
            if not due:
                return sent
            # Concurrently: a transport that groups simultaneous alerts (Discord) sees them together, and one slow
            # transport does not hold back the others. Each delivery still starts in order.
            results = await asyncio.gather(*(self._deliver(d, names) for d in due), return_exceptions=True)
            failed = next((r for r in results if isinstance(r, BaseException)), None)
            if failed is not None:
                raise failed
            sent += sum(results)

    async def run_forever(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # a database hiccup must not end delivery for good
                log.exception("dispatcher pass failed; trying again shortly")
            try:
                await asyncio.wait_for(self.wake.wait(), IDLE_WAIT)
            except asyncio.TimeoutError:
                pass
            self.wake.clear()

    async def _deliver(self, delivery: outbox.Delivery, names: list[str]) -> int:
        event, transport = delivery.event, self._transports[delivery.transport]
        now = self._clock()
        await self._db.run(outbox.mark_sending, event.id, delivery.transport, now)
        try:
            await transport.send(notification_for(delivery, now, self._zone))
        except Exception as exc:  # noqa: BLE001 - any transport failure is retried, never fatal to the others
            retry_at = self._clock() + retry_delay(delivery.attempts + 1)
            reason = scrub_urls(f"{type(exc).__name__}: {exc}")
            log.warning("%s could not deliver %s (%s); retrying at %s", delivery.transport, event.event_key, reason,
                        retry_at.astimezone(self._zone).strftime("%H:%M:%S"))
            await self._db.run(outbox.mark_send_failed, event.id, delivery.transport, reason, retry_at)
            return 0
        await self._db.run(outbox.mark_sent, event.id, delivery.transport, self._clock(), names)
        return 1
