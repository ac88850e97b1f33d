"""Review 4: the outbox's new subscription check drops the alerts and states of a rule that is no subscription.

storage/outbox.py `commit` (since "An alert of a subscription removed since it was judged is not queued") treats
every rule id of the form "sub:<digits>" as a subscription's, and drops the alert and the state of any such rule
whose subscription row does not exist. But a rules file may name its rules freely: alerts/rules/checks.py
`rule_id` only refuses '|' and surrounding spaces, so `id = "sub:1"` is a valid id of a rules-file rule. Such a
rule never has a subscription row, so `_gone_subscriptions` calls it "removed since judged": its state is never
written (every look is its first look) and its alerts are never queued. The trader's rule is silent for ever, with
no error and no log line. Before the check, the same rule alerted like any other.

Fix: tell subscriptions apart by what they are, not by how their id looks: pass the ids of the subscription rules
the engine judged (e.g. `commit(..., subscription_ids=...)` from the subscription index), or refuse rule ids with
the reserved "sub:" prefix in the rules loader.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from alerts.market.calendar import NEW_YORK, TradingCalendar
from alerts.market.models import DailyBar
from alerts.rules.loader import load_rules
from bot.jobs.engine import RuleEngine
from storage import outbox, prices
from storage.database import Database
from tests.conftest import Clock, publisher
from tests.upstream import RUT, between, history

RUT_BARS = history(RUT)
CALENDAR = TradingCalendar()


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def store(db, bars) -> None:
    fetched = datetime(2025, 12, 12, tzinfo=timezone.utc)
    db.call(prices.store_bars, [DailyBar("^RUT", b.date, b.close, "yahoo", fetched, b.open, b.high, b.low, b.volume)
                                for b in bars])


async def _records_of_rule(tmp_path, rule_id: str) -> list[str]:
    database = Database.open(tmp_path / f"{rule_id.replace(':', '_')}.db")
    try:
        rules = load_rules(f'[[rules]]\nkind = "new_high"\nsymbol = "^RUT"\nid = "{rule_id}"\n', source="rules.toml")
        clock = Clock(ny(2025, 12, 3, 17, 0))
        engine = RuleEngine(database=database, rules=rules, calendar=CALENDAR, publish=publisher(database, clock),
                            clock=clock)
        store(database, between(RUT_BARS, date(2024, 1, 1), date(2025, 12, 3)))
        await engine.judge_sessions()  # the first look sets the state
        store(database, between(RUT_BARS, date(2025, 12, 4), date(2025, 12, 11)))
        clock.now = ny(2025, 12, 12, 3, 10)
        await engine.judge_sessions()
        return [q.key for q in reversed(database.call(outbox.recent, 100))]
    finally:
        database.close()


async def test_a_rules_file_rule_named_sub_1_alerts_like_any_other(tmp_path):
    plain = await _records_of_rule(tmp_path, "rut-records")
    assert len(plain) == 3, plain  # the real ^RUT closes of 4, 10 and 11 Dec 2025 were records


@pytest.mark.parametrize("reserved", ["sub:1", "sub:anything", "rotation@42"])
def test_a_rules_file_may_not_take_an_id_the_engine_keeps_for_subscriptions_or_servers(reserved):
    """The fix: such an id is refused when the file is read, with what to do instead, never silenced later."""
    from alerts.rules.loader import RuleFileError

    with pytest.raises(RuleFileError) as refused:
        load_rules(f'[[rules]]\nkind = "new_high"\nsymbol = "^RUT"\nid = "{reserved}"\n', source="rules.toml")
    assert "kept for subscriptions" in str(refused.value) and "rut-records" in str(refused.value)


def test_a_rules_file_may_not_take_an_id_the_engine_keeps_for_servers_watches():
    """A watch is "watch:<guild>:<number>": a file rule under that id would share its state and its alert keys."""
    from alerts.rules.loader import RuleFileError

    with pytest.raises(RuleFileError) as refused:
        load_rules('[[rules]]\nkind = "new_high"\nsymbol = "^RUT"\nid = "watch:7:1"\n', source="rules.toml")
    assert "kept for servers' watches" in str(refused.value) and "rut-records" in str(refused.value)
