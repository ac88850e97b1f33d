"""Daily history CSV files as users export them (Yahoo downloads, yfinance, Stooq): read by header name, row by row.

An import reports what it skipped, so a bad row is rejected with its line number instead of failing the file.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import date, datetime

from alerts.market.models import DailyBar
from alerts.market.validate import check_bars

REQUIRED = ("date", "close")
OPTIONAL = ("open", "high", "low", "adj close", "volume")
# Words Yahoo and pandas write where a value is missing.
MISSING = {"", "null", "none", "n/a", "-"}


@dataclass(frozen=True)
class Rejected:
    line: int  # 1-based line number in the file
    reason: str


@dataclass(frozen=True)
class ParsedHistory:
    bars: list[DailyBar]
    rejected: list[Rejected]


def looks_like_history_csv(text: str) -> bool:
    """True when the first non-blank line is a header naming Date and Close."""
    header = _first_row(text)
    return header is not None and all(name in {_column_key(c) for c in header} for name in REQUIRED)


def parse_history_csv(
    text: str, *, symbol: str, source: str, fetched_at: datetime, now: datetime
) -> ParsedHistory:
    """Bars oldest first, plus every rejected row with its line and reason.

    Raises ValueError when the file has no header with Date and Close columns.
    """
    rows = _rows(text)
    try:
        header_line, header = next(rows)
    except StopIteration:
        raise ValueError("empty file: expected a header line with Date and Close columns") from None
    columns = _column_positions(header)

    bars: list[DailyBar] = []
    lines: list[int] = []  # the file line of each bar, to report check_bars' findings
    rejected: list[Rejected] = []
    for line, fields in rows:
        try:
            bars.append(_bar(fields, columns, symbol=symbol, source=source, fetched_at=fetched_at))
            lines.append(line)
        except ValueError as problem:
            rejected.append(Rejected(line, str(problem)))

    bad = dict(check_bars(bars, now=now))
    rejected.extend(Rejected(lines[index], reason) for index, reason in bad.items())
    rejected.sort(key=lambda r: r.line)
    good = [bar for index, bar in enumerate(bars) if index not in bad]
    return ParsedHistory(bars=good, rejected=rejected)


def _rows(text: str):
    """(line number, fields) for each non-blank row; csv errors become ValueError."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        for fields in reader:
            if any(field.strip() for field in fields):
                yield reader.line_num, fields
    except csv.Error as problem:
        raise ValueError(f"line {reader.line_num}: not readable as CSV ({problem})") from None


def _first_row(text: str) -> list[str] | None:
    try:
        return next(_rows(text))[1]
    except (StopIteration, ValueError):
        return None


def _column_key(name: str) -> str:
    # "Adj Close", "adj_close" and "AdjClose" are the same column.
    key = re.sub(r"[\s_]+", " ", name.strip().lower())
    return "adj close" if key == "adjclose" else key


def _column_positions(header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for position, name in enumerate(header):
        key = _column_key(name)
        if key in REQUIRED or key in OPTIONAL:
            if key in positions:
                raise ValueError(f"column {name.strip()!r} appears twice in the header")
            positions[key] = position
    missing = [name for name in REQUIRED if name not in positions]
    if missing:
        found = ", ".join(repr(name.strip()) for name in header) or "none"
        raise ValueError(
            f"not a daily history CSV: columns found {found}; expected Date and Close"
            " (optionally Open, High, Low, Adj Close, Volume, in any order)"
        )
    return positions


def _bar(fields: list[str], columns: dict[str, int], *, symbol: str, source: str, fetched_at: datetime) -> DailyBar:
    needed = max(columns.values()) + 1
    if len(fields) < needed:
        raise ValueError(f"expected at least {needed} fields, got {len(fields)}")
    cell = {name: fields[position].strip() for name, position in columns.items()}
    day = _date(cell["date"])
    prices = {name: _number(name, cell.get(name, "")) for name in ("open", "high", "low", "close")}
    close = prices["close"]
    if close is None:
        if all(value is None for value in prices.values()):
            raise ValueError(f"{day}: no prices (every price is empty or null)")
        raise ValueError(f"{day}: close is missing")
    return DailyBar(
        symbol=symbol,
        date=day,
        close=close,
        source=source,
        fetched_at=fetched_at,
        open=prices["open"],
        high=prices["high"],
        low=prices["low"],
        volume=_volume(cell.get("volume", "")),
    )


def _date(text: str) -> date:
    # yfinance writes an aware index as "2024-01-02 00:00:00-05:00": the first ten characters are the local date.
    if len(text) > 10 and text[10] in " T":
        text = text[:10]
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f"date {text!r} is not YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"date {text!r} is not a calendar date") from None


def _number(name: str, text: str) -> float | None:
    if text.lower() in MISSING:
        return None
    # float() also takes "1_000"; a price with an underscore is garbage, not a thousand.
    if "_" in text:
        raise ValueError(f"{name} {text!r} is not a number")
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a number") from None


def _volume(text: str) -> int | None:
    value = _number("volume", text)
    if value is None:
        return None
    if not math.isfinite(value):
        raise ValueError(f"volume {text!r} is not a finite number")
    # Stooq's back-filled index volume has fractions (958751963.17469): a share count rounds.
    return round(value)
