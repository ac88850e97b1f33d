"""The trading day `python -m bench scale` simulates: Thursday 22 January 2026, when the Russell 2000 closed at a
record (2,718.77, real), followed by thousands of tickers in thousands of servers.

Everything is decided by the sizes alone, the same in the bench and in its loopback Yahoo (a process of its own,
bench/scale_upstream.py), so both agree on every price without talking about them:

- the configured symbols (the rotation legs, the watchlist, the basket) trade on their real bundled bars; their
  intraday price walks the day's real bar (bench/chaos_world.py `intraday`);
- each made-up ticker S0000, S0001, ... has about 275 sessions of history before the day (what rotobot's look-up
  of a new ticker stores: its last 400 days), a smooth wave around a price of its own. On the day most wiggle
  within half a percent; one in a hundred (the movers) walks steadily to 6.5% up or down by the close, so the
  subscriptions on them fire: a few hundred alerts over the day;
- servers with an alert channel each (one in a hundred muted, one in twenty with a role to mention), people in
  them, and subscriptions of every kind, about 30% in a channel and the rest by direct message.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from alerts.market.bundled import bundled_history
from alerts.market.calendar import NEW_YORK, NyseCalendar
from alerts.market.models import DailyBar
from bench.chaos_world import intraday
from storage.subscriptions import Subscription

DAY = date(2026, 1, 22)
OPEN, CLOSE = datetime.combine(DAY, time(9, 30), tzinfo=NEW_YORK), datetime.combine(DAY, time(16, 0), tzinfo=NEW_YORK)
CLOSE_JOB = datetime.combine(DAY, time(16, 20), tzinfo=NEW_YORK)  # bot/schedule.py close_trigger
HISTORY_DAYS = 400  # bot/jobs/market.py look_up: what a new ticker's first fetch stores
# The basket without ZION, whose bundled history ends in 2024: a symbol no source answers for would only add
# failed requests that production, with a live Yahoo, does not make.
BASKET = ("KRE", "CFG", "RF", "AAON", "ROAD")
CONFIGURED = ("^RUT", "^NDX", "IWM", "QQQ", *BASKET)
MOVER_EVERY, MOVER_MOVE, WIGGLE = 100, 0.065, 0.004
FIRST_GUILD, FIRST_CHANNEL, FIRST_ROLE, FIRST_USER = 1_000_000_000, 2_000_000_000, 3_000_000_000, 4_000_000_000


def ticker(i: int) -> str:
    return f"S{i:04d}"


def ticker_index(symbol: str) -> int | None:
    return int(symbol[1:]) if symbol.startswith("S") and symbol[1:].isdigit() else None


def sessions_before_day() -> list[date]:
    """The NYSE sessions of the HISTORY_DAYS before DAY, oldest first."""
    calendar = NyseCalendar.around(DAY)
    return calendar.sessions_between(DAY - timedelta(days=HISTORY_DAYS), DAY - timedelta(days=1))


def synthetic_close(i: int, k: int) -> float:
    """Ticker i's close on session k: a wave of its own period and phase around its own price (moves under 2% a
    day, so nothing trips the jump gate)."""
    base = 20 + (i * 7919) % 480
    period = 60 + (i * 31) % 140
    return round(base * (1 + 0.15 * math.sin(2 * math.pi * k / period + i) + 0.02 * math.sin(k * 1.7 + i)), 4)


def synthetic_bars(i: int, sessions: list[date], fetched_at: datetime) -> list[DailyBar]:
    bars = []
    for k, day in enumerate(sessions):
        close = synthetic_close(i, k)
        bars.append(DailyBar(ticker(i), day, close, "yahoo", fetched_at, open=close, high=round(close * 1.01, 4),
                             low=round(close * 0.99, 4), volume=1_000_000))
    return bars


def is_mover(i: int) -> bool:
    return i % MOVER_EVERY == 7


def synthetic_price(i: int, previous_close: float, at: datetime) -> float:
    """Ticker i's price at `at` on DAY."""
    share = min(1.0, max(0.0, (at - OPEN).total_seconds() / (CLOSE - OPEN).total_seconds()))
    if is_mover(i):
        direction = 1 if (i // MOVER_EVERY) % 2 == 0 else -1
        return round(previous_close * (1 + direction * MOVER_MOVE * share), 4)
    return round(previous_close * (1 + WIGGLE * math.sin(2 * math.pi * share * 3 + i)), 4)


def synthetic_day_bar(i: int, previous_close: float, fetched_at: datetime) -> DailyBar:
    path = [synthetic_price(i, previous_close, OPEN + timedelta(minutes=m)) for m in range(0, 391, 5)]
    return DailyBar(ticker(i), DAY, path[-1], "yahoo", fetched_at, open=path[0], high=max(path), low=min(path),
                    volume=1_000_000)


def real_history(loaded_at: datetime) -> dict[str, list[DailyBar]]:
    """The bundled real bars of the configured symbols, up to and including DAY."""
    return {s: [b for b in bundled_history(s, now=loaded_at) if b.date <= DAY] for s in CONFIGURED}


def real_price(bars: list[DailyBar], at: datetime) -> tuple[float, float]:
    """(price at `at`, previous close) of a configured symbol on DAY, walking the day's real bar."""
    bar, previous = bars[-1], bars[-2]
    assert bar.date == DAY, f"{bar.symbol} has no bar on {DAY}"
    return round(intraday(bar, previous.close, at), 4), previous.close


@dataclass(frozen=True)
class Sizes:
    symbols: int = 5_000
    subscriptions: int = 100_000
    servers: int = 10_000
    people: int = 40_000


def guild(g: int) -> int:
    return FIRST_GUILD + g


def alert_channel(guild_id: int) -> int:
    return FIRST_CHANNEL + (guild_id - FIRST_GUILD)


def guild_settings(sizes: Sizes) -> list[tuple[int, str, object]]:
    """(server, key, value): every server's alert channel; one in a hundred muted past the day, one in twenty
    with an alert role."""
    muted_until = datetime.combine(DAY + timedelta(days=1), time(0), tzinfo=NEW_YORK).isoformat()
    rows = []
    for g in range(sizes.servers):
        rows.append((guild(g), "alert_channel", alert_channel(guild(g))))
        if g % 100 == 50:
            rows.append((guild(g), "muted_until", muted_until))
        if g % 20 == 3:
            rows.append((guild(g), "alert_role", FIRST_ROLE + g))
    return rows


def subscriptions(sizes: Sizes, previous_close: dict[int, float], created_at: datetime) -> list[Subscription]:
    """`sizes.subscriptions` distinct subscriptions spread evenly over the tickers, each by one of the people
    (each a member of one server): a quarter above a price, a quarter below, 30% on a day's move, 20% on 52-week
    extremes."""
    rng = random.Random(2026)
    seen: set[tuple] = set()
    found: list[Subscription] = []
    n = 0
    while len(found) < sizes.subscriptions:
        i, person = n % sizes.symbols, rng.randrange(sizes.people)
        n += 1
        last, roll = previous_close[i], rng.random()
        if roll < 0.25:
            kind, threshold = "above", round(last * rng.uniform(1.01, 1.25), 2)
        elif roll < 0.5:
            kind, threshold = "below", round(last * rng.uniform(0.75, 0.99), 2)
        elif roll < 0.8:
            kind, threshold = "move", rng.choice((2.0, 3.0, 5.0))
        else:
            kind, threshold = rng.choice(("high_52w", "low_52w")), 0.0
        guild_id = guild(person % sizes.servers)
        key = (guild_id, person, i, kind, threshold)
        if key in seen:
            continue
        seen.add(key)
        channel = alert_channel(guild_id) if rng.random() < 0.3 else None
        found.append(Subscription(guild_id=guild_id, user_id=FIRST_USER + person, symbol=ticker(i), kind=kind,
                                  created_at=created_at, threshold=threshold, channel_id=channel))
    return found
