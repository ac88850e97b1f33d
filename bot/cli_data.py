"""`rotobot import`, `rotobot prices` and `rotobot backfill`: market history from the command line."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

from alerts.market.calendar import TradingCalendar
from alerts.market.errors import UpstreamError
from alerts.market.history_csv import fred_series_id, looks_like_history_csv, parse_history_csv
from alerts.market.yahoo_chart import parse_chart
from alerts.rules.checks import is_symbol
from bot.settings import Settings
from storage import prices
from storage.database import Database
from storage.errors import StorageError

MAX_IMPORT_BYTES = 64 * 1024 * 1024
SHOWN_REJECTIONS = 10


class InputError(Exception):
    """A file or argument the command cannot use; the message says what would be right."""


def symbol_from_name(path: Path) -> str | None:
    """IWM.csv -> IWM, ^ndx_d.csv (Stooq's download name) -> ^NDX, cfg.us.csv -> CFG; None when unclear."""
    stem = path.name.split(".csv")[0].split(".json")[0]
    stem = re.sub(r"_d$", "", stem)
    stem = re.sub(r"\.us$", "", stem, flags=re.I).upper()
    return stem if is_symbol(stem) else None


def checked_symbol(text: str) -> str:
    symbol = text.strip().upper()
    if not is_symbol(symbol):
        raise InputError(f"{text!r} is not a ticker symbol: expected something like ^RUT, IWM or BRK-B")
    return symbol


def import_file(settings: Settings, path: Path, symbol: str | None, now: datetime) -> str:
    """Read a Yahoo chart JSON or a daily-history CSV (Stooq's included) and store its bars; returns a report."""
    body = _read(path)
    text = body.decode("utf-8-sig", errors="strict") if _is_utf8(body) else None
    if text is None:
        raise InputError(f"{path} is not text: expected a Yahoo chart JSON file or a CSV of daily prices")
    if text.lstrip().startswith("{"):
        try:
            chart = parse_chart(body, fetched_at=now, now=now, source="import")
        except UpstreamError as exc:
            raise InputError(f"{path} is not a usable Yahoo chart response: {exc.reason}") from None
        if not chart.bars:
            raise InputError(f"{path} holds no daily bars: expected a chart fetched with interval=1d")
        if not symbol and not is_symbol(chart.symbol.upper()):
            raise InputError(f"{path} is a chart of {chart.symbol!r}, which is no ticker symbol: pass --symbol, "
                             "e.g. --symbol ^RUT")
        symbol = checked_symbol(symbol or chart.symbol)
        if symbol != chart.symbol.upper():
            raise InputError(f"{path} is a chart of {chart.symbol}, not {symbol}: drop --symbol or give {chart.symbol}")
        # Stored under the spelling rules and commands look up (as a CSV's is), whatever case meta.symbol has.
        bars, rejected = [replace(bar, symbol=symbol) for bar in chart.bars], [(None, r) for r in chart.dropped]
        skipped = 0
    elif looks_like_history_csv(text):
        series = fred_series_id(text)
        if series is not None:  # a FRED download: the series id is the symbol, whatever the file is called
            if symbol and checked_symbol(symbol) != series:
                raise InputError(f"{path} is the FRED series {series}, not {symbol}: drop --symbol or give {series}")
            symbol, source = series, "fred"
        else:
            symbol = checked_symbol(symbol) if symbol else symbol_from_name(path)
            source = "import"
        if symbol is None:
            raise InputError(f"cannot tell the symbol from the file name {path.name}: pass --symbol, e.g. --symbol ^RUT")
        try:
            parsed = parse_history_csv(text, symbol=symbol, source=source, fetched_at=now, now=now)
        except ValueError as problem:
            raise InputError(f"{path} was not imported: {problem}") from None
        bars, rejected = parsed.bars, [(r.line, r.reason) for r in parsed.rejected]
        skipped = parsed.skipped
    else:
        first = text.strip().splitlines()[0][:60] if text.strip() else "(empty)"
        raise InputError(
            f"{path} is neither a Yahoo chart JSON nor a CSV with Date and Close columns (it starts {first!r})"
        )
    if not bars:
        raise InputError(_nothing_imported(path, rejected))
    database = Database.open(settings.storage.database, busy_timeout_ms=settings.storage.busy_timeout_ms)
    try:
        result = database.call(prices.store_bars, bars)
    finally:
        database.close()
    lines = [
        f"Imported {symbol} from {path}: {len(bars) + len(rejected)} rows read, {result.added} added, "
        f"{result.updated} updated, {result.unchanged} unchanged, {len(rejected)} rejected"
        + (f", {skipped} missing days skipped" if skipped else "")
    ]
    return "\n".join(lines + _rejections(rejected))


def _rejections(rejected: list[tuple[int | None, str]]) -> list[str]:
    lines = [f"  rejected{f' line {line}' if line else ''}: {reason}" for line, reason in rejected[:SHOWN_REJECTIONS]]
    if len(rejected) > SHOWN_REJECTIONS:
        lines.append(f"  ... and {len(rejected) - SHOWN_REJECTIONS} more rejected rows")
    return lines


def _nothing_imported(path: Path, rejected: list[tuple[int | None, str]]) -> str:
    if not rejected:
        return f"{path} holds no rows of prices under its header: nothing imported"
    return "\n".join([f"{path}: nothing imported, every one of its {len(rejected)} rows was rejected",
                      *_rejections(rejected)])


def show_prices(settings: Settings, symbol: str, last: int | None, as_json: bool) -> str:
    symbol = checked_symbol(symbol)
    database = _existing(settings)
    try:
        bars = database.call(prices.daily_bars, symbol)
        stored = [c.symbol for c in database.call(prices.coverage)] if not bars else []
    finally:
        database.close()
    if not bars:
        known = ", ".join(stored) or "none yet"
        raise InputError(f"no daily bars stored for {symbol}; stored symbols: {known}")
    bars = bars[-last:] if last else bars
    if as_json:
        return "\n".join(
            json.dumps({"symbol": b.symbol, "date": b.date.isoformat(), "open": b.open, "high": b.high, "low": b.low,
                        "close": b.close, "volume": b.volume})
            for b in bars
        )
    rows = [f"{'date':<10} {'open':>12} {'high':>12} {'low':>12} {'close':>12} {'volume':>14}  source"]
    for b in bars:
        rows.append(
            f"{b.date.isoformat():<10} {_num(b.open):>12} {_num(b.high):>12} {_num(b.low):>12} {_num(b.close):>12} "
            f"{'' if b.volume is None else f'{b.volume:,}':>14}  {b.source}"
        )
    return "\n".join(rows)


def backfill(settings: Settings, symbols: list[str], since: date | None) -> tuple[str, bool]:
    """Fetch missing history now; returns the report and whether every symbol succeeded."""
    return asyncio.run(_backfill(settings, [checked_symbol(s) for s in symbols], since))


async def _backfill(settings: Settings, symbols: list[str], since: date | None) -> tuple[str, bool]:
    import aiohttp

    from bot.pipeline import build_market, market_providers
    from bot.wiring import needed_symbols

    database = Database.open(settings.storage.database, busy_timeout_ms=settings.storage.busy_timeout_ms)
    try:
        async with aiohttp.ClientSession() as session:

            async def say(notice) -> None:
                print(notice.text, file=sys.stderr)

            jobs = build_market(database, market_providers(settings, session), TradingCalendar(),
                                symbols=needed_symbols(settings, database), notify=say, clock=_now,
                                limits=settings.market).jobs
            wanted = symbols or await needed_symbols(settings, database)()
            report = await jobs.store_daily(wanted, since=since, progress=_progress_bar() if sys.stderr.isatty() else None)
    finally:
        database.close()
    lines = [
        f"Back-fill of {len(wanted)} symbols: {report.result.added} bars added, {report.result.updated} updated, "
        f"{len(report.up_to_date)} already up to date"
    ]
    lines += [f"  held for confirmation: {key}" for key in report.held]
    lines += [f"  failed {symbol}: {reason}" for symbol, reason in report.failed.items()]
    return "\n".join(lines), not report.failed


def _progress_bar():
    def show(done: int, total: int, symbol: str) -> None:
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r[{'#' * filled}{' ' * (width - filled)}] {done}/{total} {symbol:<12}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def parse_day(text: str, option: str = "--since") -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} {text!r} is not a date: expected YYYY-MM-DD, e.g. 2025-01-02") from None


def _existing(settings: Settings) -> Database:
    path = settings.storage.database
    if not Path(path).exists():
        raise StorageError(f"There is no database at {path} yet: run rotobot once, or import a file, or pass --db")
    return Database.open(path, busy_timeout_ms=settings.storage.busy_timeout_ms)


def read_text_file(path: Path, expected: str) -> str:
    """A readable UTF-8 file of sensible size, or an InputError naming what was expected."""
    body = _read(path)
    if not _is_utf8(body):
        raise InputError(f"{path} is not text: expected {expected}")
    return body.decode("utf-8-sig")


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise InputError(f"{path} is larger than {MAX_IMPORT_BYTES // 2**20} MiB: expected one symbol's history")
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path} does not exist: give the path of a CSV or Yahoo chart JSON file") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder: give the path of a CSV or Yahoo chart JSON file") from None
    except OSError as exc:
        raise InputError(f"{path} cannot be read ({exc.strerror})") from None


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in body


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _now() -> datetime:
    return datetime.now(timezone.utc)
