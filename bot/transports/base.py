"""What every transport (console, Discord, webhook) offers the application."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Notification:
    """An alert ready to show: a stable key, a headline and its details, and where it should go."""

    key: str
    title: str
    body: str = ""
    # Empty for a server-wide alert; a subscription's {"guild_id", "user_id", "channel_id"} (channel None = by DM).
    route: dict = field(default_factory=dict)
    occurred_at: datetime | None = None


class Transport(Protocol):
    name: str

    async def start(self) -> None: ...

    async def send(self, notification: Notification) -> None:
        """Deliver or raise; the caller records success only when this returns."""
        ...

    async def close(self) -> None: ...
