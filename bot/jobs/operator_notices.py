"""Notices for the operator (a source down, a page that changed shape) go through the outbox like any alert:
to the operator's channel, the console and the webhook, each once, retried when one is down."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from alerts.market.outages import OutageNotice
from alerts.payloads import NoticeAlert, Operator


class OperatorNotices:
    def __init__(self, publish: Callable[..., Awaitable[list[str]]], clock: Callable[[], datetime]) -> None:
        self._publish = publish
        self._clock = clock

    async def source(self, notice: OutageNotice) -> None:
        """A market source down or back: one notice per source, kind and minute."""
        await self._say(f"{notice.source}|{notice.kind}|{self._clock():%Y-%m-%dT%H:%M}", notice.source, notice.text)

    async def text(self, key: str, text: str) -> None:
        """Anything else: one notice per key and day."""
        await self._say(f"{key}|{self._clock():%Y-%m-%d}", key, text)

    async def _say(self, key: str, topic: str, text: str) -> None:
        await self._publish([NoticeAlert(key=f"operator|{key}", topic=topic, message=text, route=Operator(),
                                         occurred_at=self._clock())])
