"""A Yahoo chart API, a Stooq CSV download and FRED's fredgraph CSV on loopback, answering from recorded real
responses.

The bodies are the real recorded ones, re-filled with other real values: a Yahoo daily chart is the recorded AAPL
chart body (tests/fixtures/yahoo_v8_chart_AAPL_...json) with its meta, timestamps and price arrays set from real
daily history (the recorded ^RUT CSV, for instance); a Yahoo quote is the recorded ^TNX intraday body with its
meta set likewise; a Stooq answer keeps the recorded file's header and number format; a FRED answer is a
recorded fredgraph CSV (tests/fixtures/fred_*.csv). Nothing about the format
is made up, only which real numbers fill it.

A Yahoo spark answer is a constructed wrapper around real responses, not a recording of a batch: the recorded
spark envelope (tests/fixtures/yahoo_v7_spark_MUV2DE_...json, one symbol) with its one part replaced by one part per
symbol, each the chart.result[0] of a Yahoo quote body as above.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestServer

from alerts.market.calendar import NEW_YORK

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass(frozen=True)
class Bar:
    date: date
    open: float
    high: float
    low: float
    close: float
    volume: int


def history(name: str) -> list[Bar]:
    """Real daily bars from a recorded CSV in tests/fixtures (columns by name, any order)."""
    rows = csv.DictReader(io.StringIO((FIXTURES / name).read_text()))
    return [
        Bar(date.fromisoformat(r["Date"]), float(r["Open"]), float(r["High"]), float(r["Low"]), float(r["Close"]),
            int(float(r["Volume"])))
        for r in rows
    ]


RUT = "yahoo_daily_RUT_index_1987-2026.csv"
SPARK = "yahoo_v7_spark_MUV2DE_1d_2017-11-27_to_2018-05-25_raw.json"
NDX = "stooq_daily_NDX_index_1938_to_2026-05-01.csv"


def between(bars: list[Bar], first: date, last: date) -> list[Bar]:
    return [b for b in bars if first <= b.date <= last]


def _epoch(day: date, at: time) -> int:
    return int(datetime.combine(day, at, tzinfo=NEW_YORK).timestamp())


def yahoo_daily(symbol: str, bars: list[Bar]) -> bytes:
    envelope = json.loads((FIXTURES / "yahoo_v8_chart_AAPL_1d_2020-08-31_to_2020-11-07_recorded_envelope.json").read_text())
    body = copy.deepcopy(envelope["response"]["bodyJson"])
    result = body["chart"]["result"][0]
    result.pop("events", None)
    meta = result["meta"]
    meta.update(symbol=symbol, regularMarketPrice=bars[-1].close, chartPreviousClose=bars[0].close,
                regularMarketTime=_epoch(bars[-1].date, time(16, 0)))
    result["timestamp"] = [_epoch(b.date, time(9, 30)) for b in bars]
    result["indicators"]["quote"] = [
        {"open": [b.open for b in bars], "high": [b.high for b in bars], "low": [b.low for b in bars],
         "close": [b.close for b in bars], "volume": [b.volume for b in bars]}
    ]
    result["indicators"]["adjclose"] = [{"adjclose": [b.close for b in bars]}]
    return json.dumps(body).encode()


def yahoo_quote(symbol: str, price: float, at: datetime, previous_close: float) -> bytes:
    """The ^TNX body for `symbol` trading at `price` at `at`: its five-minute bars moved to end by `at` (same
    spacing) and scaled to `price` (same shape), so the series beside the quote is as plausible as the quote."""
    body = json.loads((FIXTURES / "yahoo_v8_chart_TNX_5m_range1d_2026-02-02_raw.json").read_text())
    result = body["chart"]["result"][0]
    meta = result["meta"]
    scale = price / meta["regularMarketPrice"]
    shift = (int(at.timestamp()) - result["timestamp"][-1]) // 300 * 300
    result["timestamp"] = [stamp + shift for stamp in result["timestamp"]]
    for name in ("open", "high", "low", "close"):
        column = result["indicators"]["quote"][0][name]
        column[:] = [None if value is None else round(value * scale, 4) for value in column]
    meta.update(symbol=symbol, regularMarketPrice=price, regularMarketTime=int(at.timestamp()),
                previousClose=previous_close, chartPreviousClose=previous_close,
                exchangeTimezoneName="America/New_York", timezone="EST", gmtoffset=-18000)
    return json.dumps(body).encode()


def spark_body(parts: list[tuple[str, bytes]]) -> bytes:
    """The recorded spark envelope holding, for each (symbol, chart body), that body's chart.result[0]."""
    envelope = json.loads((FIXTURES / SPARK).read_text())
    template = envelope["spark"]["result"][0]
    envelope["spark"]["result"] = [dict(template, symbol=symbol, response=[json.loads(body)["chart"]["result"][0]])
                                   for symbol, body in parts]
    return json.dumps(envelope).encode()


def stooq_csv(bars: list[Bar]) -> bytes:
    header = (FIXTURES / NDX).read_text().splitlines()[0]
    lines = [header] + [f"{b.date},{b.open:g},{b.high:g},{b.low:g},{b.close:g},{b.volume}" for b in bars]
    return ("\r\n".join(lines) + "\r\n").encode()


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def ok_json(body: bytes) -> Answer:
    return Answer(200, body, "application/json")


def ok_csv(body: bytes) -> Answer:
    return Answer(200, body, "text/csv")


class FakeUpstream:
    """Scripted answers per (source, symbol); the last answer of a script repeats. Records every request.

    Yahoo's spark endpoint (source "spark") answers with a script of its own for the whole answer (symbol "*"), or
    else wraps, for each asked symbol, its ("spark", symbol) script's chart body, or with `spark_from_charts` the
    chart answer its ("yahoo", symbol) script would give next (without using it up). A symbol with neither, or
    whose answer is not a 200, is missing from the answer; with no spark script at all the answer is a 404.
    """

    def __init__(self, *, spark_from_charts: bool = False) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._scripts: dict[tuple[str, str], list[Answer]] = {}
        self.spark_from_charts = spark_from_charts
        app = web.Application()
        app.router.add_get("/v7/finance/spark", self._spark)
        app.router.add_get("/v8/finance/chart/{symbol}", self._yahoo)
        app.router.add_get("/q/d/l/", self._stooq)
        app.router.add_get("/graph/fredgraph.csv", self._fred)
        self.server = TestServer(app, host="127.0.0.1")

    async def __aenter__(self) -> FakeUpstream:
        await self.server.start_server()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.server.close()

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    def script(self, source: str, symbol: str, *answers: Answer) -> None:
        self._scripts[(source, symbol)] = list(answers)

    def unscript(self, source: str, symbol: str) -> None:
        self._scripts.pop((source, symbol), None)

    def count(self, source: str | None = None, symbol: str | None = None) -> int:
        return sum(1 for s, sym, _ in self.requests if (source is None or s == source) and (symbol in (None, sym)))

    async def _yahoo(self, request: web.Request) -> web.Response:
        return self._answer("yahoo", request.match_info["symbol"], request)

    async def _stooq(self, request: web.Request) -> web.Response:
        return self._answer("stooq", request.query.get("s", ""), request)

    async def _spark(self, request: web.Request) -> web.Response:
        asked = request.query.get("symbols", "")
        self.requests.append(("spark", asked, dict(request.query)))
        if ("spark", "*") in self._scripts or not (self.spark_from_charts or any(s == "spark" for s, _ in self._scripts)):
            return self._reply("spark", "*")
        parts = []
        for symbol in asked.split(","):
            if ("spark", symbol) in self._scripts:
                answer = self._next(self._scripts[("spark", symbol)])
            elif self.spark_from_charts and self._scripts.get(("yahoo", symbol)):
                answer = self._scripts[("yahoo", symbol)][0]
            else:
                continue
            if answer.status == 200:
                parts.append((symbol, answer.body))
        return web.Response(body=spark_body(parts), content_type="application/json")

    async def _fred(self, request: web.Request) -> web.Response:
        return self._answer("fred", request.query.get("id", ""), request)

    def _answer(self, source: str, symbol: str, request: web.Request) -> web.Response:
        self.requests.append((source, symbol, dict(request.query)))
        return self._reply(source, symbol)

    def _reply(self, source: str, symbol: str) -> web.Response:
        script = self._scripts.get((source, symbol))
        if not script:
            return web.Response(status=404, text=f"no scripted answer for {source} {symbol}")
        answer = self._next(script)
        return web.Response(status=answer.status, body=answer.body, headers=answer.headers,
                            content_type=answer.content_type)

    @staticmethod
    def _next(script: list[Answer]) -> Answer:
        return script.pop(0) if len(script) > 1 else script[0]
