"""Writes that arrive while one is on the disk wait for it and then go together, in one transaction.

A fan-out at Discord's rate finishes 50 sends a second, and each outcome written by itself is a transaction (and
an fsync) of its own. Here the first outcome goes to the disk at once; those that finish meanwhile gather, and go
in the next transaction as soon as that one is done: no timer, no delay when there is nothing to wait for. Each
caller still returns only once its own outcomes are written, and is told if they were not. When a gathered
transaction fails, each caller's outcomes are tried again by themselves, so one that cannot be written never
takes the others down with it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class BatchedWrites(Generic[T]):
    def __init__(self, write: Callable[[list[T]], Awaitable[None]]) -> None:
        self._write = write
        self._waiting: list[tuple[Sequence[T], asyncio.Future]] = []
        self._writing: asyncio.Task | None = None

    async def write(self, items: Sequence[T]) -> None:
        """Return once `items` are written; raise what the write raised if they could not be."""
        if not items:
            return
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((items, done))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write_all(), name="batched-writes")
        # A caller cancelled meanwhile (shutting down) still has its items written: they are what happened.
        await done

    async def close(self) -> None:
        """Finish what was handed over (at shutdown)."""
        if self._writing is not None:
            await asyncio.gather(self._writing, return_exceptions=True)

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self._write([item for items, _ in batch for item in items])
            except Exception as exc:  # noqa: BLE001 - told to its caller; a gathered batch is tried caller by caller
                if len(batch) == 1:
                    _settle(batch[0][1], exc)
                else:
                    await self._one_by_one(batch)
            else:
                for _, done in batch:
                    _settle(done, None)

    async def _one_by_one(self, batch: list[tuple[Sequence[T], asyncio.Future]]) -> None:
        for items, done in batch:
            try:
                await self._write(list(items))
            except Exception as exc:  # noqa: BLE001 - this caller's alone
                _settle(done, exc)
            else:
                _settle(done, None)


def _settle(done: asyncio.Future, error: BaseException | None) -> None:
    if done.done():
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)
