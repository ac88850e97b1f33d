"""The latest intraday quote per symbol. An older quote never replaces a newer one."""

from __future__ import annotations

from collections.abc import Iterable

import sqlite_utils

from alerts.market.models import Quote
from storage.timestamps import from_iso, to_iso


def save_quote(db: sqlite_utils.Database, quote: Quote) -> bool:
    """Store `quote` unless a newer one is already stored; True when it was stored."""
    with db.atomic():
        cursor = db.execute(
            """
            INSERT INTO quotes (symbol, price, previous_close, exchange_time, source, fetched_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (symbol) DO UPDATE SET
                price = excluded.price, previous_close = excluded.previous_close,
                exchange_time = excluded.exchange_time, source = excluded.source, fetched_at = excluded.fetched_at
            WHERE excluded.exchange_time >= quotes.exchange_time
            """,
            [
                quote.symbol,
                quote.price,
                quote.previous_close,
                to_iso(quote.exchange_time),
                quote.source,
                to_iso(quote.fetched_at),
            ],
        )
        return cursor.rowcount == 1


def save_quotes(db: sqlite_utils.Database, found: Iterable[Quote]) -> list[str]:
    """save_quote for each of one poll's quotes, in one transaction: one commit a poll, not one a symbol (each
    commit waits for the disk; 5,000 of them took 1.5 s of every poll). Returns the symbols stored; a quote
    refused (ValueError) leaves none of them written."""
    with db.atomic():
        return [quote.symbol for quote in found if save_quote(db, quote)]


def get_quote(db: sqlite_utils.Database, symbol: str) -> Quote | None:
    rows = list(db.query("SELECT * FROM quotes WHERE symbol = ?", [symbol]))
    return _quote(rows[0]) if rows else None


def all_quotes(db: sqlite_utils.Database) -> dict[str, Quote]:
    return {row["symbol"]: _quote(row) for row in db.query("SELECT * FROM quotes ORDER BY symbol")}


def _quote(row: dict) -> Quote:
    return Quote(
        symbol=row["symbol"],
        price=row["price"],
        exchange_time=from_iso(row["exchange_time"]),
        source=row["source"],
        fetched_at=from_iso(row["fetched_at"]),
        previous_close=row["previous_close"],
    )
