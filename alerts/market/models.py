"""Market data as the domain sees it: a daily bar and an intraday quote, each saying where and when it came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class DailyBar:
    symbol: str
    date: date  # the exchange-local session date
    close: float
    source: str
    fetched_at: datetime
    open: float | None = None
    high: float | None = None
    low: float | None = None
    volume: int | None = None


@dataclass(frozen=True)
class Quote:
    symbol: str
    price: float
    exchange_time: datetime  # when the exchange stamped the trade (aware)
    source: str
    fetched_at: datetime
    previous_close: float | None = None
