"""First start seeds real history, so the record and the spread are right offline from the first minute."""

from __future__ import annotations

from datetime import date, datetime, timezone

from bot.jobs.seed import seed_if_empty
from storage import prices
from storage.database import Database

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


async def test_an_empty_database_is_seeded_once_with_the_bundled_history(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    try:
        seeded = await seed_if_empty(database, NOW)
        assert seeded.added > 60_000 and seeded.updated == 0
        assert await seed_if_empty(database, NOW) is None  # history present: never seeded twice

        rut = await database.run(prices.daily_bars, "^RUT")
        record = next(bar for bar in rut if bar.date == date(2025, 12, 11))
        assert round(record.close, 2) == 2590.61
        assert record.close > max(bar.close for bar in rut if bar.date < record.date)  # a record close that day
        assert {c.symbol for c in await database.run(prices.coverage)} >= {"^RUT", "^NDX", "IWM", "CFG", "ZION"}
        assert record.source == "bundled:yahoo"
    finally:
        database.close()
