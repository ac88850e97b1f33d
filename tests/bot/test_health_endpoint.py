"""Health: judge_health as a timeline, the HTTP endpoint on a real loopback port, and the event loop lag monitor."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest

from prometheus_client import CONTENT_TYPE_LATEST

from bot.health import HealthReport, HealthServer, LoopLag, judge_health

T0 = datetime(2025, 12, 11, 19, 0, tzinfo=timezone.utc)  # 14:00 in New York, the FOMC statement minute
MAX_AGE = {"yahoo": timedelta(minutes=10), "fed": timedelta(hours=1)}


# --- judge_health, step by step ---------------------------------------------------------------------------------------

# (minute, sources that answered at that minute, scheduler running, healthy, fragments of the reasons)
TIMELINE = [
    (0, [], True, False, ["yahoo has not answered successfully yet", "fed has not answered successfully yet"]),
    (1, ["yahoo"], True, False, ["fed has not answered successfully yet"]),
    (2, ["fed"], True, True, []),
    (11, [], True, True, []),  # yahoo is exactly 10 min old: still within its max age
    (12, [], True, False, ["yahoo last answered 11 min ago (allowed: 10 min)"]),
    (30, [], True, False, ["yahoo last answered 29 min ago"]),
    (31, ["yahoo"], True, True, []),  # recovered
    (62, ["yahoo"], True, True, []),  # fed is exactly an hour old
    (63, ["yahoo"], True, False, ["fed last answered 61 min ago (allowed: 60 min)"]),
    (64, ["fed"], True, True, []),
    (65, ["yahoo", "fed"], False, False, ["The scheduler is not running"]),
    (66, ["yahoo", "fed"], True, True, []),
]


def test_health_over_a_timeline():
    last: dict[str, datetime | None] = {}
    for minute, answered, running, healthy, fragments in TIMELINE:
        now = T0 + timedelta(minutes=minute)
        for source in answered:
            last[source] = now
        report = judge_health(scheduler_running=running, last_success=last, max_age=MAX_AGE, now=now)
        step = f"minute {minute}: {report.reasons}"
        assert report.healthy is healthy, step
        assert len(report.reasons) == len(fragments), step
        for fragment in fragments:
            assert any(fragment in reason for reason in report.reasons), step
        assert report.details["scheduler_running"] is running
        assert set(report.details["sources"]) == set(MAX_AGE)


def test_details_are_json_and_only_judged_sources_count():
    report = judge_health(
        scheduler_running=True,
        last_success={"yahoo": T0 - timedelta(minutes=3), "stooq": None, "fred": T0 - timedelta(days=9)},
        max_age={"yahoo": timedelta(minutes=10), "stooq": timedelta(hours=1)},
        now=T0,
    )
    assert not report.healthy
    assert report.reasons == ["Data source stooq has not answered successfully yet."]
    assert json.loads(json.dumps(report.details)) == {
        "scheduler_running": True,
        "checked_at": "2025-12-11T19:00:00+00:00",
        "sources": {
            "stooq": {"last_success": None, "fresh": False},
            "yahoo": {"last_success": "2025-12-11T18:57:00+00:00", "fresh": True},
        },
    }  # fred is not in max_age: not enabled, not judged, not shown


def test_a_success_stamped_after_now_counts_as_fresh():
    report = judge_health(
        scheduler_running=True,
        last_success={"yahoo": T0 + timedelta(seconds=2)},
        max_age={"yahoo": timedelta(minutes=10)},
        now=T0,
    )
    assert report.healthy


def test_max_age_counts_from_when_answers_were_expected():
    """Started on a Saturday, or the session just opened: no answer yet is not stale until max_age has passed."""
    opened = T0 - timedelta(minutes=5)
    friday = T0 - timedelta(days=3)

    def judge(last: datetime | None, now: datetime) -> HealthReport:
        return judge_health(scheduler_running=True, last_success={"yahoo": last},
                            max_age={"yahoo": timedelta(minutes=10)}, now=now, expected_since={"yahoo": opened})

    assert judge(None, T0).healthy  # 5 min after the open, nothing yet
    assert judge(friday, T0).healthy  # Friday's close was the last answer; the session opened 5 min ago
    late = judge(friday, T0 + timedelta(minutes=6))
    assert late.reasons == ["Data source yahoo last answered 3 days ago (allowed: 10 min)."]
    assert judge(None, T0 + timedelta(minutes=6)).reasons == ["Data source yahoo has not answered successfully yet."]
    assert judge(T0 + timedelta(minutes=4), T0 + timedelta(minutes=12)).healthy  # answered since: counts from then


def test_nothing_to_judge_and_the_scheduler_running_is_healthy():
    assert judge_health(scheduler_running=True, last_success={}, max_age={}, now=T0).healthy


# --- the HTTP endpoint ------------------------------------------------------------------------------------------------


class World:
    """What the app would know, driven by the test: the report callable reads it on every request."""

    def __init__(self) -> None:
        self.now = T0
        self.running = True
        self.last: dict[str, datetime | None] = {"yahoo": T0, "fed": T0}

    async def report(self) -> HealthReport:
        return judge_health(scheduler_running=self.running, last_success=self.last, max_age=MAX_AGE, now=self.now)

    async def metrics(self) -> str:
        return "# HELP up_total Up.\n# TYPE up_total counter\nup_total 1\n"


@pytest.fixture
async def served():
    world = World()
    server = HealthServer(host="127.0.0.1", port=0, report=world.report, metrics=world.metrics)
    await server.start()
    async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{server.port}") as client:
        yield world, server, client
    await server.close()


async def get_health(client: aiohttp.ClientSession) -> tuple[int, dict]:
    async with client.get("/healthz") as reply:
        assert reply.content_type == "application/json"
        assert reply.headers["Cache-Control"] == "no-store"
        return reply.status, await reply.json()


async def test_healthz_flips_to_503_when_a_source_goes_stale_and_back_when_it_recovers(served):
    world, server, client = served
    assert server.port != 0

    status, body = await get_health(client)
    assert status == 200
    assert body["status"] == "ok" and "reasons" not in body
    assert body["scheduler_running"] is True
    assert body["sources"]["yahoo"] == {"last_success": "2025-12-11T19:00:00+00:00", "fresh": True}

    world.now = T0 + timedelta(minutes=15)  # yahoo has not answered for 15 minutes
    status, body = await get_health(client)
    assert status == 503
    assert body["status"] == "unhealthy"
    assert body["reasons"] == ["Data source yahoo last answered 15 min ago (allowed: 10 min)."]
    assert body["sources"]["yahoo"]["fresh"] is False and body["sources"]["fed"]["fresh"] is True

    world.last["yahoo"] = world.now  # it answers again
    status, body = await get_health(client)
    assert (status, body["status"]) == (200, "ok")

    world.running = False
    status, body = await get_health(client)
    assert status == 503 and body["reasons"] == ["The scheduler is not running: no job will fetch anything."]


async def test_metrics_is_plain_text_in_prometheus_clients_own_content_type(served):
    _, _, client = served
    async with client.get("/metrics") as reply:
        assert reply.status == 200
        assert reply.headers["Content-Type"] == CONTENT_TYPE_LATEST
        assert reply.headers["Content-Type"].startswith("text/plain; version=")
        assert await reply.text() == "# HELP up_total Up.\n# TYPE up_total counter\nup_total 1\n"


async def test_anything_else_is_not_found(served):
    _, _, client = served
    for path in ("/", "/healthz/", "/metrics.json", "/admin"):
        async with client.get(path) as reply:
            assert reply.status == 404, path
    async with client.post("/healthz", data=b"token=secret") as reply:
        assert reply.status == 405  # a known path, the wrong method


async def test_a_failing_or_hanging_check_answers_503_and_a_failing_scrape_500():
    stuck = asyncio.Event()

    async def broken() -> HealthReport:
        raise RuntimeError("database worker died")

    async def hanging() -> HealthReport:
        await stuck.wait()
        raise AssertionError("never")

    async def no_metrics() -> str:
        raise RuntimeError("boom")

    for report, reason in ((broken, "The health check failed: RuntimeError."),
                           (hanging, "The health check took longer than 0.05 s.")):
        server = HealthServer(host="127.0.0.1", port=0, report=report, metrics=no_metrics, timeout=0.05)
        await server.start()
        try:
            async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{server.port}") as client:
                status, body = await get_health(client)
                assert (status, body) == (503, {"status": "unhealthy", "reasons": [reason]})
                async with client.get("/metrics") as reply:
                    assert reply.status == 500
        finally:
            await server.close()


async def test_no_access_log_and_nothing_of_the_request_is_logged(served, caplog):
    _, _, client = served
    caplog.set_level(logging.DEBUG)
    async with client.post("/healthz", data=b"DISCORD_TOKEN=abc.def") as reply:
        await reply.read()
    await get_health(client)
    assert not [r for r in caplog.records if r.name.startswith("aiohttp.access")]
    assert "abc.def" not in caplog.text


async def test_it_binds_only_where_told_and_close_releases_the_port():
    world = World()
    server = HealthServer(host="127.0.0.1", port=0, report=world.report, metrics=world.metrics)
    await server.start()
    port = server.port
    async with aiohttp.ClientSession() as client:
        async with client.get(f"http://127.0.0.1:{port}/healthz") as reply:
            assert reply.status == 200
        await server.close()
        await server.close()  # twice is harmless
        with pytest.raises(aiohttp.ClientConnectionError):
            async with client.get(f"http://127.0.0.1:{port}/healthz"):
                pass


async def test_a_port_already_taken_fails_start_and_leaves_nothing_open():
    world = World()
    first = HealthServer(host="127.0.0.1", port=0, report=world.report, metrics=world.metrics)
    await first.start()
    try:
        second = HealthServer(host="127.0.0.1", port=first.port, report=world.report, metrics=world.metrics)
        with pytest.raises(OSError):
            await second.start()
        await second.close()
    finally:
        await first.close()


# --- the event loop lag monitor ---------------------------------------------------------------------------------------


class Stop(Exception):
    pass


class FakeTime:
    """A monotonic clock and a sleep that oversleeps by the next scripted lag; stops when the script ends."""

    def __init__(self, lags: list[float]) -> None:
        self.now = 1000.0
        self.lags = list(lags)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        if self.lags:
            self.now += seconds + self.lags.pop(0)
            return
        raise Stop


async def test_loop_lag_records_how_late_each_wake_was():
    fake = FakeTime([0.0, 0.25, 0.01, 1.5, 0.0])
    seen: list[float] = []
    lag = LoopLag(observe=seen.append, sleep=fake.sleep, clock=fake.clock)
    with pytest.raises(Stop):
        await lag.run(interval=0.5)
    assert lag.latest == 0.0
    assert seen == pytest.approx([0.0, 0.25, 0.01, 1.5, 0.0])  # every wake, the worst included: nothing is kept back

    fake.lags = [0.125, 0.0625]
    with pytest.raises(Stop):
        await lag.run(interval=0.5)
    assert lag.latest == pytest.approx(0.0625)
    assert seen[5:] == pytest.approx([0.125, 0.0625])


async def test_a_clock_that_seems_to_go_back_is_no_lag_rather_than_a_negative_one():
    fake = FakeTime([-0.2])
    seen: list[float] = []
    with pytest.raises(Stop):
        await LoopLag(observe=seen.append, sleep=fake.sleep, clock=fake.clock).run(interval=0.5)
    assert seen == [0.0]


async def test_loop_lag_refuses_a_silly_interval():
    with pytest.raises(ValueError):
        await LoopLag().run(interval=0)
