"""`!rotation` from a stored database: the database reads, the view and the rendering, Discord excluded.

A real SQLite file is seeded with the bundled history (forty years of ^RUT, ninety of ^NDX, the basket) and the
FOMC calendar, the close-based rules judge it as the bot does at start (so the record rule's state exists), and
quotes are stored for the legs and the basket members with recent closes. Prints the median of 20 answers
(target: under 50 ms), the same without the record rule's state (the small leg is then read in full), and the
median of 5 chart renders.
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
from bot.commands.context import CommandContext
from bot.jobs.engine import RuleEngine
from bot.jobs.seed import seed_fomc_if_empty, seed_if_empty
from bot.rotation_reads import load_rotation_facts
from bot.rotation_reply import rotation_reply
from bot.rotation_rule import spread_rule
from bot.settings import load_settings
from bot.wiring import configured_rules
from storage import rule_state, outbox, prices, quotes
from storage.database import Database

NOW = datetime(2026, 2, 24, 16, 0, tzinfo=timezone.utc)  # 11:00 in New York, the day after the last bundled ^RUT bar
RUNS, CHART_RUNS = 20, 5
TODAY = NOW.astimezone(NEW_YORK).date()


async def _prepare(database: Database, settings) -> None:
    await seed_if_empty(database, NOW)
    await seed_fomc_if_empty(database, NOW)

    async def publish(alerts, states=(), also=None):
        return await database.run(outbox.commit, list(alerts), NOW, list(states), also)

    await RuleEngine(database=database, rules=configured_rules(settings), calendar=TradingCalendar(), publish=publish,
                    clock=lambda: NOW).judge_sessions()
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
        finally:
            database.close()

    print(f"!rotation from a seeded SQLite file ({bars:,} daily bars; seeding and judging took {prepared:.1f} s), "
          f"medians of {RUNS} answers, Discord excluded:")
    print(f"  reads + rotation_view + render: {answer:.1f} ms (best {best:.1f}; target < 50 ms), of which the "
          f"database reads {reads:.1f} ms ({read_rows:,} closes read)")
    print(f"  without the record rule's state (the small leg read in full): {cold:.1f} ms")
    print(f"  chart render, median of {CHART_RUNS}: {chart:.0f} ms (the first, importing matplotlib: "
          f"{first_chart * 1000:.0f} ms); !rotation chart end to end: {with_chart:.0f} ms\n")
    record("!rotation from stored state", answer, "ms", 50)
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
