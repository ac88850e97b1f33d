"""What a long-running rotobot keeps in memory stays bounded: history only for symbols a rule reads, throttling
only for people who typed recently (issue 10, item 9)."""

from __future__ import annotations

import gc
import tracemalloc
from datetime import datetime, timedelta, timezone

from alerts.market.calendar import NEW_YORK, TradingCalendar
from alerts.market.models import DailyBar, Quote
from alerts.rules.loader import default_rules
from bot.commands.catalog import build_router
from bot.commands.router import REMEMBERED_USERS, WINDOW_SECONDS, Caller
from bot.jobs.engine import RuleEngine
from storage import prices, subscriptions
from storage.database import Database
from tests.conftest import Clock, publisher


async def test_history_is_kept_only_for_symbols_a_rule_still_reads(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    clock = Clock(datetime(2025, 12, 11, 11, 0, tzinfo=NEW_YORK))
    fetched = datetime(2025, 12, 11, tzinfo=timezone.utc)
    symbols = [f"T{n}" for n in range(30)]
    for symbol in symbols:
        database.call(prices.store_bars, [DailyBar(symbol, datetime(2025, 12, 10).date(), 10.0, "yahoo", fetched)])
        database.call(subscriptions.add, subscriptions.Subscription(7, 1, symbol, "move", clock(), 3.0))
    jobs = RuleEngine(database=database, rules=default_rules(), calendar=TradingCalendar(),
                     publish=publisher(database, clock), clock=clock)
    quotes = [Quote(s, 10.1, clock(), "yahoo", clock(), 10.0) for s in symbols]
    await jobs.judge_quotes(quotes)
    assert set(symbols) <= set(jobs._history)
    for symbol in symbols[5:]:
        database.call(subscriptions.remove, 7, 1, symbol)  # churn: most of them unsubscribed
    await jobs.judge_quotes(quotes)
    assert set(jobs._history) <= set(symbols[:5]) | {s for rule in default_rules() for s in rule.symbols}
    database.close()


async def test_the_history_kept_between_polls_costs_a_few_bytes_a_session_and_no_object(tmp_path):
    """The engine keeps the history of every symbol a subscription reads, all day. 5,000 tickers with a year and a
    half each are 1.4 million sessions (python -m bench scale): as Point objects, 170 bytes and one object each,
    220 MiB that every full garbage collection walked, a third of a second at a time with the event loop
    waiting."""
    database = Database.open(tmp_path / "rotobot.db")
    clock = Clock(datetime(2025, 12, 11, 11, 0, tzinfo=NEW_YORK))
    fetched = datetime(2025, 12, 10, tzinfo=timezone.utc)
    symbols, sessions = [f"T{n}" for n in range(4)], 3_000
    first = datetime(2015, 1, 1).date()
    for symbol in symbols:
        database.call(prices.store_bars, [DailyBar(symbol, first + timedelta(days=d), 10.0 + d % 7, "yahoo", fetched,
                                                   high=11.0 + d % 7, low=9.0) for d in range(sessions)])
        database.call(subscriptions.add, subscriptions.Subscription(7, 1, symbol, "high_52w", clock()))
    jobs = RuleEngine(database=database, rules=[], calendar=TradingCalendar(),
                      publish=publisher(database, clock), clock=clock)
    quotes = [Quote(s, 10.1, clock(), "yahoo", clock(), 10.0) for s in symbols]
    await jobs.judge_quotes(quotes)  # the subscription index is built: what follows measures the history alone
    jobs._history.clear()
    gc.collect()
    objects = len(gc.get_objects())
    tracemalloc.start()
    try:
        await jobs.judge_quotes(quotes)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    kept = len(symbols) * sessions
    assert sum(len(jobs._history[s]) for s in symbols) == kept
    assert held / kept < 64, f"{held / kept:.0f} bytes a session"
    assert len(gc.get_objects()) - objects < kept / 100, "the history holds an object per session"
    database.close()


async def test_throttling_forgets_people_who_have_been_quiet_a_whole_window():
    router = build_router("!")
    start = datetime(2025, 12, 11, tzinfo=timezone.utc).timestamp()
    for user in range(1, REMEMBERED_USERS + 2):
        router._throttle(Caller(user_id=user, guild_id=1), start)
    assert len(router._recent) == REMEMBERED_USERS + 1
    router._throttle(Caller(user_id=REMEMBERED_USERS + 5, guild_id=1), start + WINDOW_SECONDS)
    assert len(router._recent) == 1  # only the one who just typed
