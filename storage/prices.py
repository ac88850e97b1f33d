"""Daily bars: one row per (symbol, exchange-local session date), upserted idempotently."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlite_utils

from alerts.market.models import DailyBar
from storage.timestamps import from_iso, to_iso


@dataclass(frozen=True)
class Coverage:
    symbol: str
    first: date
    last: date
    sessions: int


def upsert_daily_bars(db: sqlite_utils.Database, bars: Iterable[DailyBar]) -> int:
    """Insert or replace bars by (symbol, date); returns how many rows were written."""
    rows = [
        {
            "symbol": bar.symbol,
            "date": bar.date.isoformat(),
            "open": bar.open,
            "high": bar.high,
            "low": bar.low,
            "close": bar.close,
            "volume": bar.volume,
            "source": bar.source,
            "fetched_at": to_iso(bar.fetched_at),
        }
        for bar in bars
    ]
    if rows:
        with db.atomic():
            db["daily_bars"].upsert_all(rows, pk=("symbol", "date"))
    return len(rows)


def daily_bars(
    db: sqlite_utils.Database, symbol: str, start: date | None = None, end: date | None = None
) -> list[DailyBar]:
    """Bars of `symbol` from `start` to `end` inclusive, oldest first."""
    where, params = ["symbol = ?"], [symbol]
    if start is not None:
        where.append("date >= ?")
        params.append(start.isoformat())
    if end is not None:
        where.append("date <= ?")
        params.append(end.isoformat())
    rows = db.query(f"SELECT * FROM daily_bars WHERE {' AND '.join(where)} ORDER BY date", params)
    return [_bar(row) for row in rows]


def last_bar(db: sqlite_utils.Database, symbol: str) -> DailyBar | None:
    rows = list(db.query("SELECT * FROM daily_bars WHERE symbol = ? ORDER BY date DESC LIMIT 1", [symbol]))
    return _bar(rows[0]) if rows else None


def coverage(db: sqlite_utils.Database) -> list[Coverage]:
    """What history is stored, per symbol."""
    rows = db.query(
        "SELECT symbol, min(date) AS first, max(date) AS last, count(*) AS sessions "
        "FROM daily_bars GROUP BY symbol ORDER BY symbol"
    )
    return [
        Coverage(r["symbol"], date.fromisoformat(r["first"]), date.fromisoformat(r["last"]), r["sessions"])
        for r in rows
    ]


def _bar(row: dict) -> DailyBar:
    return DailyBar(
        symbol=row["symbol"],
        date=date.fromisoformat(row["date"]),
        close=row["close"],
        source=row["source"],
        fetched_at=from_iso(row["fetched_at"]),
        open=row["open"],
        high=row["high"],
        low=row["low"],
        volume=row["volume"],
    )
