"""Fan-out at Discord's limit: one server-wide alert to 10,000 servers and 20,000 subscription DMs, through the
real outbox, dispatcher and Discord transport (discord.py's own HTTP client and gateway), against a loopback
Discord that enforces the global limit (50 requests a second) and per-route buckets with real 429 answers
(bench/fanout_discord.py, tests/discord_rate_limits.py).

`python -m bench fanout [--channels N] [--dms M]` (or `--quick`: 500 and 1,000) prints the time to reach every
channel (target: within 1.1 x the floor of N / 50 s), the time to the first 50 channels (target: under 2 s), the
429s received (target: none after the first), the DMs' time, the event loop's lag and the bot's RSS. The DMs are
queued first and the server-wide alert (a record close: urgent) after them, so the channels' times also show
urgent alerts overtaking subscription DMs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp

from alerts.market.calendar import TradingCalendar
from alerts.payloads import Everyone, RecordAlert, Subscriber, SubscriptionAlert
from bench.fanout_discord import DiscordProcess, channel_id, guild_id, user_id
from bench.summary import record
from bot.commands.catalog import build_router
from bot.commands.context import CommandContext
from bot.dispatch import Dispatcher
from bot.secret import Secret
from bot.settings import load_settings
from bot.transports.discord import DiscordTransport
from storage import guild_settings, outbox, subscriptions
from storage.database import Database
from tests.fake_discord import discord_py_pointed_at

CHANNELS, DMS = 10_000, 20_000
QUICK = (500, 1_000)
GLOBAL_RATE = 50  # requests a second per bot token (Discord's global limit)
DM_REQUESTS = 2  # open the DM channel (POST /users/@me/channels), then the message


@dataclass
class Figures:
    channels: int
    dms: int
    all_channels: float  # seconds from queueing to the last channel's message
    first_50: float
    all_dms: float
    refused: list[dict]  # every 429: when (seconds since queueing) and its scope
    admitted: int  # requests Discord took
    channel_copies: int  # messages at the channels (one each when nothing is doubled)
    dm_copies: int
    lag_p99_ms: float
    lag_max_ms: float
    rss_mb: float
    peak_rss_mb: float


def _seed(db, channels: int, dms: int, now: datetime) -> list[int]:
    """Every server's alert channel set, and one DM subscription per person; returns the subscription ids."""
    ids = []
    with db.atomic():
        for n in range(channels):
            guild_settings.set_value(db, guild_id(n), "alert_channel", channel_id(n), now)
        for n in range(dms):
            sub, _ = subscriptions.add(db, subscriptions.Subscription(
                guild_id=guild_id(n % max(1, channels)), user_id=user_id(n), symbol="CFG", kind="move",
                created_at=now, threshold=3.0))
            ids.append(sub.id)
    return ids


def _alerts(ids: list[int], now: datetime) -> tuple[list[SubscriptionAlert], RecordAlert]:
    dms = [SubscriptionAlert(key=f"sub:{sid}|CFG|{now.date()}:up:3", message="CFG is up 3.40% on the day at 61.20",
                             occurred_at=now, route=Subscriber(guild_id(n), user_id(n)), rule_kind="move",
                             rule_id=subscriptions.rule_id(sid), symbol="CFG", trigger=f"{now.date()}:up:3",
                             direction="up", value=3.4, threshold=3.0) for n, sid in enumerate(ids)]
    urgent = RecordAlert(key=f"new_high|^RUT|{now.date()}", message="Russell 2000 closes at a record 2,712.40",
                         occurred_at=now, route=Everyone(), rule_id="new_high:^RUT:close", symbol="^RUT",
                         session=now.date(), price=2712.4, previous_record=2690.1,
                         previous_record_date=date(2026, 11, 20))
    return dms, urgent


async def _until(condition, timeout: float, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the bench waited too long")
        await asyncio.sleep(every)


class LoopLag:
    """How late the event loop wakes a 10 ms ticker: whether the gateway and the commands stay responsive."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._task = asyncio.create_task(self._tick())

    async def _tick(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            self.lags.append(time.perf_counter() - before - 0.01)

    async def stop(self) -> tuple[float, float]:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        ordered = sorted(self.lags) or [0.0]
        return ordered[int(len(ordered) * 0.99)] * 1000, ordered[-1] * 1000


def _rss_mb() -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


async def run(channels: int, dms: int) -> Figures:
    fake = DiscordProcess(channels, dms)
    url = fake.start()
    try:
        with tempfile.TemporaryDirectory() as folder, discord_py_pointed_at(url):
            return await _fan_out(Path(folder), url, channels, dms)
    finally:
        fake.stop()


async def _fan_out(folder: Path, url: str, channels: int, dms: int) -> Figures:
    now = datetime.now(timezone.utc)
    database = Database.open(folder / "fanout.db")
    ids = await database.run(_seed, channels, dms, now)
    settings = load_settings(environ={})
    context = CommandContext(settings=settings, database=database, now=lambda: datetime.now(timezone.utc),
                             started_at=now, calendar=TradingCalendar(), transports=("discord",))
    fatal: list[str] = []
    transport = DiscordTransport(Secret("bench-token"), router=build_router("!"), context=context,
                                 database=database, on_fatal=fatal.append, sync_commands=False)
    await transport.start()

    async def ready() -> bool:
        if fatal:
            raise RuntimeError(fatal[0])
        return transport.ready() and len(transport.bot.guilds) == channels

    await _until(ready, 600)
    dispatcher = Dispatcher(database, [transport], lambda: datetime.now(timezone.utc), ZoneInfo("America/New_York"))
    await dispatcher.recover()
    dm_alerts, urgent = _alerts(ids, now)
    await database.run(outbox.commit, dm_alerts, now)
    lag = LoopLag()
    started = time.time()
    await database.run(outbox.commit, [urgent], now)
    delivering = asyncio.create_task(dispatcher.run_forever())
    dispatcher.wake()

    async def delivered() -> bool:
        if delivering.done():
            delivering.result()
        return await database.run(outbox.pending_count) == 0

    expected = (channels + DM_REQUESTS * dms) / GLOBAL_RATE
    await _until(delivered, 3 * expected + 120, every=0.5)
    lag_p99, lag_max = await lag.stop()
    rss, peak = _rss_mb()
    delivering.cancel()
    await asyncio.gather(delivering, return_exceptions=True)
    await transport.close()
    database.close()
    async with aiohttp.ClientSession(url) as http:
        messages = await (await http.get("/_fake/messages")).json()
        limits = await (await http.get("/_fake/limits")).json()
    at_channel = sorted(m["at"] - started for m in messages if m["guild_id"] is not None)
    at_dm = sorted(m["at"] - started for m in messages if m["recipient_id"] is not None)
    refused = [{"at": r["at"] - started, "scope": r["scope"]} for r in limits["refused"]]
    return Figures(channels, dms, at_channel[-1] if at_channel else float("nan"),
                   at_channel[min(49, len(at_channel) - 1)] if at_channel else float("nan"),
                   at_dm[-1] if at_dm else float("nan"), refused, limits.get("admitted", 0),
                   len(at_channel), len(at_dm), lag_p99, lag_max, rss, peak)


def report(f: Figures) -> None:
    floor = f.channels / GLOBAL_RATE
    scopes = statistics.multimode([r["scope"] for r in f.refused]) if f.refused else []
    print(f"fan-out: one urgent alert to {f.channels:,} servers, {f.dms:,} subscription DMs queued before it")
    print(f"  every channel reached in {f.all_channels:.1f} s (floor {floor:.0f} s, target < {1.1 * floor:.0f} s); "
          f"first 50 channels in {f.first_50:.2f} s (target < 2 s)")
    print(f"  every DM in {f.all_dms:.1f} s (floor {(f.channels + DM_REQUESTS * f.dms) / GLOBAL_RATE:.0f} s: "
          f"{DM_REQUESTS} requests per DM); {f.admitted:,} requests taken by Discord")
    print(f"  429s received: {len(f.refused)} ({', '.join(scopes) or 'none'}), "
          f"{max(0, len(f.refused) - 1)} after the first"
          + (f"; first at {f.refused[0]['at']:.1f} s, last at {f.refused[-1]['at']:.1f} s" if f.refused else ""))
    print(f"  messages: {f.channel_copies:,} at channels, {f.dm_copies:,} by DM (one each expected)")
    print(f"  event loop lag p99 {f.lag_p99_ms:.1f} ms, max {f.lag_max_ms:.1f} ms; RSS {f.rss_mb:.0f} MB "
          f"(peak {f.peak_rss_mb:.0f} MB)\n")
    record(f"fanout: every channel of {f.channels:,}", f.all_channels, "s", 1.1 * floor)
    record("fanout: first 50 channels", f.first_50, "s", 2)
    record("fanout: 429s after the first", max(0, len(f.refused) - 1), "429s", 1)
    record("fanout: peak RSS", f.peak_rss_mb, "MB", None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench fanout", description=__doc__.split("\n\n")[0])
    parser.add_argument("--channels", type=int, default=CHANNELS, help=f"servers, one channel each ({CHANNELS:,})")
    parser.add_argument("--dms", type=int, default=DMS, help=f"people, one DM each ({DMS:,})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK[0]} channels and {QUICK[1]:,} DMs")
    args = parser.parse_args(argv)
    channels, dms = QUICK if args.quick else (args.channels, args.dms)
    figures = asyncio.run(run(channels, dms))
    report(figures)
    ok = (figures.all_channels < 1.1 * channels / GLOBAL_RATE and figures.first_50 < 2 and len(figures.refused) <= 1
          and figures.channel_copies == channels and figures.dm_copies == dms)
    return 0 if ok else 1
