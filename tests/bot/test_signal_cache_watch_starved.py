"""Review C: the signal cache's budget says "shared rules first, then the longest ago, so every rule's turn comes
round" (bot/jobs/records.py). Every shared rule is stale again after each close (a new session), and they always
sort first: with as many shared close rules as the budget, no server's watch is ever computed, close after close.
(Shown with the budget at 2 and the two default rules; the same holds for 40 shared close rules, a rules file of
records over a bank basket, at the real budget.)"""

from __future__ import annotations

from datetime import date

from alerts.payloads import Server
from alerts.rules.loader import default_rules
from alerts.watch_grammar import parse_watch
from alerts.watches import Watch, watch_rule
from bot.jobs.records import SignalRecords
from storage import prices, signal_records, watches
from tests.bot.test_signal_records import world  # noqa: F401 - fixture
from tests.bot.test_rule_engine import ny

CLOSES = (date(2025, 11, 26), date(2025, 11, 28), date(2025, 12, 1), date(2025, 12, 2), date(2025, 12, 3))


async def test_a_servers_watch_gets_its_turn_within_a_few_closes(world):
    database, clock = world
    made = Watch(1001, 0, parse_watch("^RUT move 15 12%".split()), created_by=5, created_at=ny(2025, 12, 1, 12))
    watch = database.call(watches.add, made, limit=20).watch  # stored as !watch does
    rules = [*default_rules(), watch_rule(watch)]
    routes = {watch.rule_id: Server(1001)}
    records = SignalRecords(database, clock, budget=len(default_rules()))
    stored = database.call(prices.history_points, ["^RUT", "^NDX"])
    for close in CLOSES:  # five daily closes, each landing one more session
        await records.refresh(rules, routes, {s: [p for p in points if p.date <= close] for s, points in stored.items()})
    cached = {rule.rule_id for rule in database.call(signal_records.cached_rules, 1, 12)}
    assert watch.rule_id in cached, f"after {len(CLOSES)} closes the cache holds only {sorted(cached)}"
