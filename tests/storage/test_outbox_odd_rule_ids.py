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

from datetime import datetime, timezone

import pytest

from alerts.market.calendar import NEW_YORK, TradingCalendar
from alerts.market.models import DailyBar
from alerts.rules.loader import load_rules
from storage import outbox, prices
from storage.database import Database

CALENDAR = TradingCalendar()


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def store(db, symbol, bars) -> None:
    fetched = datetime(2025, 12, 12, tzinfo=timezone.utc)
    db.call(prices.store_bars, [DailyBar(symbol, b.date, b.close, "yahoo", fetched, b.open, b.high, b.low, b.volume)
                                for b in bars])


@pytest.mark.parametrize("odd_id", ["sub:\u00b2", "sub:99999999999999999999"])
async def test_one_odd_rule_id_in_a_rules_file_never_stops_the_other_rules_alerting(tmp_path, odd_id):
    """The fix, at both depths: a rules file may not use the prefix at all, and the outbox recognises only the
    ids storage/subscriptions.py makes (ASCII digits, bounded), so an odd one never raises there."""
    from alerts.payloads import RecordAlert
    from alerts.rules.loader import RuleFileError

    with pytest.raises(RuleFileError):
        load_rules(f'[[rules]]\nkind = "new_high"\nsymbol = "^NDX"\nid = "{odd_id}"\n', source="rules.toml")
    database = Database.open(tmp_path / "rotobot.db")
    try:
        at = ny(2025, 12, 11, 16, 0)
        alert = RecordAlert(key=f"{odd_id}|^NDX|2025-12-11", message="x", occurred_at=at, rule_id=odd_id,
                            symbol="^NDX", session=at.date(), price=1.0, previous_record=0.5,
                            previous_record_date=at.date())
        assert database.call(outbox.commit, [alert], at, [(odd_id, "^NDX", {"record": 1.0})]) == [alert.key]
    finally:
        database.close()
