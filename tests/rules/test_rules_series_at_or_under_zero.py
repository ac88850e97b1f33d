"""A FRED series may sit at or under zero (T10Y2Y, the 10-year less 2-year yield, was negative from mid-2022 to
mid-2024). A moving average of it is still a moving average; a ratio, a spread or a percent move of it is not, and
such a session is left unjudged instead of raising ZeroDivisionError in the engine for every rule."""

from __future__ import annotations

from datetime import date

from alerts.rules.engine import evaluate_sessions
from alerts.rules.kinds import MaCross, MoveOver
from alerts.rules.model import RotationSpread
from tests.rules.rulekit import points, weekdays

DAYS = weekdays(date(2024, 7, 1), 8)
THROUGH_ZERO = [-0.30, -0.20, -0.10, 0.00, 0.10, 0.20, 0.30, 0.40]  # a yield curve un-inverting
POSITIVE = [100.0, 101.0, 102.0, 103.0, 104.0, 105.0, 106.0, 107.0]


def test_an_average_of_a_series_through_zero_crosses_like_any_other():
    history = {"T10Y2Y": points(DAYS, [0.10, 0.05, 0.00, -0.05, -0.10, -0.05, 0.20, 0.30])}
    state, signals = evaluate_sessions(MaCross("curve", "T10Y2Y", 3), None, history, DAYS)
    assert [(e.trigger, e.direction) for e in signals] == [("2024-07-08", "above")]
    assert state["side"] == "above"


def test_a_move_from_zero_or_below_is_not_judged_and_breaks_nothing():
    history = {"T10Y2Y": points(DAYS, THROUGH_ZERO)}
    state, signals = evaluate_sessions(MoveOver("curve-move", "T10Y2Y", 2, 50.0), None, history, DAYS)
    assert signals == []
    assert state["last_session"] == "2024-07-10"  # the last session whose base (0.10 on 8 July) is above zero


def test_a_spread_or_ratio_with_a_leg_at_or_under_zero_is_not_judged():
    history = {"T10Y2Y": points(DAYS, THROUGH_ZERO), "SPY": points(DAYS, POSITIVE)}
    spread, _ = evaluate_sessions(RotationSpread("s", "T10Y2Y", "SPY", 2), None, history, DAYS)
    ratio, _ = evaluate_sessions(MaCross("r", "T10Y2Y/SPY", 2), None, history, DAYS)
    assert spread["last_session"] == "2024-07-10"  # the first session whose window is above zero throughout
    assert ratio["last_session"] == DAYS[-1].isoformat()
    backwards, _ = evaluate_sessions(MaCross("r2", "SPY/T10Y2Y", 2), None, history, DAYS)
    assert backwards["last_session"] == DAYS[-1].isoformat()  # the divisor at or under zero: skipped, no raise
