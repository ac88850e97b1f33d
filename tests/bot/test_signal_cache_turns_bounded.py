"""The signal cache's budget bounds the work of a close, never a rule's turn: with more stale rules than the budget,
shared or a server's, every rule is computed again within ceil(rules / budget) closes, close after close
(bot/jobs/records.py `_turns`)."""

from __future__ import annotations

import math
from datetime import date

from alerts.payloads import Server
from alerts.rules.loader import default_rules
from bot.jobs.records import SignalRecords
from storage import prices, signal_records
from tests.bot.test_signal_records import stored_watches, world  # noqa: F401 - fixture

CLOSES = (date(2025, 11, 21), date(2025, 11, 24), date(2025, 11, 25), date(2025, 11, 26), date(2025, 11, 28),
          date(2025, 12, 1), date(2025, 12, 2), date(2025, 12, 3))


async def test_every_rule_is_computed_again_within_a_bounded_number_of_closes(world):
    database, clock = world
    watches = stored_watches(database, range(1, 4))
    rules = [*default_rules(), *watches]
    routes = {rule.id: Server(int(rule.id.split(":")[1])) for rule in watches}
    budget = 2
    records = SignalRecords(database, clock, budget=budget)
    stored = database.call(prices.history_points, ["^RUT", "^NDX"])
    bound = math.ceil(len(rules) / budget)
    for n, close in enumerate(CLOSES):
        assert await records.refresh(rules, routes, {s: [p for p in points if p.date <= close]
                                                     for s, points in stored.items()}) == budget
        if n + 1 < bound:
            continue
        through = {rule.rule_id: rule.through for rule in database.call(signal_records.cached_rules, 1, 12)}
        behind = {rule.id: CLOSES.index(through[rule.id]) if rule.id in through else None for rule in rules}
        assert all(last is not None and n - last < bound for last in behind.values()), (close, behind)
