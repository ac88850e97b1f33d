"""Review C: `!signals` in a server with a watch. The watch's cached record is shown to its server (right), but
under the engine's internal id "watch:<guild>:<number>" and with " (this server's lines)", the label of a server's
own spread lines (!set upper ...): neither is how the server knows the watch ("Watch #1 ^RUT move 15 12%")."""

from __future__ import annotations

from alerts.market.calendar import TradingCalendar
from alerts.rules.loader import default_rules
from bot.jobs.engine import RuleEngine
from bot.jobs.records import SignalRecords
from tests.bot.test_commands import ADMIN, ask, seeded_file  # noqa: F401 - fixtures
from tests.conftest import publisher


async def test_signals_names_a_watch_as_its_server_knows_it_not_as_spread_lines(ask):
    assert not (await ask("!watch ^RUT move 15 12%", ADMIN)).error
    engine = RuleEngine(database=ask.database, rules=default_rules(), calendar=TradingCalendar(),
                        publish=publisher(ask.database, ask.clock), clock=ask.clock,
                        records=SignalRecords(ask.database, ask.clock))
    await engine.judge_sessions()
    reply = await ask("!signals", ADMIN)
    names = [name for name, _ in reply.fields]
    [watch] = [name for name in names if "move 15" in name or name.startswith("watch:")]
    assert "(this server's lines)" not in watch and watch.startswith("Watch #1"), names
