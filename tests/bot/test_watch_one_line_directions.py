"""A spread watch with one line fires on that side only: `!backtest N` and `!signals #N` show only the direction it
can fire in, never a "large" line of a watch that has no below line."""

from __future__ import annotations

from alerts.market.calendar import TradingCalendar
from alerts.rules.loader import default_rules
from alerts.watch_grammar import parse_watch
from bot.jobs.engine import RuleEngine
from bot.jobs.records import SignalRecords
from tests.bot.test_commands import ADMIN, ask  # noqa: F401 - fixtures
from tests.conftest import publisher


def test_each_kind_of_watch_says_the_directions_it_fires_in():
    assert parse_watch("KRE/SPY spread 20 above 5".split()).directions == ("small",)
    assert parse_watch("KRE/SPY spread 20 below -5".split()).directions == ("large",)
    assert parse_watch("KRE/SPY spread".split()).directions == ("small", "large")
    assert parse_watch("^RUT ma 50".split()).directions == ("above", "below")
    assert parse_watch("^RUT move 15 12%".split()).directions == ("up", "down")


async def test_a_one_line_spread_watch_shows_only_the_side_it_watches(ask):
    assert not (await ask("!watch ^RUT/^NDX spread 20 above 5", ADMIN)).error
    assert not (await ask("!watch ^RUT/^NDX spread 20 below -5", ADMIN)).error
    above, below = await ask("!backtest 1", ADMIN), await ask("!backtest 2", ADMIN)
    assert any(line.startswith("**small**") for line in above.lines), above.lines
    assert not any(line.startswith("**large**") for line in above.lines), above.lines
    assert any(line.startswith("**large**") for line in below.lines)
    assert not any(line.startswith("**small**") for line in below.lines), below.lines

    engine = RuleEngine(database=ask.database, rules=default_rules(), calendar=TradingCalendar(),
                        publish=publisher(ask.database, ask.clock), clock=ask.clock,
                        records=SignalRecords(ask.database, ask.clock))
    await engine.judge_sessions()
    one = await ask("!signals #1", ADMIN)
    records = " ".join(value for name, value in one.fields if name.startswith("record"))
    assert "crossings into small caps" in records and "mega caps" not in records, records
    listed = dict((await ask("!signals", ADMIN)).fields)
    assert "into mega caps" not in listed["Watch #1 ^RUT/^NDX spread 20 above 5"]
    assert "into small caps" not in listed["Watch #2 ^RUT/^NDX spread 20 below -5"]
