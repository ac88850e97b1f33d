"""Review D: an !unwatch that lands while the close is being judged (the judging runs on a worker thread, the
signal cache after it) must leave the watch gone everywhere, its signal cache included: storage/watches.py says
!signals never shows a removed watch."""

from __future__ import annotations

from alerts.market.calendar import TradingCalendar
from alerts.rules.loader import default_rules
from bot.jobs.engine import RuleEngine
from bot.jobs.records import SignalRecords
from storage import signal_records, watches
from tests.bot.test_commands import ADMIN, ask  # noqa: F401 - fixtures
from tests.conftest import publisher


async def test_a_watch_removed_while_its_close_is_judged_does_not_come_back_in_the_signal_cache(ask):
    assert not (await ask("!watch ^RUT move 15 12%", ADMIN)).error
    publish = publisher(ask.database, ask.clock)

    async def unwatched_meanwhile(alerts, states=(), **kwargs):
        # The admin's !unwatch 1 commits between the judging and the queueing (the outbox drops its alert and state)
        assert (await ask("!unwatch 1", ADMIN)).title == "Watch #1 removed"
        return await publish(alerts, states, **kwargs)

    engine = RuleEngine(database=ask.database, rules=default_rules(), calendar=TradingCalendar(),
                        publish=unwatched_meanwhile, clock=ask.clock, records=SignalRecords(ask.database, ask.clock))
    await engine.judge_sessions()
    assert ask.database.call(watches.for_guild, 99) == []
    cached = {rule.rule_id for rule in ask.database.call(signal_records.cached_rules, 1, 12)}
    assert "watch:99:1" not in cached
    reply = await ask("!signals", ADMIN)
    assert not any("Watch #1" in name or "watch:" in name for name, _ in reply.fields)
