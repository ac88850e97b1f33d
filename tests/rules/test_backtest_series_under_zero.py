"""A series that goes to or under zero (a FRED yield spread such as T10Y2Y) has no percent move from such a base:
the backtest measures a one-symbol series with any value at or under zero in its own points, X[t+h] - X[t], every
session of it alike (baseline too), and says so (`points`); two legs stay percent, with no move from a base at or
under zero. No move is ever infinite or NaN: what JSON and text show is a number or null."""

from __future__ import annotations

import json
import math
import statistics
from datetime import date

import pytest
from pytest import approx

from alerts.backtest import backtest
from alerts.backtest import forward
from alerts.backtest.ledger import ledgers
from alerts.rules.kinds import MaCross, MoveOver
from tests.rules.rulekit import points, weekdays

CURVE = [-0.60, -0.65, -0.70, -0.75, -0.80, -0.50, -0.45, -0.40, -0.30, -0.20]
# Through exactly 0.00, as FRED's T10Y2Y printed it: a percent of that base is +inf.
THROUGH_ZERO = [-0.30, -0.35, -0.40, -0.45, 0.00] + [round(0.02 * n, 2) for n in range(1, 26)]


def days(count: int) -> list[date]:
    return weekdays(date(2023, 3, 1), count)


def test_a_series_under_zero_is_measured_in_its_own_points_signals_and_baseline_alike():
    rule = MaCross("curve", "T10Y2Y", 3)
    sessions = days(len(CURVE))
    result = backtest([rule], {"T10Y2Y": points(sessions, CURVE)}, sessions[0], sessions[-1], (2,))
    [cross] = [i for i, s in enumerate(result.signals) if s.trigger.startswith(sessions[5].isoformat())]
    assert result.signals[cross].direction == "above"
    assert result.forward(cross)["2"] == {"change": approx(-0.40 - -0.50)}  # a rise of 0.10, not "-20%"
    summary = result.summary("curve", "above", 2)
    assert summary.points and summary.hits == summary.count >= 1
    every = [CURVE[i + 2] - CURVE[i] for i in range(len(CURVE) - 2)]
    assert summary.baseline_count == len(every) and summary.baseline_median == approx(statistics.median(every))


def test_a_cross_at_exactly_zero_gives_finite_moves_and_json_without_infinity():
    sessions = days(len(THROUGH_ZERO))
    rules = [MaCross("curve", "T10Y2Y", 3)]
    result = backtest(rules, {"T10Y2Y": points(sessions, THROUGH_ZERO)}, sessions[0], sessions[-1], (1, 5, 20))
    assert result.signals
    for i in range(len(result.signals)):
        json.dumps(result.forward(i), allow_nan=False)  # raises on inf or NaN
    for summary in result.summaries:
        json.dumps(summary.as_json(), allow_nan=False)
    moved = result.moves["move"].dropna()
    assert len(moved) and all(math.isfinite(m) for m in moved)
    [ledger] = ledgers(rules, {"T10Y2Y": points(sessions, THROUGH_ZERO)}, horizon=20, keep=10)  # made, not refused
    assert ledger.points and all(r.points for r in ledger.records.values())


def test_a_series_above_zero_stays_in_percent():
    closes = [100.0, 101.0, 99.0, 103.0, 104.0, 98.0, 97.0, 105.0, 106.0, 107.0]
    sessions = days(len(closes))
    result = backtest([MaCross("price", "KRE", 3)], {"KRE": points(sessions, closes)}, sessions[0], sessions[-1],
                      (1,))
    assert not any(s.points for s in result.summaries)
    frame = forward.series({"KRE": points(sessions, closes)}, ("KRE",))
    assert forward.moves(frame, 1)["change"].iloc[0] == approx((101.0 / 100.0 - 1) * 100)


def test_a_pair_with_a_leg_at_or_under_zero_has_no_move_from_that_base():
    sessions = days(4)
    history = {"A": points(sessions, [10.0, 11.0, 12.0, 13.0]), "B": points(sessions, [1.0, 0.0, -1.0, 2.0])}
    ahead = forward.moves(forward.series(history, ("A", "B")), 1)
    assert ahead["spread"].iloc[0] == approx((11 / 10 - 1) * 100 - (0 / 1 - 1) * 100)  # from a base above zero
    assert ahead["spread"].iloc[1:].isna().all()  # from 0.00 and -1.00: nothing to measure, never +inf


@pytest.mark.parametrize("closes", [CURVE, THROUGH_ZERO])
def test_a_move_over_rule_on_such_a_series_never_fires_nor_breaks_the_backtest(closes):
    sessions = days(len(closes))
    result = backtest([MoveOver("curve-move", "T10Y2Y", 2, 5.0)], {"T10Y2Y": points(sessions, closes)},
                      sessions[0], sessions[-1], (2,))
    assert result.signals == []  # the rule judges no percent move from a base at or under zero
    assert all(s.points and s.count == 0 for s in result.summaries)
