"""The week the kill-anywhere harness replays: 8-12 December 2025, on real market history.

Everything here is decided before any process starts and is the same for every life of the child and for the
uninterrupted run it is compared with: the servers, the people, the subscriptions and their churn (from the
seed), and the timeline of steps. What the week holds:

- the FOMC's 9-10 December meeting: the day-before and hour-before reminders, and the statement of 10 December
  read from a loopback Fed the moment it is published at 2:00 pm;
- the Russell 2000's record closes of 10 and 11 December, and the shared rotation spread crossing +5% on the
  11th; server Alpha's own spread lines (3%, 1.5%) see it cross both ways: into mega caps on the 8th, into small
  caps on the 10th;
- 1,000 subscriptions of 300 people on seven tickers, with 20 subscribes and unsubscribes before every poll, so
  ids are freed and taken all week; a few of those people do not accept direct messages;
- three servers: Alpha (its own spread lines, a role to mention, the daily wrap, the operator's channel), Bravo
  (whose alert channel is deleted at noon on Wednesday), Charlie (whose alert channel denies the bot);
- a webhook that answers 500 for an hour on Wednesday, across the decision.
Intraday prices are the day's real bar walked from open to its low and high to its close; nothing moves more
than the jump gate allows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from alerts.market.bundled import bundled_history
from alerts.market.calendar import NEW_YORK
from alerts.market.models import DailyBar, Quote

SEED_UNTIL = date(2025, 12, 5)  # the last session stored before the week begins
DAYS = [date(2025, 12, d) for d in (8, 9, 10, 11, 12)]
DECISION_DAY = date(2025, 12, 10)
SYMBOLS = ("^RUT", "^NDX", "IWM", "QQQ", "KRE", "AAON", "ROAD")
POLL_TIMES = (time(9, 45), time(10, 30), time(11, 30), time(12, 30), time(13, 30), time(14, 30), time(15, 30),
              time(15, 58))
PEOPLE, SUBSCRIPTIONS, CHURN_PER_POLL, CLOSED_DMS = 300, 1000, 20, 5

ALPHA, BRAVO, CHARLIE = 1_400_000_000_000_000_001, 1_400_000_000_000_000_002, 1_400_000_000_000_000_003
ALPHA_ALERTS, ALPHA_OPS, ALPHA_GENERAL = 1_410_000_000_000_000_001, 1_410_000_000_000_000_002, 1_410_000_000_000_000_003
BRAVO_ALERTS, CHARLIE_ALERTS = 1_420_000_000_000_000_001, 1_430_000_000_000_000_001
ALPHA_ROLE, BRAVO_ROLE = 1_440_000_000_000_000_001, 1_440_000_000_000_000_002
FIRST_PERSON = 1_500_000_000_000_000_001
GUILDS = (ALPHA, BRAVO, CHARLIE)
ALERT_CHANNEL = {ALPHA: ALPHA_ALERTS, BRAVO: BRAVO_ALERTS, CHARLIE: CHARLIE_ALERTS}
GUILD_NAMES = {ALPHA: "Alpha", BRAVO: "Bravo", CHARLIE: "Charlie"}
ALPHA_LINES = {"upper": 3.0, "lower": 1.5, "hysteresis": 0.5}


def ny(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=NEW_YORK)


@dataclass(frozen=True)
class Person:
    user_id: int
    guild_id: int
    dms_open: bool


@dataclass(frozen=True)
class Step:
    """One thing that happens at one simulated instant. `what`: seed, churn, poll, close, wrap, remind,
    fomc_window, publish_statement, delete_channel, webhook_down, webhook_up, settle."""

    at: datetime
    what: str
    commands: tuple[tuple[int, str], ...] = ()  # churn: (person, "!subscribe ...") in order


@dataclass
class Week:
    people: list[Person]
    subscriptions: list[tuple[int, str]]  # (person, the !subscribe command) made before the week starts
    steps: list[Step] = field(default_factory=list)

    def person(self, user_id: int) -> Person:
        return self.people[user_id - FIRST_PERSON]


def history() -> dict[str, list[DailyBar]]:
    """The bundled real daily bars of the week's symbols, as rotobot ships them."""
    loaded = datetime(2026, 1, 1, tzinfo=NEW_YORK)
    return {symbol: bundled_history(symbol, now=loaded) for symbol in SYMBOLS}


def build_week(seed: int, bars: dict[str, list[DailyBar]]) -> Week:
    rng = random.Random(seed)
    people = [Person(FIRST_PERSON + n, GUILDS[n % 3], dms_open=n >= CLOSED_DMS) for n in range(PEOPLE)]
    start = {s: next(b.close for b in reversed(bars[s]) if b.date <= SEED_UNTIL) for s in SYMBOLS}
    held: list[tuple[int, str]] = []  # (person, symbol) subscribed so far, so that churn unsubscribes real ones
    week = Week(people, [_subscribe(rng, rng.choice(people), start, held) for _ in range(SUBSCRIPTIONS)])
    steps = [Step(ny(SEED_UNTIL, time(17, 0)), "seed")]
    for day in DAYS:
        for at in POLL_TIMES:
            churn = tuple(_churn(rng, people, start, held) for _ in range(CHURN_PER_POLL))
            steps += [Step(ny(day, at), "churn", churn), Step(ny(day, at) + timedelta(seconds=5), "poll")]
        steps += [Step(ny(day, time(14, 5)), "remind"), Step(ny(day, time(16, 20)), "close"),
                  Step(ny(day, time(16, 30)), "wrap")]
    steps += [
        Step(ny(DAYS[2], time(12, 0)), "delete_channel"),
        Step(ny(DAYS[2], time(13, 5)), "remind"),
        Step(ny(DAYS[2], time(13, 40)), "webhook_down"),
        Step(ny(DAYS[2], time(13, 59, 30)), "fomc_window"),
        Step(ny(DAYS[2], time(14, 0, 0)), "publish_statement"),
        Step(ny(DAYS[2], time(14, 0, 10)), "fomc_window"),
        Step(ny(DAYS[2], time(14, 0, 40)), "fomc_window"),
        Step(ny(DAYS[2], time(14, 40)), "webhook_up"),
        # After the week: the retries and give-ups still owed come due.
        Step(ny(date(2025, 12, 13), time(12, 0)), "settle"),
        Step(ny(date(2025, 12, 14), time(18, 0)), "settle"),
    ]
    week.steps = sorted(steps, key=lambda s: s.at)  # a stable sort: same-instant steps keep their order
    return week


def _subscribe(rng: random.Random, person: Person, start: dict[str, float],
               held: list[tuple[int, str]]) -> tuple[int, str]:
    symbol = rng.choice(SYMBOLS)
    held.append((person.user_id, symbol))
    price = start[symbol]
    kind = rng.random()
    if kind < 0.35:
        what = f"above {price * rng.uniform(1.002, 1.03):.2f}"
    elif kind < 0.70:
        what = f"below {price * rng.uniform(0.97, 0.998):.2f}"
    elif kind < 0.90:
        what = f"move {rng.choice((1, 1.5, 2, 3))}%"
    else:
        what = "52w"
    here = " here" if rng.random() < 0.1 else ""
    return person.user_id, f"!subscribe {symbol} {what}{here}"


def _churn(rng: random.Random, people: list[Person], start: dict[str, float],
           held: list[tuple[int, str]]) -> tuple[int, str]:
    if held and rng.random() < 0.5:
        user_id, symbol = held.pop(rng.randrange(len(held)))
        while (user_id, symbol) in held:  # !unsubscribe TICKER removes every kind of it
            held.remove((user_id, symbol))
        return user_id, f"!unsubscribe {symbol}"
    return _subscribe(rng, rng.choice(people), start, held)


class SimulatedMarket:
    """A market data provider on the real bars: daily bars as stored upstream, and intraday quotes that walk each
    session's bar from its open to its low and high (in the order the close suggests) to its close."""

    name = "yahoo"
    has_quotes = True

    def __init__(self, bars: dict[str, list[DailyBar]]) -> None:
        self._bars = bars
        self._by_day = {s: {b.date: (i, b) for i, b in enumerate(bs)} for s, bs in bars.items()}

    def supports(self, symbol: str) -> bool:
        return symbol in self._bars

    async def daily_bars(self, symbol: str, start: date, end: date, now: datetime) -> list[DailyBar]:
        return [b for b in self._bars[symbol] if start <= b.date <= end]

    async def quote(self, symbol: str, now: datetime) -> Quote:
        index, bar = self._by_day[symbol][now.astimezone(NEW_YORK).date()]
        previous = self._bars[symbol][index - 1].close
        return Quote(symbol, round(intraday(bar, previous, now), 2), now - timedelta(seconds=20), self.name, now,
                     previous)


def intraday(bar: DailyBar, previous_close: float, now: datetime) -> float:
    """The bar's price at `now`: open at 09:30, one extreme at 11:00, the other at 13:30, the close at 16:00."""
    opened = bar.open or previous_close
    high, low = bar.high or max(opened, bar.close), bar.low or min(opened, bar.close)
    first, second = (low, high) if bar.close >= opened else (high, low)
    marks = [(time(9, 30), opened), (time(11, 0), first), (time(13, 30), second), (time(16, 0), bar.close)]
    local = now.astimezone(NEW_YORK)
    minutes = local.hour * 60 + local.minute + local.second / 60
    points = [(t.hour * 60 + t.minute, price) for t, price in marks]
    for (t0, p0), (t1, p1) in zip(points, points[1:]):
        if minutes <= t1:
            share = max(0.0, (minutes - t0) / (t1 - t0))
            return p0 + (p1 - p0) * share
    return bar.close
