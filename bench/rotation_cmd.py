"""`!rotation` from a stored database: the database reads, the view and the rendering, Discord excluded.

A real SQLite file is seeded with the bundled history (forty years of ^RUT, ninety of ^NDX, the basket) and the
FOMC calendar, the close-based rules judge it as the bot does at start (so the record rule's state exists), and
quotes are stored for the legs and the basket members with recent closes. Prints the median of 20 answers
(target: under 50 ms), the same without the record rule's state (the small leg is then read in full), and the
median of 5 chart renders. The engine keeps the signal cache as the app does, so `!signals` is timed too, on a
cache of forty years of the default rules (target: under 50 ms).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from alerts.market.calendar import NEW_YORK, TradingCalendar
from alerts.market.models import Quote
from bot.charts import rotation_chart
from bot.commands.catalog import build_router
from bot.commands.context import CommandContext
from bot.commands.router import Caller
from bot.commands.signals import SHOWN
from bot.jobs.records import SignalRecords
from bot.jobs.engine import RuleEngine
from bot.jobs.seed import seed_fomc_if_empty, seed_if_empty
from bot.rotation_reads import load_rotation_facts
from bot.rotation_reply import rotation_reply
from bot.rotation_rule import spread_rule
from bot.settings import load_settings
from bot.wiring import configured_rules
from storage import guild_settings, rule_state, outbox, prices, quotes, signal_records
from storage.database import Database

NOW = datetime(2026, 2, 24, 16, 0, tzinfo=timezone.utc)  # 11:00 in New York, the day after the last bundled ^RUT bar
RUNS, CHART_RUNS = 20, 5
SERVERS_WITH_LINES = 10
TODAY = NOW.astimezone(NEW_YORK).date()


def _publisher(database: Database):
    async def publish(alerts, states=(), also=None):
        return await database.run(outbox.commit, list(alerts), NOW, list(states), also)

    return publish


async def _prepare(database: Database, settings) -> None:
    await seed_if_empty(database, NOW)
    await seed_fomc_if_empty(database, NOW)
    publish = _publisher(database)
    # With the signal cache, as the app wires it: its ledgers are computed here, over all the bundled history.
    await RuleEngine(database=database, rules=configured_rules(settings), calendar=TradingCalendar(), publish=publish,
                     clock=lambda: NOW, records=SignalRecords(database, lambda: NOW)).judge_sessions()
    at = NOW - timedelta(seconds=40)
    for symbol in (settings.rotation.small, settings.rotation.large, *settings.market.basket):
        bar = await database.run(prices.last_bar, symbol)
        if bar is not None and (NOW.date() - bar.date).days < 7:  # polled symbols: the legs and live basket
            await database.run(quotes.save_quote, Quote(symbol, bar.close * 1.004, at, "yahoo", at, bar.close))


async def _median_ms(call, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000, min(samples) * 1000


async def _measure() -> None:
    settings = load_settings(environ={})
    with tempfile.TemporaryDirectory(prefix="rotobot-bench-") as folder:
        database = Database.open(Path(folder) / "rotobot.db")
        try:
            started = time.perf_counter()
            await _prepare(database, settings)
            prepared = time.perf_counter() - started
            bars = sum(c.sessions for c in await database.run(prices.coverage))
            context = CommandContext(settings=settings, database=database, now=lambda: NOW, started_at=NOW,
                                     calendar=TradingCalendar())
            await rotation_reply(context)  # warm: the session calendar is built once per bot, not per command
            answer, best = await _median_ms(lambda: rotation_reply(context), RUNS)

            rule = spread_rule(settings.rotation)
            facts = await database.run(load_rotation_facts, rule, settings.market.basket, TODAY)
            read_rows = sum(len(points) for points in facts.history.values())
            reads, _ = await _median_ms(
                lambda: database.run(load_rotation_facts, rule, settings.market.basket, TODAY), RUNS)

            await database.run(_forget_record_state, settings.rotation.small)
            cold, _ = await _median_ms(lambda: rotation_reply(context), RUNS)

            chart_facts = await database.run(load_rotation_facts, rule, settings.market.basket, TODAY, chart=True)
            end = max(p.date for p in chart_facts.history[rule.small])
            started = time.perf_counter()
            rotation_chart(chart_facts.history, rule, end)
            first_chart = time.perf_counter() - started
            samples = []
            for _ in range(CHART_RUNS):
                started = time.perf_counter()
                rotation_chart(chart_facts.history, rule, end)
                samples.append(time.perf_counter() - started)
            chart = statistics.median(samples) * 1000
            with_chart, _ = await _median_ms(lambda: rotation_reply(context, chart=True), CHART_RUNS)

            router = build_router(settings.discord.prefix)
            # Servers with their own spread lines each have a rule of their own in the cache, computed here.
            for guild in range(1, SERVERS_WITH_LINES + 1):
                await database.run(guild_settings.set_value, guild, "upper", 4.0 + guild / 10, NOW)
            started = time.perf_counter()
            await RuleEngine(database=database, rules=configured_rules(settings), calendar=TradingCalendar(),
                             publish=_publisher(database), clock=lambda: NOW,
                             records=SignalRecords(database, lambda: NOW)).judge_sessions()
            computed = time.perf_counter() - started
            cached = await database.run(signal_records.cached_rules, SHOWN, settings.rules.record_last)
            firings = await database.run(lambda db: db.execute("SELECT count(*) FROM signal_firings").fetchone()[0])
            server = Caller(user_id=0, guild_id=1, is_admin=False)  # user 0: the router throttles nobody here
            signals, _ = await _median_ms(lambda: router.run("signals", [], context, server), RUNS)
            one_rule, _ = await _median_ms(lambda: router.run("signals", ["spread"], context, server), RUNS)
        finally:
            database.close()

    print(f"!rotation from a seeded SQLite file ({bars:,} daily bars; seeding and judging took {prepared:.1f} s), "
          f"medians of {RUNS} answers, Discord excluded:")
    print(f"  reads + rotation_view + render: {answer:.1f} ms (best {best:.1f}; target < 50 ms), of which the "
          f"database reads {reads:.1f} ms ({read_rows:,} closes read)")
    print(f"  without the record rule's state (the small leg read in full): {cold:.1f} ms")
    print(f"  chart render, median of {CHART_RUNS}: {chart:.0f} ms (the first, importing matplotlib: "
          f"{first_chart * 1000:.0f} ms); !rotation chart end to end: {with_chart:.0f} ms\n")
    print(f"!signals in a server with its own spread lines, from the signal cache ({len(cached)} rules: the default "
          f"two and {SERVERS_WITH_LINES} servers' own, {firings:,} firings kept; their ledgers computed in "
          f"{computed:.1f} s), medians of {RUNS}: {signals:.1f} ms; !signals spread: {one_rule:.1f} ms "
          "(target < 50 ms)\n")
    record("!rotation from stored state", answer, "ms", 50)
    record("!signals from the signal cache", signals, "ms", 50)
    record("!rotation chart render", chart, "ms")


from bench.summary import record  # noqa: E402


def _forget_record_state(db, small: str) -> None:
    state = rule_state.load_state(db, f"new_high:{small}:close", "*")
    if state is not None:
        rule_state.save_state(db, f"new_high:{small}:close", "*", {"last_session": state["last_session"]}, NOW)


def run() -> None:
    asyncio.run(_measure())


if __name__ == "__main__":
    run()
