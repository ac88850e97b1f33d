"""The signal cache keeps where each signal's move ended (t+h, in the rule's own series), and an alert counts a
move only when it ended on a session strictly before the alert's own: what was known at its close, whenever the
cache was computed (storage/signal_records.py `earlier`)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from alerts.backtest.ledger import ledgers
from alerts.rules.kinds import MaCross
from alerts.track_record import fingerprint
from storage import signal_records
from storage.database import Database
from storage.signal_records import Ask, Audience
from tests.rules.rulekit import points, weekdays

CLOSES = [10.0, 9.0, 8.0, 7.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0]
DAYS = weekdays(date(2024, 1, 1), len(CLOSES))
RULE, HORIZON, KEEP = MaCross("lines", "KRE", 3), 3, 10


def test_each_firing_keeps_the_session_its_move_ended_and_an_alert_counts_it_only_after_that(tmp_path):
    [ledger] = ledgers([RULE], {"KRE": points(DAYS, CLOSES)}, HORIZON, KEEP)
    [cross] = [f for f in ledger.firings if f.direction == "above"]
    at = DAYS.index(cross.session)
    assert cross.move is not None and cross.ends == DAYS[at + HORIZON]  # h rows on in the series

    database = Database.open(tmp_path / "rotobot.db")
    database.call(signal_records.save, [ledger], {RULE.id: Audience()}, datetime(2024, 2, 1, tzinfo=timezone.utc))
    mark = fingerprint(RULE, HORIZON, KEEP)

    def counted(alert_session: date) -> int:
        ask = Ask("k", RULE.id, mark, "above", alert_session)
        return database.call(signal_records.earlier, [ask], 12)["k"].count

    try:
        assert counted(cross.ends) == 0  # its move ends on the alert's own session: not known before its close
        assert counted(DAYS[at + HORIZON + 1]) == 1
        [cached] = database.call(signal_records.cached_rules, 10, 12)
        assert [f.ends for f in cached.firings if f.direction == "above"] == [cross.ends]
    finally:
        database.close()
