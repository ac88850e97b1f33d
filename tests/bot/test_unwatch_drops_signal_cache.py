"""!unwatch takes the watch's signal cache with it, in the same transaction: !signals never shows a removed watch
until the next close."""

from __future__ import annotations

from alerts.market.calendar import TradingCalendar
from alerts.rules.loader import default_rules
from bot.jobs.engine import RuleEngine
from bot.jobs.records import SignalRecords
from storage import signal_records
from tests.bot.test_commands import ADMIN, ask, seeded_file  # noqa: F401 - fixtures
from tests.conftest import publisher


def cached(database) -> set[str]:
    return {rule.rule_id for rule in database.call(signal_records.cached_rules, 1, 12)}


async def test_unwatch_drops_the_watchs_signal_cache_at_once(ask):
    assert not (await ask("!watch ^RUT move 15 12%", ADMIN)).error
    engine = RuleEngine(database=ask.database, rules=default_rules(), calendar=TradingCalendar(),
                        publish=publisher(ask.database, ask.clock), clock=ask.clock,
                        records=SignalRecords(ask.database, ask.clock))
    await engine.judge_sessions()
    assert "watch:99:1" in cached(ask.database)
    assert (await ask("!unwatch 1", ADMIN)).title == "Watch #1 removed"
    assert "watch:99:1" not in cached(ask.database) and {r.id for r in default_rules()} <= cached(ask.database)
    rows = ask.database.call(lambda d: d.execute("SELECT count(*) FROM signal_firings WHERE rule_id = 'watch:99:1'")
                             .fetchone()[0])
    assert rows == 0  # its firings and records went with it
    reply = await ask("!signals", ADMIN)
    assert not any("Watch #1" in name or "watch:" in name for name, _ in reply.fields)

