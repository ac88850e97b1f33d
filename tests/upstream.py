"""A Yahoo chart API and a Stooq CSV download on loopback, answering from recorded real responses.

The bodies are the real recorded ones, re-filled with other real values: a Yahoo daily chart is the recorded AAPL
chart body (tests/fixtures/yahoo_v8_chart_AAPL_...json) with its meta, timestamps and price arrays set from real
daily history (the recorded ^RUT CSV, for instance); a Yahoo quote is the recorded ^TNX intraday body with its
meta set likewise; a Stooq answer keeps the recorded file's header and number format. Nothing about the format
is made up, only which real numbers fill it.
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
    body = json.loads((FIXTURES / "yahoo_v8_chart_TNX_5m_range1d_2026-02-02_raw.json").read_text())
    meta = body["chart"]["result"][0]["meta"]
    meta.update(symbol=symbol, regularMarketPrice=price, regularMarketTime=int(at.timestamp()),
                previousClose=previous_close, chartPreviousClose=previous_close,
                exchangeTimezoneName="America/New_York", timezone="EST", gmtoffset=-18000)
    return json.dumps(body).encode()


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
    """Scripted answers per (source, symbol); the last answer of a script repeats. Records every request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._scripts: dict[tuple[str, str], list[Answer]] = {}
        app = web.Application()
        app.router.add_get("/v8/finance/chart/{symbol}", self._yahoo)
        app.router.add_get("/q/d/l/", self._stooq)
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

    def count(self, source: str | None = None, symbol: str | None = None) -> int:
        return sum(1 for s, sym, _ in self.requests if (source is None or s == source) and (symbol in (None, sym)))

    async def _yahoo(self, request: web.Request) -> web.Response:
        return self._answer("yahoo", request.match_info["symbol"], request)

    async def _stooq(self, request: web.Request) -> web.Response:
        return self._answer("stooq", request.query.get("s", ""), request)

    def _answer(self, source: str, symbol: str, request: web.Request) -> web.Response:
        self.requests.append((source, symbol, dict(request.query)))
        script = self._scripts.get((source, symbol))
        if not script:
            return web.Response(status=404, text=f"no scripted answer for {source} {symbol}")
        answer = script.pop(0) if len(script) > 1 else script[0]
        return web.Response(status=answer.status, body=answer.body, headers=answer.headers,
                            content_type=answer.content_type)
