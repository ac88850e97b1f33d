"""Review C: one server's watch whose ledger cannot be made must not freeze the signal cache of every rule.

A watch on a FRED series whose only cross so far came at exactly 0.00 (T10Y2Y un-inverting) has a forward move of
+inf% (a percent of zero); TrackRecord refuses a non-finite median, so alerts/backtest/ledger.py raises, and
bot/jobs/records.py computes the whole batch in one call: nothing is saved. A never-computed rule of a server is
first in line at every close (records._turns), so the same batch fails again each day: the shared rotation rule's
record, every server's, never refreshes again."""

from __future__ import annotations

from datetime import date, datetime, timezone

from alerts.market.models import DailyBar
from alerts.rules.loader import default_rules
from alerts.watch_grammar import parse_watch
from alerts.watches import Watch
from bot.jobs.records import SignalRecords
from storage import prices, signal_records, watches
from storage.database import Database
from tests.bot.test_signal_records import BEFORE, engine
from tests.bot.test_rule_engine import NDX_BARS, RUT_BARS, ny, store
from tests.conftest import Clock
from tests.rules.rulekit import weekdays
from tests.upstream import between

SPREAD = "rotation_spread:^RUT/^NDX:20"
# The curve un-inverts through exactly 0.00 (a value FRED's T10Y2Y has printed) and goes on rising.
CURVE = [-0.30, -0.35, -0.40, -0.45, 0.00] + [round(0.02 * n, 2) for n in range(1, 26)]  # 20 sessions on: +0.40


async def test_a_watch_whose_ledger_fails_leaves_every_other_rules_record_computed(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    clock = Clock(ny(2025, 12, 3, 17, 0))
    for symbol, bars in (("^RUT", RUT_BARS), ("^NDX", NDX_BARS)):
        store(database, symbol, between(bars, date(1900, 1, 1), BEFORE))
    fetched = datetime(2025, 12, 3, 22, tzinfo=timezone.utc)
    days = weekdays(date(2025, 10, 20), len(CURVE))  # through 28 November
    database.call(prices.store_bars, [DailyBar("T10Y2Y", d, v, "fred", fetched) for d, v in zip(days, CURVE)])
    curve = Watch(1001, 0, parse_watch("T10Y2Y ma 3".split()), created_by=5, created_at=ny(2025, 12, 1, 12, 0))
    database.call(watches.add, curve, limit=20)

    await engine(database, clock, records=SignalRecords(database, clock)).judge_sessions()
    cached = {rule.rule_id for rule in database.call(signal_records.cached_rules, 10, 12)}
    database.close()
    # The shared rules have 38 years of ^RUT and ^NDX behind them; one server's watch cannot take that away.
    assert {rule.id for rule in default_rules() if rule.id == SPREAD} <= cached, cached
