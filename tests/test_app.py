"""The application's life: start on the console, answer, stop cleanly on EOF, Ctrl-C or SIGTERM, one instance."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import sys
import time
from datetime import datetime, timezone

import pytest

from bot.app import App
from bot.settings import load_settings
from storage.lock import InstanceLock
from storage.migrations import LATEST
from tests.conftest import LineReader, clean_env

CLOSED_PORT = "http://127.0.0.1:9"  # no test reaches the internet: every source points at a closed loopback port


def settings_for(tmp_path, **env):
    env = {
        "ROTOBOT_STORAGE_DATABASE": str(tmp_path / "data" / "rotobot.db"),
        "ROTOBOT_MARKET_YAHOO_URL": CLOSED_PORT,
        "ROTOBOT_MARKET_STOOQ_URL": CLOSED_PORT,
        **env,
    }
    return load_settings(environ=env)


async def test_console_answers_help_and_stops_at_end_of_input(tmp_path, restarted):
    out = io.StringIO()
    app = App(
        settings_for(tmp_path),
        stdin=io.StringIO("!help\n\n!rotation\n"),
        stdout=out,
        handle_signals=False,
        probe_network=False,
    )
    assert await app.run() == 0
    text = out.getvalue()
    assert "!rotation" in text and "!status" in text  # the help list
    assert "Rotation: small caps vs mega caps" in text
    assert "Russell 2000 (^RUT): 2,620.99" in text and "stale: last bar 2026-02-23" in text  # offline, and says so


async def test_a_chart_asked_for_on_the_console_is_saved_under_the_data_folder(tmp_path):
    out = io.StringIO()
    clock = lambda: datetime(2026, 2, 24, 15, 0, tzinfo=timezone.utc)  # noqa: E731
    app = App(settings_for(tmp_path), stdin=io.StringIO("!rotation chart\n"), stdout=out, handle_signals=False,
              probe_network=False, fetch=False, clock=clock)
    assert await app.run() == 0
    chart = tmp_path / "data" / "charts" / "rotation-2026-02-24.png"
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert str(chart) in out.getvalue()


async def test_quit_ends_the_console_session(tmp_path, restarted):
    out = io.StringIO()
    app = App(
        settings_for(tmp_path),
        stdin=io.StringIO("quit\n!help\n"),
        stdout=out,
        handle_signals=False,
        probe_network=False,
    )
    assert await app.run() == 0
    assert "Bye." in out.getvalue()
    assert "rotobot commands" not in out.getvalue()  # nothing after quit was answered


async def test_every_part_is_closed_after_a_run(tmp_path, restarted):
    app = App(settings_for(tmp_path), stdin=io.StringIO(""), stdout=io.StringIO(), handle_signals=False,
              probe_network=False)
    assert await app.run() == 0
    assert app.session.closed
    assert not app.scheduler.running
    with pytest.raises(Exception, match="closed"):
        app.database.call(lambda db: None)
    InstanceLock(tmp_path / "data" / "rotobot.db").acquire().release()  # the lock was released


async def test_a_failed_start_closes_what_was_opened(tmp_path):
    database = tmp_path / "data" / "rotobot.db"
    with InstanceLock(database):
        app = App(settings_for(tmp_path), stdin=io.StringIO(""), stdout=io.StringIO(), handle_signals=False)
        with pytest.raises(Exception, match="already running"):
            await app.run()
    assert app.database is None  # it stopped at the lock, before opening anything


def test_make_run_style_session_answers_help_and_exits_on_eof(spawn):
    proc = spawn("run")
    out, err = proc.communicate("!help\n", timeout=60)
    assert proc.returncode == 0, err
    assert "rotobot commands" in out
    assert "Traceback" not in err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_within_seconds_and_keeps_what_was_committed(spawn, tmp_path, sig, restarted):
    proc = spawn("run")
    out = LineReader(proc.stdout)
    out.wait_for("listening on the console")
    proc.stdin.write("!status\n")
    proc.stdin.flush()
    out.wait_for(f"schema {LATEST} of {LATEST}")
    proc.send_signal(sig)
    assert proc.wait(timeout=10) == 0  # (a guard against a hang, not a measure: bench/startup.py times it)
    err = proc.stderr.read()
    assert "Stopped cleanly" in err and "Traceback" not in err
    database = tmp_path / "data" / "rotobot.db"
    conn = sqlite3.connect(database)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
    conn.close()
    wal = database.with_name("rotobot.db-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # checkpointed on close


def test_second_instance_on_the_same_database_refuses_to_run(spawn, rotobot, restarted):
    first = spawn("run")
    LineReader(first.stdout).wait_for("listening on the console")
    second = rotobot("run", input="!help\n")
    assert second.returncode == 1
    assert f"Another rotobot (pid {first.pid}) is already running" in second.stderr
    assert "rotobot commands" not in second.stdout
    first.stdin.close()
    assert first.wait(timeout=10) == 0


def test_no_network_is_said_plainly_and_the_bot_keeps_answering(spawn, restarted):
    proc = spawn("run", env=clean_env(ROTOBOT_MARKET_YAHOO_URL="http://127.0.0.1:9"))
    err = LineReader(proc.stderr)
    err.wait_for("No network: 127.0.0.1 is unreachable")
    out = LineReader(proc.stdout)
    proc.stdin.write("!help\n")
    proc.stdin.flush()
    out.wait_for("rotobot commands")
    proc.stdin.close()
    assert proc.wait(timeout=10) == 0


def test_interactive_console_shows_a_prompt_and_ctrl_d_quits(tmp_path, restarted):
    import pty
    import subprocess

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        stdin=follower, stdout=follower, stderr=subprocess.DEVNULL, cwd=tmp_path, env=clean_env(),
    )
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 30
    while b"rotobot> " not in seen and time.monotonic() < deadline:
        seen += os.read(leader, 4096)
    assert b"rotobot> " in seen
    os.write(leader, b"!help\n")
    while b"!status" not in seen and time.monotonic() < deadline:
        seen += os.read(leader, 4096)
    assert b"!status" in seen
    os.write(leader, b"\x04")  # Ctrl-D
    assert proc.wait(timeout=10) == 0
    os.close(leader)


async def test_the_health_endpoint_serves_healthz_and_metrics_while_the_bot_runs(tmp_path, restarted):
    import asyncio
    import socket

    import aiohttp

    with socket.socket() as probe:  # a free loopback port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    read, write = os.pipe()  # a console input that stays open until the test closes it
    app = App(
        settings_for(tmp_path, ROTOBOT_HEALTH_ENABLED="true", ROTOBOT_HEALTH_PORT=str(port)),
        stdin=os.fdopen(read), stdout=io.StringIO(), handle_signals=False, probe_network=False, fetch=False,
    )
    running = asyncio.create_task(app.run())
    await asyncio.wait_for(app.started.wait(), 30)
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}/healthz") as reply:
            assert reply.status == 200 and (await reply.json())["status"] == "ok"
        async with session.get(f"http://127.0.0.1:{port}/metrics") as reply:
            text = await reply.text()
    assert "rotobot_outbox_backlog 0" in text and "rotobot_database_bytes " in text
    assert "# TYPE rotobot_event_loop_lag_seconds histogram" in text  # fed by the running app's lag monitor
    assert "# TYPE rotobot_delivery_latency_seconds histogram" in text and "process_resident_memory_bytes " in text
    app.stop()
    assert await asyncio.wait_for(running, 30) == 0
    os.close(write)


async def test_webhook_only_mode_runs_headless_until_stopped(tmp_path, restarted):
    """In a container without a token and without a terminal, closed stdin must not end the bot."""
    import asyncio

    app = App(
        settings_for(tmp_path, ROTOBOT_WEBHOOK_URL="https://discord.com/api/webhooks/1/abc"),
        stdin=io.StringIO(""), stdout=io.StringIO(), handle_signals=False, probe_network=False, fetch=False,
    )
    running = asyncio.create_task(app.run())
    await asyncio.wait_for(app.started.wait(), 30)
    assert [t.name for t in app.transports] == ["webhook"]  # nothing reads stdin, so its end cannot stop the bot
    await asyncio.sleep(0)
    assert not running.done() and not app._stop.is_set()
    app.stop()
    assert await asyncio.wait_for(running, 30) == 0


async def test_every_job_is_scheduled_with_a_deliberate_grace_time(tmp_path, restarted):
    import asyncio

    read, write = os.pipe()
    app = App(settings_for(tmp_path, ROTOBOT_FOMC_FED_URL=CLOSED_PORT, ROTOBOT_FOMC_FRED_URL=CLOSED_PORT),
              stdin=os.fdopen(read), stdout=io.StringIO(), handle_signals=False, probe_network=False)
    running = asyncio.create_task(app.run())
    await asyncio.wait_for(app.started.wait(), 30)
    jobs = {job.id: job for job in app.scheduler.get_jobs()}
    app.stop()
    assert await asyncio.wait_for(running, 30) == 0
    os.close(write)
    expected = {"poll_quotes", "daily_close", "nightly_backfill", "fomc_window", "fomc_feed", "fomc_projections",
                "fomc_remind", "fomc_calendar", "fomc_fred", "daily_wrap", "confirm_pending", "prune"}
    assert expected <= set(jobs)
    for name in expected:
        assert jobs[name].coalesce and jobs[name].max_instances == 1
        assert jobs[name].misfire_grace_time not in (None, 1), name


def test_a_health_port_already_taken_stops_start_up_with_one_line(rotobot, tmp_path, restarted):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = rotobot("run", env=clean_env(ROTOBOT_HEALTH_ENABLED="true", ROTOBOT_HEALTH_PORT=str(port)))
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr


async def test_no_nyse_calendar_is_built_on_the_event_loop(tmp_path):
    """Start-up, the commands, the health report and the jobs, before and after ten months pass (the loaded
    calendar then runs low and is rebuilt): every build runs on another thread, never on the event loop's."""
    import asyncio
    import threading
    from datetime import datetime, timedelta, timezone

    from alerts.market.calendar import NyseCalendar, TradingCalendar
    from tests.conftest import Clock

    built_on: list[int] = []

    def build(day):
        built_on.append(threading.get_ident())
        return NyseCalendar.around(day)

    clock = Clock(datetime(2026, 2, 24, 22, 0, tzinfo=timezone.utc))  # 17:00 in New York: no poll goes out
    calendar = TradingCalendar(build)
    read, write = os.pipe()
    app = App(settings_for(tmp_path), stdin=os.fdopen(read), stdout=io.StringIO(), clock=clock, calendar=calendar,
              handle_signals=False, probe_network=False, fetch=False)
    running = asyncio.create_task(app.run())
    await asyncio.wait_for(app.started.wait(), 60)
    loop_thread = threading.get_ident()

    async def ask_everything():
        for command in ("!rotation", "!status", "!price ^RUT"):
            reply = await app.answer(command)
            assert not reply.error, (command, reply)
        assert (await app.service_health.report()).healthy
        await app.pipeline.engine.judge_sessions()
        assert (await app.pipeline.market.poll_quotes()).skipped  # it asks the calendar first

    await ask_everything()
    clock.now += timedelta(days=345)  # the calendar loaded at start ends 55 days from now
    await ask_everything()
    await calendar.settle()  # the rebuild started by the first of them has finished
    app.stop()
    assert await asyncio.wait_for(running, 30) == 0
    os.close(write)

    assert len(built_on) == 2  # at start-up, and one rebuild however many asked while it ran
    assert loop_thread not in built_on
    assert calendar.around(clock.now).covers(clock.now.date() + timedelta(days=300))



async def test_times_on_the_console_read_in_the_display_zone_not_as_discord_markup(tmp_path):
    out = io.StringIO()
    clock = lambda: datetime(2026, 2, 24, 15, 0, tzinfo=timezone.utc)  # noqa: E731
    app = App(settings_for(tmp_path), stdin=io.StringIO("!fomc\n"), stdout=out, handle_signals=False,
              probe_network=False, fetch=False, clock=clock)
    assert await app.run() == 0
    text = out.getvalue()
    assert "<t:" not in text and "decision      Wed 18 Mar 2026 14:00 EDT (in 22 days)" in text


async def test_the_subscription_index_is_built_at_start_up_and_frozen_with_what_start_up_made(tmp_path, restarted):
    """The index of every subscription and the history its rules read live as long as the process: with 100,000
    subscriptions, 400,000 objects. Built at the first poll, after start-up froze its own objects, every full
    garbage collection walked them all, 0.2-0.4 s at a time with the event loop waiting (python -m bench scale)."""
    import asyncio
    import gc

    from storage import subscriptions
    from storage.database import Database

    settings = settings_for(tmp_path)
    database = Database.open(settings.storage.database)
    database.call(subscriptions.add, subscriptions.Subscription(7, 1, "^RUT", "high_52w", datetime.now(timezone.utc)))
    database.close()
    read, write = os.pipe()
    app = App(settings, stdin=os.fdopen(read), stdout=io.StringIO(), handle_signals=False, probe_network=False,
              fetch=False)
    running = asyncio.create_task(app.run())
    await asyncio.wait_for(app.started.wait(), 30)
    try:
        engine = app.pipeline.engine
        assert engine._subs is not None and [rule.id for rule in engine._subs.rules] == ["sub:1"]
        assert len(engine._history["^RUT"]) > 9_000  # the bundled history, read before the first poll
        rule = engine._subs.rules[0]
        walked = {id(o) for o in gc.get_objects()}  # the generations a collection walks; frozen objects are not in them
        assert gc.is_tracked(rule) and id(rule) not in walked
    finally:
        app.stop()
        assert await asyncio.wait_for(running, 30) == 0
        os.close(write)
