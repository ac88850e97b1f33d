"""Yahoo Finance chart API v8 bodies (`{"chart":{"result":[...],"error":null}}`): daily bars and the latest quote.

A response is taken whole or refused whole: one bad bar means Yahoo sent something rotobot does not understand,
and storing the rest would hide it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from alerts.market.errors import UpstreamError
from alerts.market.models import DailyBar, Quote
from alerts.market.validate import check_bars
from alerts.market.yahoo_envelope import envelope_results

# A quote stamped a little ahead of our clock is clock skew; further ahead it is a wrong timestamp.
CLOCK_SKEW = timedelta(minutes=5)
PRICES = ("open", "high", "low", "close")


@dataclass(frozen=True)
class ChartData:
    symbol: str  # meta.symbol, or the symbol asked when the parser was told it
    timezone: str  # the exchange's zone, e.g. "America/New_York"
    bars: list[DailyBar]  # daily charts only, validated, oldest first
    quote: Quote | None  # None when the body carries no regularMarketPrice / regularMarketTime at all
    dropped: list[str]  # rows skipped because every price was null (Yahoo's "no trade that day")


def parse_chart(body: bytes | str, *, fetched_at: datetime, now: datetime, source: str = "yahoo",
                asked: str | None = None) -> ChartData:
    """The chart in a raw v8 body. Raises UpstreamError (not retryable) for anything rotobot will not store.
    `asked`: the symbol requested (see parse_chart_result)."""
    results = envelope_results(load_json(body, source), "chart", source)
    if not isinstance(results, list) or not results:
        raise UpstreamError(source, f"chart.result is {'empty' if results == [] else 'null'}: no chart in the answer")
    return parse_chart_result(results[0], fetched_at=fetched_at, now=now, source=source, where="chart.result[0]",
                              asked=asked)


def parse_chart_result(
    result: Any, *, fetched_at: datetime, now: datetime, source: str = "yahoo", where: str = "chart.result[0]",
    asked: str | None = None,
) -> ChartData:
    """One chart result (meta, timestamp, indicators), with every check parse_chart makes. The spark endpoint's
    per-symbol parts have this shape (alerts/market/yahoo_spark.py); `where` names the part in a refusal.

    `asked`, the symbol requested: meta.symbol must be it, in any case (Yahoo may answer ^tnx for ^TNX), and the
    bars and quote then carry the spelling asked, the one rules and commands look up, never the answer's."""
    meta = result.get("meta") if isinstance(result, dict) else None
    if not isinstance(meta, dict):
        raise UpstreamError(source, f"{where} has no meta object", symbol=asked)
    symbol = meta.get("symbol")
    if not isinstance(symbol, str) or not symbol:
        raise UpstreamError(source, "meta.symbol is missing", symbol=asked)
    if asked is not None:
        if symbol.upper() != asked.upper():
            raise UpstreamError(source, f"asked for {asked}, {where} is for {symbol}", symbol=asked, retryable=False)
        symbol = asked

    def refuse(reason: str) -> UpstreamError:
        return UpstreamError(source, reason, symbol=symbol, retryable=False)

    zone, zone_name = _exchange_zone(meta, refuse)
    bars: list[DailyBar] = []
    dropped: list[str] = []
    if meta.get("dataGranularity") == "1d":
        bars, dropped = _daily_bars(result, zone, symbol=symbol, source=source, fetched_at=fetched_at, refuse=refuse)
        if len(bars) >= 2 and bars[-1].date == bars[-2].date:
            # In market hours Yahoo may append today's live row beside today's first row (yfinance merges them in
            # fix_yahoo_returning_live_separate). The later row is the current one; any other duplicate is refused.
            dropped.append(f"{bars[-2].date}: an earlier row of the session still trading, replaced by the live row")
            del bars[-2]
        problems = check_bars(bars, now=now)
        if problems:
            raise refuse(problems[0][1])
    quote = _quote(meta, zone, symbol=symbol, source=source, fetched_at=fetched_at, now=now, refuse=refuse)
    return ChartData(symbol=symbol, timezone=zone_name, bars=bars, quote=quote, dropped=dropped)


def load_json(body: bytes | str, source: str) -> Any:
    """The decoded JSON document, or UpstreamError naming what came instead (HTML, plain text, a cut body)."""
    try:
        text = body if isinstance(body, str) else body.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        raise UpstreamError(source, f"body is not UTF-8 text (bad byte at {problem.start})") from None
    text = text.strip()
    if not text:
        raise UpstreamError(source, "empty body: expected JSON")
    if text.startswith("<"):
        raise UpstreamError(source, f"expected JSON, got HTML ({_html_title(text)})")
    if text[0] not in "{[":
        # Yahoo's rate limiter answers in plain text, e.g. "Too Many Requests".
        raise UpstreamError(source, f"expected JSON, got text {text[:80]!r}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as problem:
        if _ends_early(text):
            reason = f"truncated JSON: the body stops mid-document after {len(text)} characters"
        else:
            reason = f"malformed JSON: {problem.msg} at line {problem.lineno} column {problem.colno}"
        raise UpstreamError(source, reason) from None
    except RecursionError:
        raise UpstreamError(source, "malformed JSON: nested too deeply") from None


def _ends_early(text: str) -> bool:
    """True when a string or bracket is still open at the end: the body was cut, not garbled."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
    return in_string or depth > 0


def _html_title(html: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", html, re.IGNORECASE | re.DOTALL)
    if match and match.group(1).strip():
        return f"page title {match.group(1).strip()[:60]!r}"
    return f"starts {html[:60]!r}"


def _exchange_zone(meta: dict, refuse) -> tuple[tzinfo, str]:
    """The exchange's time zone: its name when Python knows it, else meta.gmtoffset as a fixed offset."""
    name = meta.get("exchangeTimezoneName")
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name), name
        except (ZoneInfoNotFoundError, ValueError):
            pass
    offset = meta.get("gmtoffset")
    if _is_whole(offset) and abs(offset) < 86400:
        zone = timezone(timedelta(seconds=int(offset)))
        return zone, str(zone)
    raise refuse(f"no usable exchange time zone (exchangeTimezoneName {name!r}, gmtoffset {offset!r})")


def _daily_bars(
    result: dict, zone: tzinfo, *, symbol: str, source: str, fetched_at: datetime, refuse
) -> tuple[list[DailyBar], list[str]]:
    timestamps = result.get("timestamp")
    indicators = result.get("indicators")
    quotes = indicators.get("quote") if isinstance(indicators, dict) else None
    if not timestamps and quotes == [{}]:
        # Yahoo's answer for a range without trades: no timestamps and one empty quote block, i.e. no bars.
        return [], []
    if not isinstance(timestamps, list) or not timestamps:
        raise refuse("daily chart without a timestamp array")
    if not isinstance(quotes, list) or not quotes or not isinstance(quotes[0], dict):
        raise refuse("daily chart without an indicators.quote block")
    columns = quotes[0]
    for name in (*PRICES, "volume"):
        values = columns.get(name)
        if not isinstance(values, list):
            raise refuse(f"indicators.quote has no {name} array")
        if len(values) != len(timestamps):
            raise refuse(f"indicators.quote.{name} has {len(values)} values for {len(timestamps)} timestamps")

    bars: list[DailyBar] = []
    dropped: list[str] = []
    for index, stamp in enumerate(timestamps):
        # The session date is the exchange's: the UTC date of a late or an Asian timestamp is another day.
        day = _moment(stamp, zone, f"timestamp[{index}]", refuse).date()
        prices = {name: _price(columns[name][index], name, day, refuse) for name in PRICES}
        if all(value is None for value in prices.values()):
            dropped.append(f"{day}: no trade (open, high, low and close all null)")
            continue
        if prices["close"] is None:
            raise refuse(f"{day}: close is null while other prices are not")
        bars.append(
            DailyBar(
                symbol=symbol,
                date=day,
                close=prices["close"],
                source=source,
                fetched_at=fetched_at,
                open=prices["open"],
                high=prices["high"],
                low=prices["low"],
                volume=_volume(columns["volume"][index], day, refuse),
            )
        )
    return bars, dropped


def _quote(
    meta: dict, zone: tzinfo, *, symbol: str, source: str, fetched_at: datetime, now: datetime, refuse
) -> Quote | None:
    if "regularMarketPrice" not in meta and "regularMarketTime" not in meta:
        return None
    raw_price = meta.get("regularMarketPrice")
    price = _number(raw_price)
    if price is None or not math.isfinite(price) or price <= 0:
        raise refuse(f"regularMarketPrice {raw_price!r} is not a positive price")
    exchange_time = _moment(meta.get("regularMarketTime"), zone, "regularMarketTime", refuse)
    if exchange_time > now + CLOCK_SKEW:
        raise refuse(f"regularMarketTime {exchange_time.isoformat()} is in the future (now is {now.isoformat()})")
    return Quote(
        symbol=symbol,
        price=price,
        exchange_time=exchange_time,
        source=source,
        fetched_at=fetched_at,
        previous_close=_previous_close(meta),
    )


def _previous_close(meta: dict) -> float | None:
    raw = meta.get("previousClose")
    # chartPreviousClose is the close before the chart's first bar: the previous session only for a 1-day range.
    if raw is None and meta.get("range") == "1d":
        raw = meta.get("chartPreviousClose")
    value = _number(raw)
    # A bad previous close costs the day's change, not the price: leave it out rather than refuse the quote.
    return value if value is not None and math.isfinite(value) and value > 0 else None


def _moment(stamp: Any, zone: tzinfo, what: str, refuse) -> datetime:
    if not _is_whole(stamp):
        raise refuse(f"{what} {stamp!r} is not a Unix time")
    try:
        return datetime.fromtimestamp(int(stamp), zone)
    except (OverflowError, OSError, ValueError):
        raise refuse(f"{what} {stamp!r} is out of range") from None


def _price(value: Any, name: str, day: date, refuse) -> float | None:
    if value is None:
        return None
    number = _number(value)
    if number is None:
        raise refuse(f"{day}: {name} {value!r} is not a number")
    return number  # NaN and infinities pass through to check_bars, which names them


def _volume(value: Any, day: date, refuse) -> int | None:
    if value is None:
        return None
    number = _number(value)
    if number is None or not math.isfinite(number):
        raise refuse(f"{day}: volume {value!r} is not a finite number")
    return round(number)


def _number(value: Any) -> float | None:
    """The value as a float, or None when JSON gave something else (a string, a bool, an int too big)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return float(value)
    except OverflowError:
        return None


def _is_whole(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
