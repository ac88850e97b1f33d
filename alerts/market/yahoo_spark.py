"""Yahoo's spark endpoint (`/v7/finance/spark?symbols=A,B,…&range=1d&interval=5m`): the latest quotes of up to 20
symbols in one answer, each symbol's part shaped like one chart API result and held to every check of that path.

The envelope, `{"spark": {"result": [{"symbol": "AAPL", "response": [<chart result>]}], "error": null}}`, is
undocumented. It is what these public clients read and, for the first, what one recorded answer shows:
- portfolio-performance/portfolio, `name.abuchen.portfolio.tests/.../online/impl/response_yahoo_historical.txt` at
  a24dd031789d (2018): a recorded answer for MUV2.DE, `spark.error` null, `spark.result[0]` with `symbol` and
  `response[0]` = meta, timestamp, indicators.quote[0].close (tests/fixtures/yahoo_v7_spark_MUV2DE_*.json), read
  by `name.abuchen.portfolio/.../online/impl/YahooFinanceQuoteFeed.java` of that commit;
- Verdenroz/finance-query, `src/models/chart/spark/response.rs` (SparkResponse → SparkContainer{result, error} →
  SparkSymbolResult{symbol, response: [SparkData{meta: ChartMeta, timestamp, indicators.quote[].close}]}) and
  `src/adapters/yahoo/quote/spark.rs` (the request: symbols joined by commas, interval, range);
- many smaller clients found by code search read `spark.result[].response[0].meta.regularMarketPrice` the same way.
Several of those also read a second, flat shape (`{"AAPL": {"symbol", "timestamp", "close", …}}`, served at
/v8/finance/spark). rotobot does not: an answer without a `spark` object is the wrong shape, refused whole, and
its symbols are asked through the chart API. Unverified: what Yahoo answers today for a symbol it does not know
(left out, or an error for the whole batch), and whether every part's meta still carries the exchange time zone;
either way the symbol falls back to the chart API, it is never taken unchecked.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from alerts.market.errors import UpstreamError
from alerts.market.models import Quote
from alerts.market.yahoo_chart import CLOCK_SKEW, ChartData, load_json, parse_chart_result
from alerts.market.yahoo_envelope import envelope_results

log = logging.getLogger(__name__)

MAX_SYMBOLS = 20  # per request: what the clients above send at most, and what Yahoo is said to accept
SPARK_PARAMS = {"range": "1d", "interval": "5m"}


@dataclass
class SparkAnswer:
    """What one spark answer gave for the symbols it was asked: each asked symbol is in exactly one of these."""

    quotes: dict[str, Quote] = field(default_factory=dict)  # passed every check of the chart path
    refused: dict[str, UpstreamError] = field(default_factory=dict)  # its part failed a check
    missing: list[str] = field(default_factory=list)  # asked, but not in the answer


def parse_spark(body: bytes | str, asked: list[str], *, fetched_at: datetime, now: datetime,
                source: str = "yahoo") -> SparkAnswer:
    """The quotes in a raw spark body, per asked symbol. Raises UpstreamError (not retryable) when the answer as a
    whole is not a spark answer: HTML, not JSON, another shape, or Yahoo's own error."""
    results = envelope_results(load_json(body, source), "spark", source, "spark: ")
    if not isinstance(results, list):
        raise UpstreamError(source, f"spark.result is {type(results).__name__}, not a list")

    wanted = {symbol.upper(): symbol for symbol in asked}
    parts: dict[str, list[Any]] = {}
    for index, item in enumerate(results):
        answered = item.get("symbol") if isinstance(item, dict) else None
        if not isinstance(answered, str) or answered.upper() not in wanted:
            log.info("%s spark: result[%d] is for %r, which was not asked; ignored", source, index, answered)
            continue
        parts.setdefault(wanted[answered.upper()], []).append((index, item))

    answer = SparkAnswer()
    for symbol in asked:
        found = parts.get(symbol)
        if not found:
            answer.missing.append(symbol)
            continue
        try:
            answer.quotes[symbol] = _part_quote(symbol, found, fetched_at=fetched_at, now=now, source=source)
        except UpstreamError as error:
            answer.refused[symbol] = error
    return answer


def _part_quote(symbol: str, found: list, *, fetched_at: datetime, now: datetime, source: str) -> Quote:
    def refuse(reason: str) -> UpstreamError:
        return UpstreamError(source, f"spark: {reason}", symbol=symbol)

    if len(found) > 1:
        raise refuse(f"{len(found)} parts for this symbol (result[{found[0][0]}] and result[{found[1][0]}])")
    index, item = found[0]
    where = f"spark.result[{index}].response[0]"
    responses = item.get("response")
    if not isinstance(responses, list) or not responses:
        raise refuse(f"spark.result[{index}] has no response")
    try:
        chart = parse_chart_result(responses[0], fetched_at=fetched_at, now=now, source=source, where=where,
                                   asked=symbol)  # checked against, and stored under, the symbol asked
    except UpstreamError as error:
        raise refuse(error.reason) from None
    problem = _series_problem(responses[0], chart, now)
    if problem:
        raise refuse(f"{where}: {problem}")
    if chart.quote is None:
        raise refuse("no regular market price in the answer")
    return chart.quote


def _series_problem(result: dict, chart: ChartData, now: datetime) -> str | None:
    """The intraday closes beside the quote, held to what check_bars asks of daily bars: prices positive and
    finite, times whole, in order, not ahead of our clock. A daily part was already checked whole as bars."""
    if chart.bars or result.get("meta", {}).get("dataGranularity") == "1d":
        return None
    stamps = result.get("timestamp")
    indicators = result.get("indicators")
    quotes = indicators.get("quote") if isinstance(indicators, dict) else None
    closes = quotes[0].get("close") if isinstance(quotes, list) and quotes and isinstance(quotes[0], dict) else None
    if not stamps and not closes:
        return None  # no trade yet today: the quote stands on the meta alone, as a chart answer's would
    if not isinstance(stamps, list) or not isinstance(closes, list):
        return "timestamp and indicators.quote[0].close must both be arrays"
    if len(stamps) != len(closes):
        return f"indicators.quote[0].close has {len(closes)} values for {len(stamps)} timestamps"
    latest = now.timestamp() + CLOCK_SKEW.total_seconds()
    previous = -math.inf
    for index, (stamp, close) in enumerate(zip(stamps, closes, strict=True)):
        if not _is_whole(stamp):
            return f"timestamp[{index}] {stamp!r} is not a Unix time"
        if stamp <= previous:
            return f"timestamp[{index}] {stamp} is not after the one before it"
        if stamp > latest:
            return f"timestamp[{index}] {stamp} is in the future (now is {now.isoformat()})"
        previous = stamp
        if close is None:
            continue  # a five-minute slot without a trade
        if not _is_price(close):
            return f"close[{index}] {close!r} is not a positive price"
    return None


def _is_whole(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_price(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float
        return False
    return math.isfinite(number) and number > 0
