"""Review 4: a rules-file rule id such as "sub:²" or "sub:99999999999999999999" makes every commit of the engine
raise, so no rule alerts at all (and `rotobot run` dies at start-up with a traceback).

storage/outbox.py `_gone_subscriptions` (new with the subscription check) picks the rule ids that look like a
subscription's with `r.startswith("sub:") and r[4:].isdigit()` and then calls `int(r[4:])` and binds it as a
SQLite parameter. `str.isdigit()` is true for '²' (and other Unicode digits int() refuses), so int() raises
ValueError; a run of 20 digits is a valid int that SQLite cannot bind, so the query raises OverflowError. Both ids
pass the rules loader (alerts/rules/checks.py `rule_id` only refuses '|' and surrounding spaces), and the engine
commits every rule's states and alerts in one outbox.commit, so the one odd id takes down the built-in rotation
and record rules with it, on every run. App._start calls `engine.judge_sessions()` before anything else runs, so
the bot does not even start; bad input never gets its clear message.

Fix: recognise subscription rule ids exactly (`re.fullmatch(r"sub:[0-9]{1,18}", r)`, ASCII digits, bounded), or
better pass the subscription ids the engine judged instead of parsing ids; refuse the reserved prefix in a rules file.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from alerts.market.calendar import NEW_YORK, TradingCalendar
from alerts.market.models import DailyBar
from alerts.rules.loader import default_rules, load_rules
from bot.jobs.engine import RuleEngine
from storage import outbox, prices
from storage.database import Database
from tests.conftest import Clock, publisher
from tests.upstream import NDX, RUT, between, history

CALENDAR = TradingCalendar()


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def store(db, symbol, bars) -> None:
    fetched = datetime(2025, 12, 12, tzinfo=timezone.utc)
    db.call(prices.store_bars, [DailyBar(symbol, b.date, b.close, "yahoo", fetched, b.open, b.high, b.low, b.volume)
                                for b in bars])


@pytest.mark.parametrize("odd_id", ["sub:\u00b2", "sub:99999999999999999999"])
async def test_one_odd_rule_id_in_a_rules_file_never_stops_the_other_rules_alerting(tmp_path, odd_id):
    # The loader accepts the id: nothing tells the operator it is special.
    (odd,) = load_rules(f'[[rules]]\nkind = "new_high"\nsymbol = "^NDX"\nid = "{odd_id}"\n', source="rules.toml")
    database = Database.open(tmp_path / "rotobot.db")
    try:
        clock = Clock(ny(2025, 12, 3, 17, 0))
        engine = RuleEngine(database=database, rules=[*default_rules(), odd], calendar=CALENDAR,
                            publish=publisher(database, clock), clock=clock)
        for symbol, bars in (("^RUT", history(RUT)), ("^NDX", history(NDX))):
            store(database, symbol, between(bars, date(2024, 1, 1), date(2025, 12, 3)))
        await engine.judge_sessions()  # the first look sets the states (App._start does this at start-up)
        for symbol, bars in (("^RUT", history(RUT)), ("^NDX", history(NDX))):
            store(database, symbol, between(bars, date(2025, 12, 4), date(2025, 12, 11)))
        clock.now = ny(2025, 12, 12, 3, 10)
        await engine.judge_sessions()
        keys = [q.key for q in database.call(outbox.recent, 100)]
    finally:
        database.close()
    # The built-in ^RUT record rule alerts on the real records of 4, 10 and 11 Dec 2025, whatever the odd rule does.
    assert {"new_high:^RUT:close|^RUT|2025-12-04", "new_high:^RUT:close|^RUT|2025-12-11"} <= set(keys)
