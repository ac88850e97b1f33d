"""Helpers the rules tests share: sessions, histories built from a few numbers, ticks at a New York time."""

from __future__ import annotations

import csv
from datetime import date, datetime, time, timedelta
from pathlib import Path

from alerts.market.calendar import NEW_YORK
from alerts.rules.model import Point, Tick

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def weekdays(first: date, count: int) -> list[date]:
    """`count` weekdays from `first` on: sessions enough for tests (holidays do not matter to the engine)."""
    days, day = [], first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def points(days: list[date], closes: list[float], highs: list[float] | None = None) -> list[Point]:
    return [Point(d, c, None if highs is None else highs[i]) for i, (d, c) in enumerate(zip(days, closes))]


def tick(symbol: str, day: date, clock: str, price: float, previous_close: float | None = None) -> Tick:
    at = datetime.combine(day, time.fromisoformat(clock), tzinfo=NEW_YORK)
    return Tick(symbol, price, at, day, previous_close)


def d(text: str) -> date:
    return date.fromisoformat(text)


def read_points(name: str) -> list[Point]:
    """A real daily file from tests/fixtures, read by column name (files differ in column order)."""
    def number(text: str | None) -> float | None:
        return float(text) if text not in (None, "") else None

    with open(FIXTURES / name, newline="") as handle:
        return [Point(date.fromisoformat(row["Date"]), float(row["Close"]), number(row.get("High")),
                      number(row.get("Low"))) for row in csv.DictReader(handle)]
