"""The trend rules live: ma_cross and move_over judged by RuleEngine after bars land, queued as typed alerts."""

from __future__ import annotations

from datetime import date

from alerts.market.calendar import TradingCalendar
from alerts.payload_json import decode, encode
from alerts.payloads import Everyone, TrendAlert
from alerts.rules.kinds import MaCross, MoveOver
from bot.jobs.engine import RuleEngine
from storage import outbox
from storage.database import Database
from tests.conftest import Clock, publisher
from tests.bot.test_rule_engine import ny, store
from tests.upstream import NDX, RUT, between, history

RUT_BARS, NDX_BARS = history(RUT), history(NDX)
RULES = [MoveOver("rut-rally", "^RUT", 14, 12.0), MaCross("ratio-50", "^RUT/^NDX", 50, 1.0)]


async def test_trend_rules_run_live_after_downtime_and_queue_typed_alerts_once(tmp_path):
    db = Database.open(tmp_path / "rotobot.db")
    try:
        clock = Clock(ny(2025, 12, 2, 17, 0))
        publish = publisher(db, clock)

        def jobs():
            return RuleEngine(database=db, rules=RULES, calendar=TradingCalendar(), publish=publish, clock=clock)

        for symbol, bars in (("^RUT", RUT_BARS), ("^NDX", NDX_BARS)):
            store(db, symbol, between(bars, date(2025, 1, 1), date(2025, 12, 2)))
        # The first look only sets the states: the ratio under its average (0.096455 against 0.09778) is "below".
        assert await jobs().judge_sessions() == 0
        for symbol, bars in (("^RUT", RUT_BARS), ("^NDX", NDX_BARS)):
            store(db, symbol, between(bars, date(2025, 12, 3), date(2025, 12, 11)))
        clock.now = ny(2025, 12, 12, 3, 10)
        assert await jobs().judge_sessions() == 2
        rows = list(reversed(db.call(outbox.recent, 10)))
        assert [(q.key, q.kind) for q in rows] == [("rut-rally|^RUT|2025-12-11", "move_over"),  # in rule order
                                                  ("ratio-50|^RUT/^NDX|2025-12-04", "ma_cross")]
        rally, cross = (q.alert for q in rows)
        assert isinstance(cross, TrendAlert) and isinstance(rally, TrendAlert)
        assert (cross.symbol, cross.session, cross.direction, cross.sessions) == ("^RUT/^NDX", date(2025, 12, 4),
                                                                                  "above", 50)
        assert (rally.symbol, rally.direction, round(rally.value, 2), rally.threshold, rally.sessions) == (
            "^RUT", "up", 12.39, 12.0, 14)
        assert rally.route == Everyone() and rally.occurred_at == ny(2025, 12, 11, 16, 0)
        assert await jobs().judge_sessions() == 0  # a restart judges nothing twice
    finally:
        db.close()


def test_a_trend_alert_reads_back_from_its_outbox_json():
    alert = TrendAlert(key="k|^RUT|2025-12-11", message="m", occurred_at=ny(2025, 12, 11, 16), rule_kind="move_over",
                       rule_id="k", symbol="^RUT", session=date(2025, 12, 11), direction="up", value=12.39,
                       threshold=12.0, sessions=14)
    assert decode(encode(alert), "move_over", alert.key, ny(2025, 12, 11, 17)) == alert
    assert alert.outbox_kind == "move_over"
