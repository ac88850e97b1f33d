"""Review C: an alert's track record must use only what was known at its close.

bot/jobs/records.py's own tests show a cache computed while later bars were already stored (a job landing bars
between the engine's look and the next). `signal_records.earlier` then leaves out the alert's own session, but it
still counts an earlier signal whose move over the horizon ends AFTER the alert's session: a move measured with
closes the alert could not have known. Here the ratio's crossing above of 21 Aug 2025 is 73 sessions before the
alert of 4 Dec; at a 75-session horizon its move ends on a session after the 4th, yet the alert counts it."""

from __future__ import annotations

from datetime import date

from alerts.backtest import backtest, record
from alerts.rules.kinds import MaCross
from bot.jobs.records import SignalRecords
from storage import outbox, prices
from tests.bot.test_rule_engine import NDX_BARS, RUT_BARS, ny, store
from tests.bot.test_signal_records import BEFORE, FIRST, engine, land_the_week, world  # noqa: F401 - fixture
from tests.upstream import between

ALERT = date(2025, 12, 4)  # the ratio crosses above its 50-session average, band 1%


async def test_an_alerts_record_counts_no_move_that_ends_after_the_alerts_own_session(world):
    database, clock = world
    rules = [MaCross("ratio-50", "^RUT/^NDX", 50, 1.0)]
    records = SignalRecords(database, clock, horizon=75, last=1)
    database.call(lambda d: d.execute("DELETE FROM daily_bars WHERE date = ?", [BEFORE.isoformat()]))
    clock.now = ny(2025, 12, 2, 17, 0)
    await engine(database, clock, rules=rules, records=records).judge_sessions()
    for symbol, bars in (("^RUT", RUT_BARS), ("^NDX", NDX_BARS)):
        store(database, symbol, between(bars, BEFORE, BEFORE))
    land_the_week(database, clock)  # stored through the 11th
    assert await records.refresh(rules, {}, database.call(prices.history_points, ["^RUT", "^NDX"])) == 1
    assert await engine(database, clock, rules=rules, records=records).judge_sessions() == 1
    [cross] = [q.alert for q in database.call(outbox.recent, 10)]
    assert (cross.session, cross.direction) == (ALERT, "above")

    # What the record was at the close of the 4th: the same backtest over the closes stored through the 4th.
    known = {s: [p for p in points if p.date <= ALERT]
             for s, points in database.call(prices.history_points, ["^RUT", "^NDX"]).items()}
    then = record(backtest(rules, known, FIRST, ALERT, (75,)), "ratio-50", "above", 75, last=1)
    assert (cross.track_record.count, cross.track_record.median) == (then.count, then.median)
