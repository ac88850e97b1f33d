"""Review D: the signal cache drops a rule no longer run (storage/signal_records.py), also when the operator has
left no close rule at all and no server has a watch: `!signals` must not keep showing the old rules' records."""

from __future__ import annotations

from alerts.market.calendar import TradingCalendar
from alerts.rules.loader import default_rules
from bot.jobs.engine import RuleEngine
from bot.jobs.records import SignalRecords
from storage import signal_records
from tests.bot.test_commands import ask  # noqa: F401 - fixtures
from tests.conftest import publisher


def engine(ask, rules) -> RuleEngine:
    return RuleEngine(database=ask.database, rules=rules, calendar=TradingCalendar(),
                      publish=publisher(ask.database, ask.clock), clock=ask.clock,
                      records=SignalRecords(ask.database, ask.clock))


async def test_the_last_close_rule_removed_leaves_the_signal_cache_too(ask):
    await engine(ask, default_rules()).judge_sessions()
    assert {rule.id for rule in default_rules() if rule.kind != "move"} & {
        r.rule_id for r in ask.database.call(signal_records.cached_rules, 1, 12)}
    intraday_only = [rule for rule in default_rules() if getattr(rule, "basis", "close") == "intraday"]
    await engine(ask, intraday_only).judge_sessions()  # the operator's [rules] now has no close rule; a restart
    assert ask.database.call(signal_records.cached_rules, 1, 12) == []
