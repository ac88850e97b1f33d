"""Helpers for the !rotation tests: real recorded history, ^RUT (Yahoo) and ^NDX (Stooq) from tests/fixtures read by
column name (the two files order their columns differently), plus two basket members recorded there too."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

from alerts.market.calendar import NEW_YORK
from alerts.rules.model import Point

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FILES = {
    "^RUT": "yahoo_daily_RUT_index_1987-2026.csv",
    "^NDX": "stooq_daily_NDX_index_1938_to_2026-05-01.csv",
    "KRE": "yahoo_daily_KRE_2023-07-03_to_2026-07-02.csv",
    "ROAD": "yahoo_close_only_ROAD_2018-05-04_to_2026-07-14.csv",
}
RECORD_DAY = date(2025, 12, 11)  # the Russell 2000's record close of 2,590.61
AS_OF = datetime(2025, 12, 11, 16, 30, tzinfo=NEW_YORK)


def read_closes(symbol: str) -> dict[date, float]:
    """Date -> Close of a fixture file, straight from the CSV: the independent side of the pinned figures."""
    with open(FIXTURES / FILES[symbol], newline="") as handle:
        return {date.fromisoformat(row["Date"]): float(row["Close"]) for row in csv.DictReader(handle)}


def read_points(symbol: str) -> list[Point]:
    def number(text: str | None) -> float | None:
        return float(text) if text not in (None, "") else None

    with open(FIXTURES / FILES[symbol], newline="") as handle:
        return [Point(date.fromisoformat(row["Date"]), float(row["Close"]), number(row.get("High")),
                      number(row.get("Low"))) for row in csv.DictReader(handle)]


def through(history: dict[str, list[Point]], last: date) -> dict[str, list[Point]]:
    """The history as it was stored at the end of `last`."""
    return {symbol: [p for p in points if p.date <= last] for symbol, points in history.items()}
