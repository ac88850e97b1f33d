"""What every transport (console, Discord, webhook) offers the application."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Notification:
    """An alert ready to show: a stable key, a headline and its details."""

    key: str
    title: str
    body: str = ""


class Transport(Protocol):
    name: str

    async def start(self) -> None: ...

    async def send(self, notification: Notification) -> None:
        """Deliver or raise; the caller records success only when this returns."""
        ...

    async def close(self) -> None: ...
