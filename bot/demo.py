"""`rotobot demo`: autumn 2025 replayed through the real jobs, engine, outbox and console, on a fast clock.

A temporary database is seeded with the bundled real history up to the end of August 2025. Then a simulated
clock walks through September to December: on each session day the close job stores that day's bars (served by
the bundled history as if it were a data source), the engine judges them, and the dispatcher prints what fired
through the console transport, with its real date; around each FOMC meeting the reminders fire, and at 2:00 pm
on decision day the decision is announced. Nothing touches the network, and the user's database is never used.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from alerts.fomc.announce import NEW_YORK, decision_time
from alerts.fomc.bundled import bundled_decisions, bundled_meetings
from alerts.market.bundled import BUNDLED_FILES, BundledProvider, bundled_history
from alerts.market.calendar import TradingCalendar
from alerts.rules.loader import default_rules
from bot.commands.catalog import build_router
from bot.commands.context import CommandContext
from alerts.timefmt import local_times
from bot.commands.reply import as_text
from bot.dispatch import Dispatcher
from bot.jobs.engine import RuleEngine
from bot.jobs.fomc import FomcJobs
from bot.jobs.market import MarketJobs
from bot.jobs.publish import make_publisher
from bot.pipeline import build_market
from bot.settings import load_settings
from bot.transports.console import ConsoleTransport
from bot.wiring import needed_symbols
from storage import fomc, prices
from storage.database import Database

HISTORY_UNTIL = date(2025, 8, 29)  # the last session stored before the demo starts
FIRST_DAY, LAST_DAY = date(2025, 9, 1), date(2025, 12, 31)
CLOSE_JOB = time(16, 20)


class SimulatedClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def run_demo(stdin: TextIO, stdout: TextIO, interactive: bool = False) -> int:
    logging.getLogger().setLevel(logging.WARNING)  # the demo's output is the alerts, not the job logs
    with tempfile.TemporaryDirectory(prefix="rotobot-demo-") as folder:
        database = Database.open(Path(folder) / "demo.db")
        try:
            return await _run(database, Path(folder), stdin, stdout, interactive)
        finally:
            database.close()


async def _run(database: Database, folder: Path, stdin: TextIO, stdout: TextIO, interactive: bool) -> int:
    settings = load_settings(environ={"ROTOBOT_STORAGE_DATABASE": str(folder / "demo.db")})
    zone = ZoneInfo(settings.display.timezone)
    clock = SimulatedClock(datetime.combine(HISTORY_UNTIL, time(17, 0), tzinfo=NEW_YORK))
    say = _printer(stdout)

    say("rotobot demo: the autumn of 2025 on real market history, replayed fast. No network, no Discord;")
    say(f"a temporary database in {folder}. History is stored up to {HISTORY_UNTIL}; then every session runs.\n")
    await _seed(database, clock())

    stopped = asyncio.Event()
    calendar = TradingCalendar()
    router = build_router(settings.discord.prefix)
    context = CommandContext(settings=settings, database=database, now=clock, started_at=clock(), calendar=calendar,
                             transports=("console",))
    console = ConsoleTransport(answer=lambda text: router.dispatch(text, context), on_eof=stopped.set, stdin=stdin,
                               stdout=stdout, interactive=False, zone=zone)
    dispatcher = Dispatcher(database, [console], clock, zone)
    publish = make_publisher(database, dispatcher, clock)

    async def quiet(notice) -> None:
        return None

    r = settings.rotation
    rules = default_rules(r.small, r.large, r.window, r.upper, r.lower, r.hysteresis)
    engine = RuleEngine(database=database, rules=rules, calendar=calendar, publish=publish, clock=clock)
    market = build_market(database, [BundledProvider(datetime.now(timezone.utc))], calendar,
                          symbols=needed_symbols(settings, database), notify=quiet, clock=clock,
                          limits=settings.market, on_bars=engine.judge_sessions).jobs
    fed = FomcJobs(database=database, fed=None, fred=None, fed_url="", fred_url="",
                   remind_hours=settings.fomc.remind_hours_before, publish=publish, notify=lambda k, t: quiet(t),
                   clock=clock)
    await engine.judge_sessions()  # the states as of the last stored session: nothing old is announced

    for moment, step in _timeline(calendar, settings.fomc.remind_hours_before):
        clock.now = moment
        await step(market, fed)
        await dispatcher.run_once()

    clock.now = datetime.combine(LAST_DAY, time(17, 0), tzinfo=NEW_YORK)
    say(f"\nAs of {LAST_DAY:%a %d %b %Y}, rotobot answers:\n{settings.discord.prefix}rotation")
    say(local_times(as_text(await router.dispatch(f"{settings.discord.prefix}rotation", context)), zone, clock()))
    say(f"{settings.discord.prefix}fomc")
    say(local_times(as_text(await router.dispatch(f"{settings.discord.prefix}fomc", context)), zone, clock()))
    if interactive:
        say("\nThe demo's database stays open until you quit (Ctrl-D). Try !price ^RUT or !help.")
        console._interactive = stdin.isatty()
        await console.start()
        await stopped.wait()
        await console.close()
    return 0


def _timeline(calendar: TradingCalendar, remind_hours: tuple[float, ...]):
    """(instant, step) in time order: reminders, decisions and the close job of every session day."""
    decisions = {d.date: d for d in bundled_decisions() if FIRST_DAY <= d.date <= LAST_DAY}
    steps = []
    for meeting in bundled_meetings():
        if meeting.end not in decisions:
            continue
        announced = decision_time(meeting)
        for hours in remind_hours:
            steps.append((announced - timedelta(hours=hours) + timedelta(minutes=1), _remind))
        decision = replace(decisions[meeting.end], source="bundled")
        steps.append((announced, _announcer(decision, announced)))
    autumn = calendar.spanning(FIRST_DAY, LAST_DAY)
    for day in autumn.sessions_between(FIRST_DAY, LAST_DAY):
        steps.append((datetime.combine(day, CLOSE_JOB, tzinfo=NEW_YORK), _close))
    return sorted(steps, key=lambda item: item[0])


async def _remind(market: MarketJobs, fed: FomcJobs) -> None:
    await fed.remind()


async def _close(market: MarketJobs, fed: FomcJobs) -> None:
    await market.close_job()


def _announcer(decision, released: datetime):
    async def announce(market: MarketJobs, fed: FomcJobs) -> None:
        await fed.record_and_announce(decision, released)

    return announce


async def _seed(database: Database, now: datetime) -> None:
    """History up to the demo's start, the FOMC calendar, and the decisions already taken by then."""
    fetched = now.astimezone(timezone.utc)
    for symbol in BUNDLED_FILES:
        bars = [b for b in await asyncio.to_thread(bundled_history, symbol, now=fetched) if b.date <= HISTORY_UNTIL]
        await database.run(prices.store_bars, bars)
    await database.run(fomc.upsert_meetings, bundled_meetings(), fetched)
    for decision in bundled_decisions():
        if decision.date < FIRST_DAY:
            await database.run(fomc.upsert_decision, decision, fetched)


def _printer(stdout: TextIO):
    def say(text: str) -> None:
        stdout.write(text + "\n")
        stdout.flush()

    return say


def main(interactive: bool) -> int:
    return asyncio.run(run_demo(sys.stdin, sys.stdout, interactive))
