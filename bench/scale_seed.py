"""What `python -m bench scale` stores before its day, and the subscriptions that come and go during it."""

from __future__ import annotations

import random
from datetime import datetime, timezone
from pathlib import Path

from bench import scale_world as world
from storage import guild_settings, prices, subscriptions
from storage.database import Database
from storage.subscriptions import Subscription


def _seed(db, sizes: world.Sizes) -> int:
    """The stored state of an install that has followed these tickers for a while: history, settings,
    subscriptions. Returns how many daily bars were stored."""
    sessions = world.sessions_before_day()
    real = world.real_history(datetime.now(timezone.utc))
    fetched = datetime.combine(sessions[-1], datetime.min.time(), tzinfo=timezone.utc)
    stored = 0
    with db.atomic():
        for bars in real.values():
            stored += prices.store_bars(db, [b for b in bars if b.date < world.DAY]).added
        for i in range(sizes.symbols):
            stored += prices.upsert_daily_bars(db, world.synthetic_bars(i, sessions, fetched))
        for guild_id, key, value in world.guild_settings(sizes):
            guild_settings.set_value(db, guild_id, key, value, fetched)
        previous = {i: world.synthetic_close(i, len(sessions) - 1) for i in range(sizes.symbols)}
        for sub in world.subscriptions(sizes, previous, fetched):
            subscriptions.add(db, sub)
    return stored


def seed_file(path: Path, sizes: world.Sizes) -> int:
    """_seed into the database file at `path`; run in a process of its own, so that what the set-up allocates
    is not counted as the bot's memory."""
    database = Database.open(path)
    try:
        return database.call(_seed, sizes)
    finally:
        database.close()


def _newcomers(sizes: world.Sizes, poll: int, count: int, now: datetime) -> list[Subscription]:
    rng = random.Random(poll)
    found = []
    for n in range(count):
        person = sizes.people + poll * count + n  # people of their own: removing them touches no one else
        guild_id = world.guild(person % sizes.servers)
        found.append(Subscription(guild_id=guild_id, user_id=world.FIRST_USER + person,
                                  symbol=world.ticker(rng.randrange(sizes.symbols)), kind="move", created_at=now,
                                  threshold=rng.choice((2.0, 3.0, 5.0))))
    return found


def churn(db, sizes: world.Sizes, poll: int, count: int, now: datetime) -> None:
    """Before poll `poll`: `count` people subscribe (!subscribe, one transaction each) and the `count` who
    subscribed before the previous poll unsubscribe, so the subscriptions change between every two polls, as
    they do with thousands of people, and the total stays put."""
    for sub in _newcomers(sizes, poll, count, now):
        subscriptions.add(db, sub)
    if poll:
        for sub in _newcomers(sizes, poll - 1, count, now):
            subscriptions.remove(db, sub.guild_id, sub.user_id, sub.symbol)
