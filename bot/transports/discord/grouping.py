"""Alerts for one destination within a short window go out as one message.

Each `add` waits until the message holding its alert was sent and raises if that send failed, so the dispatcher
records a delivery only once Discord took it, and retries otherwise. An alert whose caller stopped waiting
(cancelled: the application is shutting down) is left out: the outbox sends it again at the next start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

GROUP_WINDOW = 1.0  # seconds an alert waits for others to the same destination


@dataclass
class Item:
    text: str
    roles: frozenset[int]
    users: frozenset[int]
    done: asyncio.Future
    priority: int = 0  # lower goes first when sends wait for their turn (pacing.py)


@dataclass
class _Batch:
    items: list[Item] = field(default_factory=list)
    timer: asyncio.Task | None = None


# (destination key, items) -> one outcome per item: None when sent, else the exception
Deliver = Callable[[Hashable, list[Item]], Awaitable[list[BaseException | None]]]


class Grouper:
    def __init__(self, deliver: Deliver, window: float = GROUP_WINDOW) -> None:
        self._deliver = deliver
        self._window = window
        self._batches: dict[Hashable, _Batch] = {}

    async def add(self, key: Hashable, text: str, roles: frozenset[int] = frozenset(),
                  users: frozenset[int] = frozenset(), priority: int = 0) -> None:
        batch = self._batches.get(key)
        if batch is None:
            batch = self._batches[key] = _Batch()
            batch.timer = asyncio.create_task(self._flush_later(key, batch), name=f"discord-alerts-{key}")
        item = Item(text, roles, users, asyncio.get_running_loop().create_future(), priority)
        batch.items.append(item)
        await item.done

    async def flush_all(self) -> None:
        """Send everything still waiting now (at close)."""
        for key, batch in list(self._batches.items()):
            if self._batches.get(key) is batch and batch.timer is not None:
                batch.timer.cancel()
                await asyncio.gather(batch.timer, return_exceptions=True)
                await self._flush(key, batch)

    async def _flush_later(self, key: Hashable, batch: _Batch) -> None:
        await asyncio.sleep(self._window)
        await self._flush(key, batch)

    async def _flush(self, key: Hashable, batch: _Batch) -> None:
        if self._batches.get(key) is batch:
            del self._batches[key]
        waiting = [item for item in batch.items if not item.done.done()]
        if not waiting:
            return
        try:
            outcomes = await self._deliver(key, waiting)
        except asyncio.CancelledError:
            for item in waiting:  # never leave a sender waiting for a message that will not come
                item.done.cancel()
            raise
        except Exception as exc:  # noqa: BLE001 - handed to every waiting sender, who raises it to the dispatcher
            for item in waiting:
                if not item.done.done():
                    item.done.set_exception(exc)
            return
        for item, outcome in zip(waiting, outcomes):
            if item.done.done():
                continue
            if outcome is None:
                item.done.set_result(None)
            else:
                item.done.set_exception(outcome)
