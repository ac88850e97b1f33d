"""Daily history CSV files as users export them (Yahoo downloads, yfinance, Stooq, Excel, FRED): read by header name.

One reader for every file: pandas reads the cells as text, the date format is inferred once per file and checked on
every row, and numbers may carry quoted thousands separators ("1,234,567"). Rows may come newest first. An import
reports what it skipped, so a bad row is rejected with its line number instead of failing the file.
pandas is imported inside the parse, never at module import: `rotobot run` must start without it.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import datetime

from alerts.market.csv_dates import infer_format
from alerts.market.models import DailyBar
from alerts.market.validate import check_bars

REQUIRED = ("date", "close")
OPTIONAL = ("open", "high", "low", "adj close", "volume")
PRICES = ("open", "high", "low", "close")
# Words Yahoo and pandas write where a value is missing; "." is FRED's.
MISSING = {"", "null", "none", "n/a", "-", "."}
FRED_DATE_COLUMNS = ("observation_date", "DATE")
FRED_SERIES = re.compile(r"[A-Z][A-Z0-9_]{1,29}")
THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
MAX_WIDTH_RETRIES = 8


@dataclass(frozen=True)
class Rejected:
    line: int  # 1-based line number in the file
    reason: str


@dataclass(frozen=True)
class ParsedHistory:
    bars: list[DailyBar]
    rejected: list[Rejected]
    skipped: int = 0  # FRED's missing observations ("." or empty): no bar, and nothing wrong


def looks_like_history_csv(text: str) -> bool:
    """True when the first non-blank line is a header naming Date and Close, or a FRED series header."""
    header = _first_row(text)
    if header is None:
        return False
    return all(name in {_column_key(c) for c in header} for name in REQUIRED) or _fred_id(header) is not None


def fred_series_id(text: str) -> str | None:
    """DFF for a FRED download headed `observation_date,DFF` (or `DATE,DFF`); None for any other file."""
    header = _first_row(text)
    return None if header is None else _fred_id(header)


def parse_history_csv(
    text: str, *, symbol: str, source: str, fetched_at: datetime, now: datetime
) -> ParsedHistory:
    """Bars oldest first, plus every rejected row with its line and reason.

    Raises ValueError when the file has no header with Date and Close columns, is not readable as CSV, or its dates
    can be read two ways.
    """
    rows = _rows(text)
    if not rows:
        raise ValueError("empty file: expected a header line with Date and Close columns")
    (_, header), data = rows[0], rows[1:]
    fred = _fred_id(header) is not None
    columns = {"date": 0, "close": 1} if fred else _column_positions(header)

    import pandas as pd

    lines = [line for line, _ in data]
    cell = {
        name: pd.Series([fields[position].strip() for _, fields in data], dtype=object).astype(str)
        for name, position in columns.items()
    }
    stamps = cell["date"]
    # yfinance writes an aware index as "2024-01-02 00:00:00-05:00": the first ten characters are the local date.
    stamped = stamps.str.match(r"\d{4}-\d{2}-\d{2}[ T]")
    stamps = stamps.where(~stamped, stamps.str.slice(0, 10))
    fmt, shaped, days = infer_format(stamps)
    numbers = {name: _numbers(pd, cell[name]) for name in (*PRICES, "volume") if name in cell}

    candidates: list[tuple[int, DailyBar]] = []
    rejected: list[Rejected] = []
    skipped = 0
    # Plain lists for the row loop: indexing a pandas Series per row cost 20 µs a row (3 s for the bundled files).
    texts, closes = stamps.tolist(), cell["close"].tolist()
    shapes, parsed_days = shaped.tolist(), list(days)
    for index, line in enumerate(lines):
        try:
            if fred and closes[index].lower() in MISSING:
                skipped += 1
                continue
            day = _day(texts[index], bool(shapes[index]), parsed_days[index], fmt.name)
            bar = _bar(index, day, numbers, symbol=symbol, source=source, fetched_at=fetched_at)
            candidates.append((line, bar))
        except ValueError as problem:
            rejected.append(Rejected(line, str(problem)))

    if len(candidates) > 1 and candidates[0][1].date > candidates[-1][1].date:
        candidates.reverse()  # newest first, as many sites and spreadsheets save it
    bars = [bar for _, bar in candidates]
    bad = dict(check_bars(bars, now=now))
    rejected.extend(Rejected(candidates[index][0], reason) for index, reason in bad.items())
    rejected.sort(key=lambda r: r.line)
    good = [bar for index, bar in enumerate(bars) if index not in bad]
    return ParsedHistory(bars=good, rejected=rejected, skipped=skipped)


def _rows(text: str) -> list[tuple[int, list[str]]]:
    """(line number, fields) for each non-blank row, read by pandas as text; unreadable CSV becomes ValueError."""
    import pandas as pd

    body = text.removeprefix("\ufeff")
    if not body.strip():
        return []
    names = None
    for _ in range(MAX_WIDTH_RETRIES):
        try:
            frame = pd.read_csv(
                io.StringIO(body), header=None, names=names, dtype=str, keep_default_na=False,
                skip_blank_lines=False, engine="c",
            )
            break
        except pd.errors.EmptyDataError:
            return []
        except pd.errors.ParserError as problem:
            # A row wider than the first: read again as wide as it (extra fields are ignored, as before).
            wider = re.search(r"Expected \d+ fields in line (\d+), saw (\d+)", str(problem))
            if wider is None:
                raise ValueError(f"not readable as CSV ({problem})") from None
            names = list(range(int(wider[2])))
        except (ValueError, UnicodeError) as problem:
            raise ValueError(f"not readable as CSV ({problem})") from None
    else:
        raise ValueError("not readable as CSV (its rows have too many different widths)")
    rows = []
    line = 1
    for fields in frame.to_numpy(dtype=object, na_value="").tolist():
        fields = ["" if value is None else str(value) for value in fields]
        if any(field.strip() for field in fields):
            rows.append((line, fields))
        # A quoted field may span lines: the next row starts after them.
        line += 1 + sum(field.count("\n") + field.replace("\r\n", "").count("\r") for field in fields)
    return rows


def _first_row(text: str) -> list[str] | None:
    """The header, read with the csv module from the first non-blank line alone: a cheap sniff without pandas."""
    for raw in text.removeprefix("\ufeff").splitlines():
        if raw.strip():
            try:
                return next(csv.reader([raw]))
            except (csv.Error, StopIteration):
                return None
    return None


def _fred_id(header: list[str]) -> str | None:
    if len(header) != 2 or header[0].strip() not in FRED_DATE_COLUMNS:
        return None
    series = header[1].strip()
    known = _column_key(series) in REQUIRED or _column_key(series) in OPTIONAL
    return series if FRED_SERIES.fullmatch(series) and not known else None


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
            " (optionally Open, High, Low, Adj Close, Volume and any other columns, in any order)"
        )
    return positions


def _numbers(pd, cells) -> list[tuple[str, float | None | ValueError]]:
    """Per cell: (text, value): None when missing, or the ValueError saying why it is not a number."""
    plain = cells.where(~cells.str.fullmatch(THOUSANDS.pattern), cells.str.replace(",", "", regex=False))
    values = pd.to_numeric(plain, errors="coerce").tolist()
    out = []
    for text, clean, value in zip(cells.tolist(), plain.tolist(), values):
        if text.lower() in MISSING:
            out.append((text, None))
        elif "_" in text:  # float() takes "1_000"; a price with an underscore is garbage, not a thousand
            out.append((text, ValueError))
        elif value is None or math.isnan(value):
            try:  # "NaN" is a number the checks name; "abc" is not
                out.append((text, float(clean)))
            except ValueError:
                out.append((text, ValueError))
        else:
            out.append((text, float(value)))
    return out


def _day(text: str, shaped: bool, day, fmt_name: str):
    if not shaped:
        raise ValueError(f"date {text!r} is not {fmt_name}, the date format of this file")
    if day is None or day != day:  # NaT
        raise ValueError(f"date {text!r} is not a calendar date")
    return day.date()


def _bar(index: int, day, numbers, *, symbol: str, source: str, fetched_at: datetime) -> DailyBar:
    prices = {}
    for name in PRICES:
        text, value = numbers[name][index] if name in numbers else ("", None)
        if value is ValueError:
            raise ValueError(f"{name} {text!r} is not a number")
        prices[name] = value
    if prices["close"] is None:
        if all(value is None for value in prices.values()):
            raise ValueError(f"{day}: no prices (every price is empty or null)")
        raise ValueError(f"{day}: close is missing")
    return DailyBar(
        symbol=symbol, date=day, close=prices["close"], source=source, fetched_at=fetched_at,
        open=prices["open"], high=prices["high"], low=prices["low"], volume=_volume(numbers.get("volume"), index),
    )


def _volume(numbers, index: int) -> int | None:
    if numbers is None:
        return None
    text, value = numbers[index]
    if value is None:
        return None
    if value is ValueError:
        raise ValueError(f"volume {text!r} is not a number")
    if not math.isfinite(value):
        raise ValueError(f"volume {text!r} is not a finite number")
    if not 0 <= value < 2**63:  # what SQLite stores as an integer; more shares than that is garbage
        raise ValueError(f"volume {text!r} is out of range: expected a share count from 0 to {2**63 - 1:,}")
    # Stooq's back-filled index volume has fractions (958751963.17469): a share count rounds.
    return round(value)
