"""Daily bars: one row per (symbol, exchange-local session date), upserted idempotently."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlite_utils

from alerts.market.models import DailyBar
from alerts.rules.model import Point
from alerts.rules.packed_points import PackedPoints
from storage.timestamps import from_iso, to_iso


@dataclass(frozen=True)
class Coverage:
    symbol: str
    first: date
    last: date
    sessions: int


@dataclass(frozen=True)
class StoreResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: StoreResult) -> StoreResult:
        return StoreResult(self.added + other.added, self.updated + other.updated, self.unchanged + other.unchanged)


_VALUES = ("open", "high", "low", "close", "volume")


def store_bars(db: sqlite_utils.Database, bars: Iterable[DailyBar]) -> StoreResult:
    """Write only what is new or changed, and say which: re-importing the same file changes nothing."""
    by_symbol: dict[str, list[DailyBar]] = {}
    for bar in bars:
        by_symbol.setdefault(bar.symbol, []).append(bar)
    result = StoreResult()
    with db.atomic():
        for symbol, group in by_symbol.items():
            first, last = min(b.date for b in group), max(b.date for b in group)
            stored = {
                row["date"]: tuple(row[v] for v in _VALUES)
                for row in db.query(
                    f"SELECT date, {', '.join(_VALUES)} FROM daily_bars WHERE symbol = ? AND date BETWEEN ? AND ?",
                    [symbol, first.isoformat(), last.isoformat()],
                )
            }
            new = [b for b in group if b.date.isoformat() not in stored]
            changed = [
                b for b in group
                if b.date.isoformat() in stored and stored[b.date.isoformat()] != tuple(getattr(b, v) for v in _VALUES)
            ]
            upsert_daily_bars(db, new + changed)
            result += StoreResult(len(new), len(changed), len(group) - len(new) - len(changed))
    return result


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
        # One prepared statement for every row: sqlite-utils' upsert_all builds and type-checks each row's SQL in
        # Python, which was most of the seconds a first start spent seeding 78,000 bundled bars.
        with db.atomic():
            db.conn.executemany(_UPSERT, rows)
    return len(rows)


_COLUMNS = ("symbol", "date", *_VALUES, "source", "fetched_at")
_UPSERT = (f"INSERT INTO daily_bars ({', '.join(_COLUMNS)}) VALUES ({', '.join(':' + c for c in _COLUMNS)}) "
           f"ON CONFLICT (symbol, date) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _COLUMNS[2:])}")


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


def from_source(db: sqlite_utils.Database, symbols: list[str], source: str) -> set[str]:
    """Those of `symbols` whose newest stored bar came from `source` (one indexed look each)."""
    found = set()
    for symbol in dict.fromkeys(symbols):
        row = db.execute("SELECT source FROM daily_bars WHERE symbol = ? ORDER BY date DESC LIMIT 1",
                         [symbol]).fetchone()
        if row is not None and row[0] == source:
            found.add(symbol)
    return found


def latest_dates(db: sqlite_utils.Database) -> dict[str, date]:
    """The newest stored session of every symbol."""
    rows = db.query("SELECT symbol, max(date) AS last FROM daily_bars GROUP BY symbol")
    return {row["symbol"]: date.fromisoformat(row["last"]) for row in rows}


def stored_dates(db: sqlite_utils.Database, symbol: str, first: date, last: date) -> set[date]:
    rows = db.query(
        "SELECT date FROM daily_bars WHERE symbol = ? AND date BETWEEN ? AND ?",
        [symbol, first.isoformat(), last.isoformat()],
    )
    return {date.fromisoformat(row["date"]) for row in rows}


def stored_closes(db: sqlite_utils.Database, symbol: str, first: date, last: date) -> dict[date, float]:
    rows = db.execute(
        "SELECT date, close FROM daily_bars WHERE symbol = ? AND date BETWEEN ? AND ?",
        [symbol, first.isoformat(), last.isoformat()],
    ).fetchall()
    return {date.fromisoformat(d): c for d, c in rows}


def close_before(db: sqlite_utils.Database, symbol: str, day: date) -> float | None:
    """The last stored close strictly before `day`: the reference a new price is judged against."""
    rows = list(
        db.query(
            "SELECT close FROM daily_bars WHERE symbol = ? AND date < ? ORDER BY date DESC LIMIT 1",
            [symbol, day.isoformat()],
        )
    )
    return rows[0]["close"] if rows else None


def is_empty(db: sqlite_utils.Database) -> bool:
    return db.execute("SELECT NOT EXISTS (SELECT 1 FROM daily_bars)").fetchone()[0] == 1


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


def history_points(db: sqlite_utils.Database, symbols: list[str]) -> dict[str, list[Point]]:
    """Every stored close (with high and low) of each symbol, oldest first: the rules engine's history."""
    return {symbol: [Point(date.fromisoformat(d), c, h, lo) for d, c, h, lo in _history_rows(db, symbol)]
            for symbol in dict.fromkeys(symbols)}


def packed_history(db: sqlite_utils.Database, symbols: Iterable[str]) -> dict[str, PackedPoints]:
    """history_points packed in arrays (alerts/rules/packed_points.py), as the rules engine keeps it in memory."""
    return {symbol: PackedPoints.from_rows(_history_rows(db, symbol)) for symbol in dict.fromkeys(symbols)}


def packed_history_since(db: sqlite_utils.Database, since: dict[str, date]) -> dict[str, PackedPoints]:
    """Each symbol's points from its own `since` date on, packed: the part of the history that may have changed."""
    return {symbol: PackedPoints.from_rows(_history_rows(db, symbol, first)) for symbol, first in since.items()}


def _history_rows(db: sqlite_utils.Database, symbol: str, since: date = date.min) -> list[tuple]:
    return db.execute(
        "SELECT date, close, high, low FROM daily_bars WHERE symbol = ? AND date >= ? ORDER BY date",
        [symbol, since.isoformat()],
    ).fetchall()
