"""The default rules replayed over real history: November and December 2025, with everything before it known.

^RUT from Yahoo (Date,Close,High,Low,Open,Volume) and ^NDX from Stooq (Date,Open,High,Low,Close,Volume), read by
column name from tests/fixtures. The record closes of 4, 10 and 11 December 2025 and the spread's crossing of +5%
on 11 December are what rotobot exists to announce.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from alerts.market.calendar import NEW_YORK
from alerts.rules.engine import evaluate_sessions, replay
from alerts.rules.loader import default_rules
from tests.rules.rulekit import read_points


@pytest.fixture(scope="module")
def history():
    return {"^RUT": read_points("yahoo_daily_RUT_index_1987-2026.csv"),
            "^NDX": read_points("stooq_daily_NDX_index_1938_to_2026-05-01.csv")}


def test_replay_of_november_and_december_2025(history):
    signals = replay(default_rules(), history, date(2025, 11, 1), date(2025, 12, 31))
    assert [(e.trigger, e.kind, e.direction, round(e.value, 2), round(e.threshold, 2)) for e in signals] == [
        # The spread reached -5% twice in November (re-armed in between on 14 Nov at -3.35%): mega caps led.
        ("2025-11-11", "rotation_spread", "large", -5.17, -5.0),
        ("2025-11-17", "rotation_spread", "large", -5.05, -5.0),
        # Record closes, each against the one before (27 Oct's 2,520.44 was the record going in).
        ("2025-12-04", "new_high", None, 2531.16, 2520.44),
        ("2025-12-10", "new_high", None, 2559.61, 2531.16),
        ("2025-12-11", "new_high", None, 2590.61, 2559.61),
        # And the same day, rotation into small caps: the 20-session spread at +5.01%.
        ("2025-12-11", "rotation_spread", "small", 5.01, 5.0),
    ]
    record, rotation = signals[4], signals[5]
    assert record.message == ("Russell 2000 (^RUT) closes at a record 2,590.61, above the 2,559.61 record of "
                              "10 Dec 2025")
    assert record.key == "new_high:^RUT:close|^RUT|2025-12-11"
    assert rotation.message == "Rotation into small caps: ^RUT/^NDX 20-session spread +5.01% crossed +5.00%"
    assert rotation.key == "rotation_spread:^RUT/^NDX:20|^RUT/^NDX|2025-12-11"
    assert record.occurred_at == rotation.occurred_at == datetime(2025, 12, 11, 16, tzinfo=NEW_YORK)


def test_day_by_day_gives_the_same_events_as_the_replay(history):
    sessions = sorted({p.date for p in history["^RUT"] if date(2025, 11, 1) <= p.date <= date(2025, 12, 31)})
    states: dict[str, dict | None] = {}
    keys = []
    for day in sessions:
        for rule in default_rules()[:2]:
            states[rule.id], signals = evaluate_sessions(rule, states.get(rule.id), history, [day])
            keys += [e.key for e in signals]
    assert keys == [e.key for e in replay(default_rules(), history, date(2025, 11, 1), date(2025, 12, 31))]
    assert states["rotation_spread:^RUT/^NDX:20"]["small_armed"] is True  # back under +4% (upper - hysteresis) on 22 Dec
    assert states["new_high:^RUT:close"]["record"] == pytest.approx(2590.61, abs=0.005)
