"""Fixtures of the !rotation tests: the real history as stored at the close of 11 Dec 2025, the rule and its state."""

from __future__ import annotations

from datetime import date

import pytest

from alerts.market.calendar import NyseCalendar
from alerts.rules.engine import evaluate_sessions
from alerts.rules.loader import default_rules
from alerts.rules.model import Point
from tests.rotation.rotationkit import FILES, RECORD_DAY, read_points, through


@pytest.fixture(scope="session")
def full_history() -> dict[str, list[Point]]:
    return {symbol: read_points(symbol) for symbol in FILES}


@pytest.fixture(scope="session")
def history(full_history) -> dict[str, list[Point]]:
    """Everything stored at the close of 11 Dec 2025."""
    return through(full_history, RECORD_DAY)


@pytest.fixture(scope="session")
def spread_rule():
    return default_rules()[1]


@pytest.fixture(scope="session")
def spread_state(history, spread_rule) -> dict:
    """The rule's stored state after judging every session of November and December 2025 up to the 11th."""
    state = None
    for day in sorted({p.date for p in history["^RUT"] if p.date >= date(2025, 11, 1)}):
        state, _ = evaluate_sessions(spread_rule, state, history, [day])
    return state


@pytest.fixture(scope="session")
def calendar_2025() -> NyseCalendar:
    return NyseCalendar.around(RECORD_DAY)


@pytest.fixture(scope="session")
def calendar_2026() -> NyseCalendar:
    return NyseCalendar.around(date(2026, 11, 25))
