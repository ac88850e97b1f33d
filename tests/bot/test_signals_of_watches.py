"""!signals and a server's watches: the watch's cached record is shown under the watch's own name ("Watch #1 ^RUT
move 15 12%", never the engine's id "watch:<guild>:<number>" or the label of a server's own spread lines), asked
for by its number, and gone with it at !unwatch, in the same transaction."""

from __future__ import annotations

from alerts.market.calendar import TradingCalendar
from alerts.rules.loader import default_rules
from bot.jobs.engine import RuleEngine
from bot.jobs.records import SignalRecords
from storage import signal_records
from tests.bot.test_commands import ADMIN, ask  # noqa: F401 - fixtures
from tests.conftest import publisher


async def close_with_the_signal_cache(ask) -> None:
    """The close job's engine, as the app wires it, with the signal cache it refreshes after judging."""
    engine = RuleEngine(database=ask.database, rules=default_rules(), calendar=TradingCalendar(),
                        publish=publisher(ask.database, ask.clock), clock=ask.clock,
                        records=SignalRecords(ask.database, ask.clock))
    await engine.judge_sessions()


async def test_signals_names_a_watch_as_its_server_knows_it_not_as_spread_lines(ask):
    assert not (await ask("!watch ^RUT move 15 12%", ADMIN)).error
    await close_with_the_signal_cache(ask)
    reply = await ask("!signals", ADMIN)
    names = [name for name, _ in reply.fields]
    [watch] = [name for name in names if "move 15" in name or name.startswith("watch:")]
    assert "(this server's lines)" not in watch and watch.startswith("Watch #1"), names


async def test_a_watch_is_asked_for_by_its_number(ask):
    assert not (await ask("!watch ^RUT move 15 12%", ADMIN)).error
    await close_with_the_signal_cache(ask)
    one = await ask("!signals #1", ADMIN)
    assert not one.error and one.title == "Watch #1 ^RUT move 15 12%"
    assert [name for name, _ in one.fields][0] == "record: the last 12"
    missing = await ask("!signals #2", ADMIN)
    assert missing.error and "#1 (Watch #1 ^RUT move 15 12%)" in missing.lines[0]
    assert "watch:99:1" not in " ".join(missing.lines)
    spaced = await ask("!signals Watch #1", ADMIN)
    assert spaced.error and "!signals #1" in spaced.title + " ".join(spaced.lines)


def cached(database) -> set[str]:
    return {rule.rule_id for rule in database.call(signal_records.cached_rules, 1, 12)}


async def test_unwatch_drops_the_watchs_signal_cache_at_once(ask):
    assert not (await ask("!watch ^RUT move 15 12%", ADMIN)).error
    await close_with_the_signal_cache(ask)
    assert "watch:99:1" in cached(ask.database)
    assert (await ask("!unwatch 1", ADMIN)).title == "Watch #1 removed"
    assert "watch:99:1" not in cached(ask.database) and {r.id for r in default_rules()} <= cached(ask.database)
    rows = ask.database.call(lambda d: d.execute("SELECT count(*) FROM signal_firings WHERE rule_id = 'watch:99:1'")
                             .fetchone()[0])
    assert rows == 0  # its firings and records went with it
    reply = await ask("!signals", ADMIN)
    assert not any("Watch #1" in name or "watch:" in name for name, _ in reply.fields)
