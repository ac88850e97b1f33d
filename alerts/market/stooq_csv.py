"""Stooq's daily CSV download (`/q/d/l/?s=^ndx&i=d`), the second source of daily bars.

Stooq reports problems inside a 200: a one-line text body instead of CSV, or an HTML page. The whole response is
refused on the first fault, so a half-good download never becomes stored data.
"""

from __future__ import annotations

import re
from datetime import datetime

from alerts.market.errors import UpstreamError
from alerts.market.history_csv import parse_history_csv
from alerts.market.models import DailyBar

# Only indexes whose Stooq name is known; ^ndx is confirmed by a recorded download (^ndx_d.csv).
STOOQ_INDEXES = {"^NDX": "^ndx", "^SPX": "^spx", "^DJI": "^dji"}
# A US stock or ETF ticker as rotobot writes it: letters and digits, share classes after a dash (BRK-B).
US_TICKER = re.compile(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*")

STOOQ_COLUMNS = ("date", "open", "high", "low", "close", "volume")
# The texts Stooq sends instead of CSV (as quoted by projects that parse it).
RATE_LIMITED = "exceeded the daily hits limit"
NO_DATA = "no data"


def stooq_symbol(symbol: str) -> str | None:
    """Stooq's name for a rotobot symbol; None when Stooq has no known equivalent (e.g. ^RUT)."""
    symbol = symbol.strip()
    if symbol.upper() in STOOQ_INDEXES:
        return STOOQ_INDEXES[symbol.upper()]
    if US_TICKER.fullmatch(symbol):
        return f"{symbol.lower()}.us"
    return None  # other indexes (^RUT ...), futures, currencies: no confirmed Stooq name


def parse_stooq_csv(
    body: bytes | str, *, symbol: str, fetched_at: datetime, now: datetime, source: str = "stooq"
) -> list[DailyBar]:
    """Validated daily bars, oldest first. Raises UpstreamError for anything that is not a clean Stooq CSV."""

    def refuse(reason: str, *, retryable: bool = False) -> UpstreamError:
        return UpstreamError(source, reason, symbol=symbol, retryable=retryable)

    try:
        text = body if isinstance(body, str) else body.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        raise refuse(f"body is not UTF-8 text (bad byte at {problem.start})") from None
    stripped = text.strip()
    first_line = stripped.partition("\n")[0].strip()
    lowered = first_line.lower()
    if not stripped:
        raise refuse("empty body: expected a CSV")
    if lowered.startswith(RATE_LIMITED):
        # Stooq's quota is per day: retrying soon fails again, tomorrow it passes.
        raise refuse(f"rate limited: Stooq answered {first_line[:80]!r} instead of a CSV", retryable=True)
    if lowered.rstrip(".!") == NO_DATA:
        raise refuse("Stooq answered 'No data': unknown symbol or no bars in the range")
    if stripped.startswith("<"):
        # Since 2026 Stooq answers with a page when it wants an API key or a browser check, still with HTTP 200.
        raise refuse(f"expected CSV, got HTML ({_html_title(stripped)}): an API key page or a browser check?")
    header = [column.strip().lower() for column in first_line.split(",")]
    if tuple(header) != STOOQ_COLUMNS:
        raise refuse(f"unexpected header {first_line[:80]!r}: expected Date,Open,High,Low,Close,Volume")

    try:
        parsed = parse_history_csv(text, symbol=symbol, source=source, fetched_at=fetched_at, now=now)
    except ValueError as problem:
        raise refuse(str(problem)) from None
    if parsed.rejected:
        first = parsed.rejected[0]
        more = f" (and {len(parsed.rejected) - 1} more bad rows)" if len(parsed.rejected) > 1 else ""
        raise refuse(f"line {first.line}: {first.reason}{more}")
    if not parsed.bars:
        raise refuse("the CSV has a header but no rows")
    return parsed.bars


def _html_title(html: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", html, re.IGNORECASE | re.DOTALL)
    if match and match.group(1).strip():
        return f"page title {match.group(1).strip()[:60]!r}"
    return f"starts {html[:60]!r}"
