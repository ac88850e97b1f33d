"""Outcomes gathered while a write is on the disk (bot/batched_writes.py): the first goes at once, those that come
meanwhile go together next, each caller returns once its own are written, and one that cannot be written never
takes the others down."""

from __future__ import annotations

import asyncio

import pytest

from bot.batched_writes import BatchedWrites


class Disk:
    """Records each transaction; holds the first one until released; refuses any holding "bad"."""

    def __init__(self) -> None:
        self.transactions: list[list[str]] = []
        self.release = asyncio.Event()

    async def write(self, items: list[str]) -> None:
        if not self.transactions:
            await self.release.wait()
        if "bad" in items:
            self.transactions.append(["refused", *items])
            raise OSError("disk I/O error")
        self.transactions.append(items)


async def test_what_comes_while_one_write_is_on_the_disk_goes_in_the_next_together():
    disk = Disk()
    writes = BatchedWrites(disk.write)
    first = asyncio.create_task(writes.write(["a"]))
    await asyncio.sleep(0)
    more = [asyncio.create_task(writes.write([name])) for name in ("b", "c", "d")]
    await asyncio.sleep(0)
    assert not any(t.done() for t in [first, *more])  # nobody returns before their outcome is on the disk
    disk.release.set()
    await asyncio.gather(first, *more)
    assert disk.transactions == [["a"], ["b", "c", "d"]]
    await writes.write(["e"])  # nothing on the disk now: it goes at once, by itself
    assert disk.transactions[-1] == ["e"]


async def test_one_caller_whose_outcomes_cannot_be_written_is_told_and_the_others_are_written():
    disk = Disk()
    writes = BatchedWrites(disk.write)
    first = asyncio.create_task(writes.write(["a"]))
    await asyncio.sleep(0)
    good, bad, other = (asyncio.create_task(writes.write(items)) for items in (["b"], ["bad"], ["c"]))
    await asyncio.sleep(0)
    disk.release.set()
    await first
    await good
    with pytest.raises(OSError):
        await bad
    await other
    assert disk.transactions == [["a"], ["refused", "b", "bad", "c"], ["b"], ["refused", "bad"], ["c"]]


async def test_a_caller_cancelled_while_it_waits_still_has_its_outcomes_written():
    disk = Disk()
    writes = BatchedWrites(disk.write)
    waiting = asyncio.create_task(writes.write(["sent before the stop"]))
    await asyncio.sleep(0)
    waiting.cancel()
    disk.release.set()
    await writes.close()
    assert disk.transactions == [["sent before the stop"]]
