"""The loopback Yahoo of `python -m bench scale`, in a process of its own: its work (building thousands of answers
a minute) must not count as the bot's event-loop lag or the bot's memory.

It is tests/upstream.py's FakeUpstream (recorded bodies re-filled with the day's prices; spark answers wrap the
chart answers), plus two control routes the bench calls between its steps:
- POST /bench/quotes?at=ISO: from now on every symbol's chart and spark answer is its quote at that instant
  (stamped 30 s before it, as a live quote is);
- POST /bench/daily?at=ISO: from now on every symbol's chart answer is its daily bars: its last three stored
  sessions and the day's own bar.
Each answers with the requests served since the last control call ({"spark": n, "chart": n, "stooq": n}).

Run as `python -m bench.scale_upstream SYMBOLS`; it prints its base URL on one line and serves until its stdin
closes.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime, timedelta

from aiohttp import web

from alerts.market.calendar import NEW_YORK
from bench import scale_world as world
from tests.upstream import Bar, FakeUpstream, ok_json, yahoo_daily, yahoo_quote

STAMP_LAG = timedelta(seconds=30)
DAILY_SESSIONS = 3  # bot/jobs/market.py REFRESH_SESSIONS: what the close job asks again


class DayUpstream:
    def __init__(self, symbols: int) -> None:
        self.upstream = FakeUpstream(spark_from_charts=True)
        self.upstream.server.app.router.add_post("/bench/quotes", self._quotes)
        self.upstream.server.app.router.add_post("/bench/daily", self._daily)
        self._symbols = symbols
        sessions = world.sessions_before_day()
        self._recent = sessions[-DAILY_SESSIONS:]
        first = len(sessions) - DAILY_SESSIONS
        # Ticker i's last stored closes, the previous one last: all the day needs of its history.
        self._closes = {i: [world.synthetic_close(i, k) for k in range(first, len(sessions))] for i in range(symbols)}
        self._real = world.real_history(datetime.now(NEW_YORK))

    def _counts(self) -> dict[str, int]:
        requests = self.upstream.requests
        counts = {"spark": 0, "chart": 0, "stooq": 0}
        for source, _, _ in requests:
            counts["chart" if source == "yahoo" else source] += 1
        requests.clear()
        return counts

    async def _quotes(self, request: web.Request) -> web.Response:
        at = datetime.fromisoformat(request.query["at"])
        counts = self._counts()
        stamp = at - STAMP_LAG
        for i in range(self._symbols):
            previous = self._closes[i][-1]
            price = world.synthetic_price(i, previous, stamp)
            self.upstream.script("yahoo", world.ticker(i), ok_json(yahoo_quote(world.ticker(i), price, stamp, previous)))
        for symbol, bars in self._real.items():
            price, previous = world.real_price(bars, stamp)
            self.upstream.script("yahoo", symbol, ok_json(yahoo_quote(symbol, price, stamp, previous)))
        return web.json_response(counts)

    async def _daily(self, request: web.Request) -> web.Response:
        at = datetime.fromisoformat(request.query["at"])
        counts = self._counts()
        for i in range(self._symbols):
            closes = self._closes[i]
            bars = [Bar(day, c, round(c * 1.01, 4), round(c * 0.99, 4), c, 1_000_000)
                    for day, c in zip(self._recent, closes)]
            today = world.synthetic_day_bar(i, closes[-1], at)
            bars.append(Bar(today.date, today.open, today.high, today.low, today.close, today.volume))
            self.upstream.script("yahoo", world.ticker(i), ok_json(yahoo_daily(world.ticker(i), bars)))
        for symbol, real in self._real.items():
            bars = [Bar(b.date, b.open or b.close, b.high or b.close, b.low or b.close, b.close, b.volume or 0)
                    for b in real[-DAILY_SESSIONS - 1:]]
            self.upstream.script("yahoo", symbol, ok_json(yahoo_daily(symbol, bars)))
        return web.json_response(counts)


async def serve(symbols: int) -> None:
    day = DayUpstream(symbols)
    async with day.upstream:
        print(json.dumps({"url": day.upstream.url}), flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)  # until the bench closes our stdin (or dies)


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
