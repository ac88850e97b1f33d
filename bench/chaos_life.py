"""One life of the kill-anywhere child: rotobot's real parts on a simulated clock, resuming the week where the
last life left it, until the week is over or it is killed.

The parts are the ones the app composes (bot/app.py): the database, the market, FOMC and engine jobs, the
publisher, the dispatcher, the real Discord transport (logged in to a loopback Discord) and the real webhook
transport (to a loopback webhook). Each step of the week runs, then the dispatcher delivers everything due; only
then is the step recorded as done, so a kill anywhere re-runs the step it interrupted. Steps are what the
scheduler would run at those instants, and each is safe to run twice: that is part of what is being tested.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp

from alerts.fomc.bundled import bundled_decisions, bundled_meetings
from alerts.market.calendar import TradingCalendar
from alerts.market.source_client import RetryPolicy, SourceClient
from alerts.payloads import NoticeAlert, Operator
from bench import chaos_world as world
from bot.commands.catalog import build_router
from bot.commands.context import CommandContext
from bot.commands.router import Caller
from bot.commands.subscriptions import parse_subscription
from bot.dispatch import Dispatcher
from bot.jobs.engine import RuleEngine
from bot.jobs.fomc import FomcJobs
from bot.jobs.publish import make_publisher
from bot.jobs.wrap import daily_wrap
from bot.metrics import standard
from bot.pipeline import build_market
from bot.secret import Secret
from bot.settings import load_settings
from bot.transports.discord import DiscordTransport
from bot.transports.webhook import WebhookTransport
from bot.wiring import configured_rules, needed_symbols
from storage import fomc, guild_settings, prices, subscriptions
from storage.database import Database
from storage.subscriptions import Subscription
from tests.fake_discord import discord_py_pointed_at

NY = ZoneInfo("America/New_York")
GROUP_WINDOW = 0.02  # seconds; the real default is 1 s, which would only make the harness slow
READY_WITHIN = 60.0


@dataclass(frozen=True)
class Places:
    """Where this life's files and the parent's loopback servers are."""

    database: Path
    progress: Path
    discord_url: str
    fed_url: str
    webhook_url: str


class SimulatedClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def done_steps(progress: Path) -> int:
    """How many steps of the week earlier lives finished (0 for the first life)."""
    try:
        return json.loads(progress.read_text())["done"]
    except (FileNotFoundError, ValueError, KeyError):
        return 0


def _record(progress: Path, done: int) -> None:
    """Atomically, and durably before the next step starts: a kill leaves the old count or the new one."""
    temporary = progress.with_suffix(".tmp")
    with temporary.open("w") as handle:
        handle.write(json.dumps({"done": done}))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, progress)
    folder = os.open(progress.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


async def live(places: Places, week: world.Week, bars: dict, calendar: TradingCalendar, say: callable) -> int:
    """Run the rest of the week; returns 0 once it is over. `say("ready")` once the parts are up, and
    `say("step N")` as each step begins: the parent aims its kills by them."""
    start = done_steps(places.progress)
    if start >= len(week.steps):
        return 0
    clock = SimulatedClock(week.steps[start].at)
    settings = load_settings(environ={
        "ROTOBOT_STORAGE_DATABASE": str(places.database),
        "ROTOBOT_DISCORD_ALERT_CHANNEL_ID": str(world.ALPHA_OPS),
        "ROTOBOT_MARKET_WATCHLIST": "^RUT,^NDX,IWM,QQQ",
        "ROTOBOT_MARKET_BASKET": "KRE,AAON,ROAD",
    })
    database = Database.open(places.database)
    try:
        with discord_py_pointed_at(places.discord_url):
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
                return await _live(places, week, bars, calendar, say, start, clock, settings, database, session)
    finally:
        database.close()


async def _live(places, week, bars, calendar, say, start, clock, settings, database, session) -> int:
    router = build_router(settings.discord.prefix)
    context = CommandContext(settings=settings, database=database, now=clock, started_at=clock(), calendar=calendar,
                             transports=("discord", "webhook"))
    discord = DiscordTransport(Secret("chaos-harness-token"), router=router, context=context, database=database,
                               on_fatal=lambda message: logging.error("fatal: %s", message),
                               alert_channel_id=world.ALPHA_OPS, clock=clock, group_window=GROUP_WINDOW,
                               sync_commands=False)
    discord.bot._connection.guild_ready_timeout = 0.5  # the loopback sends every guild at once
    webhook = WebhookTransport(Secret(places.webhook_url), session)
    await discord.start()
    try:
        await asyncio.wait_for(_connected(discord), READY_WITHIN)
        metrics = standard()
        dispatcher = Dispatcher(database, [discord, webhook], clock, NY, metrics=metrics)
        await dispatcher.recover()
        publish = make_publisher(database, dispatcher, clock, metrics)

        async def notify_text(key: str, text: str) -> None:
            await publish([NoticeAlert(key=f"operator|{key}|{clock():%Y-%m-%d}", topic=key, message=text,
                                       route=Operator(), occurred_at=clock())])

        async def notify(notice) -> None:
            await notify_text(f"{notice.source}|{notice.kind}", notice.text)

        engine = RuleEngine(database=database, rules=configured_rules(settings), calendar=calendar, publish=publish,
                           clock=clock)
        market = build_market(database, [world.SimulatedMarket(bars)], calendar,
                              symbols=needed_symbols(settings, database), notify=notify, clock=clock,
                              limits=settings.market, on_bars=engine.judge_sessions,
                              on_quotes=engine.judge_quotes).jobs
        quick = RetryPolicy(attempts=1)
        fed = FomcJobs(database=database, fed=SourceClient("fed", session, retry=quick),
                       fred=SourceClient("fred", session, retry=quick), fed_url=places.fed_url,
                       fred_url=places.fed_url, remind_hours=(24.0, 1.0), publish=publish, notify=notify_text,
                       clock=clock)
        if start > 0:
            await engine.judge_sessions()  # what the app does at every start
        say("ready")
        for index in range(start, len(week.steps)):
            say(f"step {index}")
            step = week.steps[index]
            clock.now = step.at
            await _run(step, week, bars, places, database, session, market, engine, fed, router, context, publish,
                       calendar, clock)
            await fed.remind()
            await dispatcher.run_once()
            _record(places.progress, index + 1)
        return 0
    finally:
        await discord.close()


async def _connected(discord: DiscordTransport) -> None:
    # wait_until_ready() raises until login() has begun; a short poll is the plain way to wait across that.
    while not discord.ready():
        await asyncio.sleep(0.01)


async def _run(step, week, bars, places, database, session, market, engine, fed, router, context, publish,
               calendar, clock) -> None:
    what = step.what
    if what == "seed":
        await database.run(_seed, week, bars, clock())
        await engine.judge_sessions()  # the states as of the last stored session, as at a first start
    elif what == "churn":
        for user_id, command in step.commands:
            person = week.person(user_id)
            caller = Caller(user_id=user_id, guild_id=person.guild_id,
                            channel_id=world.ALERT_CHANNEL[person.guild_id], is_admin=False, name=str(user_id))
            await router.dispatch(command, context, caller)
    elif what == "poll":
        await market.poll_quotes()
    elif what == "close":
        await market.close_job()
    elif what == "wrap":
        await daily_wrap(context, calendar, publish, clock)
    elif what == "fomc_window":
        await fed.poll_window()
    elif what == "publish_statement":
        await _control(session, f"{places.fed_url}/_control/publish")
    elif what == "delete_channel":
        await _control(session, f"{places.discord_url}/_fake/channels/{world.BRAVO_ALERTS}/delete")
    elif what == "webhook_down":
        await _control(session, f"{places.webhook_url.split('/api/')[0]}/_control/down")
    elif what == "webhook_up":
        await _control(session, f"{places.webhook_url.split('/api/')[0]}/_control/up")
    # "remind" and "settle": the reminders and the dispatcher run after every step anyway


async def _control(session: aiohttp.ClientSession, url: str) -> None:
    async with session.post(url) as response:
        response.raise_for_status()


def _seed(db, week: world.Week, bars: dict, now: datetime) -> None:
    """The world as it stands on Friday 5 December 2025 after the close (run once; safe to run again)."""
    for symbol, history in bars.items():
        prices.store_bars(db, [b for b in history if b.date <= world.SEED_UNTIL])
    fomc.upsert_meetings(db, bundled_meetings(), now)
    for decision in bundled_decisions():
        if decision.date < world.DAYS[0]:
            fomc.upsert_decision(db, decision, now)
    settings = {world.ALPHA: {"alert_channel": world.ALPHA_ALERTS, "alert_role": world.ALPHA_ROLE, "daily_wrap": True,
                              **world.ALPHA_LINES},
                world.BRAVO: {"alert_channel": world.BRAVO_ALERTS, "alert_role": world.BRAVO_ROLE},
                world.CHARLIE: {"alert_channel": world.CHARLIE_ALERTS}}
    for guild, values in settings.items():
        for key, value in values.items():
            guild_settings.set_value(db, guild, key, value, now)
    for user_id, command in week.subscriptions:
        person = week.person(user_id)
        symbol, kinds, here = parse_subscription(command.split()[1:])
        for kind, threshold in kinds:
            subscriptions.add(db, Subscription(person.guild_id, user_id, symbol, kind, now, threshold,
                                               world.ALERT_CHANNEL[person.guild_id] if here else None))
