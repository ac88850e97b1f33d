"""The one line a trader reads on a phone: names people know, prices with separators, dates without ambiguity."""

from __future__ import annotations

from datetime import date

# Index tickers mean little to most readers; the name says what moved, the ticker says what to look up.
NAMES = {
    "^RUT": "Russell 2000",
    "^NDX": "Nasdaq-100",
    "^GSPC": "S&P 500",
    "^DJI": "Dow Jones Industrial Average",
    "^IXIC": "Nasdaq Composite",
    "^VIX": "VIX",
}


def label(symbol: str) -> str:
    name = NAMES.get(symbol)
    return f"{name} ({symbol})" if name else symbol


def price(value: float) -> str:
    return f"{value:,.2f}"


def pct(value: float) -> str:
    return f"{value:+.2f}%"


def day(value: date | str) -> str:
    """11 Dec 2025: no reader wonders whether 12/11 is December or November."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{value.day} {value:%b %Y}"
