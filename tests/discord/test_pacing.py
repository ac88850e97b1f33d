"""The global pacer (bot/transports/discord/pacing.py): never more than 50 requests in a window, the waiting ones in
order of priority, a request counted from when it is written, and interaction callbacks never held. Time is a
counter that moves only when the pacer sleeps: nothing here waits for real."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.transports.discord.pacing import (GLOBAL_LIMIT, NEVER_WRITTEN, PRIORITY_FIRST, PRIORITY_NORMAL,
                                           PRIORITY_SUBSCRIPTION, PRIORITY_URGENT, WINDOW, GlobalPacer, sending)


class Time:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)  # what was let through is written at once, as on a live loop
        self.now += seconds


@pytest.fixture
def time():
    return Time()


@pytest.fixture
def pacer(time):
    return GlobalPacer(clock=time, sleep=time.sleep)


async def go(pacer: GlobalPacer, time: Time, gone: list, name, priority=None) -> None:
    slot = await pacer.slot(priority)
    gone.append((name, time.now))
    pacer.sent(slot)


def most_in_a_window(times: list[float]) -> int:
    return max(sum(1 for t in times if start <= t < start + 1.0) for start in times)


async def test_a_burst_of_120_goes_fifty_a_window_and_never_more(pacer, time):
    gone: list = []
    await asyncio.gather(*(go(pacer, time, gone, n) for n in range(120)))
    times = [t for _, t in gone]
    assert times[:GLOBAL_LIMIT] == [0.0] * GLOBAL_LIMIT  # the first 50 at once: an alert reaches 50 channels now
    assert most_in_a_window(times) == GLOBAL_LIMIT  # Discord's one second never sees 51
    assert max(times) == pytest.approx(2 * WINDOW)
    assert [n for n, _ in gone] == list(range(120))  # same priority: in the order they came
    assert pacer.waited == 70 and pacer.queued == 0


async def test_waiting_requests_go_by_priority_then_by_arrival(pacer, time):
    gone: list = []
    await asyncio.gather(*(go(pacer, time, gone, f"fill{n}") for n in range(GLOBAL_LIMIT)))
    order = [("dm", PRIORITY_SUBSCRIPTION), ("reminder", PRIORITY_NORMAL), ("record", PRIORITY_URGENT),
             ("reply", PRIORITY_FIRST), ("fomc", PRIORITY_URGENT), ("dm2", PRIORITY_SUBSCRIPTION)]
    # Tasks start in the order they were made: all six wait (in this order) before the window opens again.
    await asyncio.gather(*[asyncio.create_task(go(pacer, time, gone, name, priority)) for name, priority in order])
    assert [n for n, _ in gone[GLOBAL_LIMIT:]] == ["reply", "record", "fomc", "reminder", "dm", "dm2"]


async def test_the_priority_comes_from_what_the_transport_is_sending(pacer, time):
    gone: list = []
    await asyncio.gather(*(go(pacer, time, gone, f"fill{n}") for n in range(GLOBAL_LIMIT)))

    async def send(name, priority):
        with sending(priority):
            await go(pacer, time, gone, name)  # no priority given: the context's

    dm = asyncio.create_task(send("dm", PRIORITY_SUBSCRIPTION))  # waits first
    record = asyncio.create_task(send("record", PRIORITY_URGENT))
    await asyncio.gather(dm, record)
    assert [n for n, _ in gone[GLOBAL_LIMIT:]] == ["record", "dm"]


async def test_a_request_let_through_counts_from_when_it_is_written(pacer, time):
    slots = [await pacer.slot() for _ in range(GLOBAL_LIMIT)]  # let through, none written yet
    time.now = 5.0  # the loop was busy: they are written only now
    for slot in slots:
        pacer.sent(slot)
    gone: list = []
    await go(pacer, time, gone, "next")
    assert gone == [("next", pytest.approx(5.0 + WINDOW))]  # not at 1.03: Discord saw those 50 at 5.0


async def test_requests_let_through_and_never_written_stop_holding_their_place(pacer, time):
    for _ in range(GLOBAL_LIMIT):
        await pacer.slot()  # each cancelled right after it was let through: never written, never failed
    gone: list = []
    await go(pacer, time, gone, "next")
    assert gone == [("next", pytest.approx(NEVER_WRITTEN + WINDOW))]  # late, but never stuck


async def test_a_request_cancelled_while_it_waits_gives_its_turn_away(pacer, time):
    gone: list = []
    await asyncio.gather(*(go(pacer, time, gone, f"fill{n}") for n in range(GLOBAL_LIMIT)))
    cancelled = asyncio.create_task(go(pacer, time, gone, "cancelled", PRIORITY_FIRST))
    await asyncio.sleep(0)
    later = asyncio.create_task(go(pacer, time, gone, "later"))
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.gather(cancelled, later, return_exceptions=True)
    assert [n for n, _ in gone[GLOBAL_LIMIT:]] == ["later"]


async def test_the_http_session_is_paced_but_interaction_callbacks_never_wait(pacer, time):
    app = web.Application()

    async def ok(request: web.Request) -> web.Response:
        return web.json_response({})

    app.router.add_post("/api/v10/channels/{channel_id}/messages", ok)
    app.router.add_post("/api/v10/interactions/{id}/{token}/callback", ok)
    async with TestServer(app) as server, aiohttp.ClientSession(trace_configs=[pacer.trace()]) as http:
        for n in range(GLOBAL_LIMIT):
            await (await http.post(server.make_url(f"/api/v10/channels/{n}/messages"))).read()
        assert (pacer.waited, time.now) == (0, 0.0)
        answer = await http.post(server.make_url("/api/v10/interactions/1/token/callback"))
        assert answer.status == 200 and (pacer.waited, time.now) == (0, 0.0)  # 3 s to answer: never held
        message = await http.post(server.make_url("/api/v10/channels/51/messages"))
        assert message.status == 200 and pacer.waited == 1 and time.now == pytest.approx(WINDOW)
