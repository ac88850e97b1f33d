"""`!signals #N`: a server's watch is asked for by the number `!watches` gives it, and a name that is not there is
answered with the watch listed under its own name."""

from __future__ import annotations

from alerts.market.calendar import TradingCalendar
from alerts.rules.loader import default_rules
from bot.jobs.engine import RuleEngine
from bot.jobs.records import SignalRecords
from tests.bot.test_commands import ADMIN, ask, seeded_file  # noqa: F401 - fixtures
from tests.conftest import publisher


async def test_a_watch_is_asked_for_by_its_number(ask):
    assert not (await ask("!watch ^RUT move 15 12%", ADMIN)).error
    engine = RuleEngine(database=ask.database, rules=default_rules(), calendar=TradingCalendar(),
                        publish=publisher(ask.database, ask.clock), clock=ask.clock,
                        records=SignalRecords(ask.database, ask.clock))
    await engine.judge_sessions()
    one = await ask("!signals #1", ADMIN)
    assert not one.error and one.title == "Watch #1 ^RUT move 15 12%"
    assert [name for name, _ in one.fields][0] == "record: the last 12"
    missing = await ask("!signals #2", ADMIN)
    assert missing.error and "#1 (Watch #1 ^RUT move 15 12%)" in missing.lines[0]
    assert "watch:99:1" not in " ".join(missing.lines)
    spaced = await ask("!signals Watch #1", ADMIN)
    assert spaced.error and "!signals #1" in spaced.title + " ".join(spaced.lines)
