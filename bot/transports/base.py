"""What every transport (console, Discord, webhook) offers the dispatcher: targets for an alert, and one send.

A transport says where an alert goes on it (`targets`, asked once per alert and logged), then takes it to one
target at a time (`send`), raising alerts.delivery.DeliveryFailed when that target refused it (permanent or not),
NotWanted when the target no longer wants it, NotReady when the transport cannot send at all yet. The dispatcher
keeps the log per target, so one refusing target never hides behind the others.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import aiohttp

from alerts.delivery import NORMAL, Target
from alerts.payloads import Alert, Everyone, Route


@dataclass(frozen=True)
class Notification:
    """An alert rendered for one transport, with notes on this delivery; not the stored alert, and not a delivery."""

    key: str
    title: str
    body: str = ""
    route: Route = Everyone()
    occurred_at: datetime | None = None
    # About this delivery, not the alert ("late: ...", "possibly repeated: ..."): shown whole, whatever is cut.
    notes: tuple[str, ...] = ()
    # What followed the rule's earlier signals, as one line (alerts/track_record.py); "" when the alert has none.
    track_record: str = ""
    urgency: int = NORMAL  # alerts/delivery.py: which of several waiting sends goes first


class Transport(Protocol):
    name: str

    async def start(self) -> None: ...

    def ready(self) -> bool:
        """Can it send now? While not, nothing is resolved or tried, and nothing counts as a failure."""
        ...

    async def targets(self, alert: Alert) -> list[Target]:
        """Where `alert` goes on this transport, right now; [] for nowhere (muted, no channel, not its kind)."""
        ...

    async def send(self, target: Target, notification: Notification) -> None:
        """Deliver to one target or raise; the caller records success only when this returns."""
        ...

    async def close(self) -> None: ...


def answer_lost(exc: BaseException) -> bool:
    """Did a request fail after it may have reached the other side? A connection that was never made (refused,
    no route, a connect timeout) sent nothing; a timeout or a dropped connection after that may have lost only
    the answer, and the message may exist."""
    if isinstance(exc, (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)):
        return False
    return isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError,
                            aiohttp.ClientOSError))
