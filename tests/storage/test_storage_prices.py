"""storage.prices: daily bars keyed by (symbol, date), upserted idempotently, read back by inclusive range."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from storage import prices
from storage.prices import Coverage, DailyBar, coverage, daily_bars, last_bar, upsert_daily_bars

NOW = datetime(2024, 3, 1, 22, 0, tzinfo=timezone.utc)


def bar(symbol: str, day: int, close: float = 100.0, **extra) -> DailyBar:
    return DailyBar(symbol=symbol, date=date(2024, 3, day), close=close, source="yahoo", fetched_at=NOW, **extra)


def test_a_full_bar_round_trips(db):
    fetched = datetime(2024, 3, 1, 17, 5, 9, tzinfo=ZoneInfo("America/New_York"))
    full = DailyBar("IWM", date(2024, 3, 1), 201.25, "stooq", fetched, open=200.0, high=202.5, low=199.0, volume=10**6)
    assert db.call(upsert_daily_bars, [full]) == 1
    [back] = db.call(daily_bars, "IWM")
    assert back == full and back.fetched_at.tzinfo == timezone.utc


def test_upsert_is_idempotent_by_symbol_and_date_and_updates_the_close(db):
    db.call(upsert_daily_bars, [bar("IWM", 1, 100.0)])
    db.call(upsert_daily_bars, [bar("IWM", 1, 100.0)])
    db.call(upsert_daily_bars, [bar("IWM", 1, 101.5)])
    assert [b.close for b in db.call(daily_bars, "IWM")] == [101.5]


def test_upsert_of_nothing_writes_nothing(db):
    assert db.call(upsert_daily_bars, []) == 0
    assert db.call(coverage) == []


def test_a_naive_fetch_time_is_refused_and_nothing_of_the_batch_is_written(db):
    naive = DailyBar("IWM", date(2024, 3, 2), 1.0, "yahoo", datetime(2024, 3, 2, 22, 0))
    with pytest.raises(ValueError, match="naive datetime"):
        db.call(upsert_daily_bars, [bar("IWM", 1), naive])
    assert db.call(daily_bars, "IWM") == []


def test_daily_bars_start_and_end_are_inclusive_oldest_first_and_per_symbol(db):
    db.call(upsert_daily_bars, [bar("IWM", d, float(d)) for d in (5, 1, 4, 2, 3)] + [bar("QQQ", 3)])
    assert [b.date.day for b in db.call(daily_bars, "IWM")] == [1, 2, 3, 4, 5]
    assert [b.date.day for b in db.call(daily_bars, "IWM", date(2024, 3, 2), date(2024, 3, 4))] == [2, 3, 4]
    assert [b.date.day for b in db.call(daily_bars, "IWM", start=date(2024, 3, 4))] == [4, 5]
    assert [b.date.day for b in db.call(daily_bars, "IWM", end=date(2024, 3, 1))] == [1]
    assert db.call(daily_bars, "IWM", date(2024, 3, 6), date(2024, 3, 9)) == []


def test_last_bar_is_the_newest_or_none(db):
    assert db.call(last_bar, "IWM") is None
    db.call(upsert_daily_bars, [bar("IWM", 4, 4.0), bar("IWM", 2, 2.0), bar("QQQ", 9)])
    assert db.call(last_bar, "IWM").close == 4.0


def test_coverage_tells_first_last_and_sessions_per_symbol(db):
    db.call(upsert_daily_bars, [bar("QQQ", 2), bar("IWM", 1), bar("IWM", 8), bar("IWM", 4), bar("IWM", 4, 7.0)])
    assert db.call(coverage) == [
        Coverage("IWM", date(2024, 3, 1), date(2024, 3, 8), 3),
        Coverage("QQQ", date(2024, 3, 2), date(2024, 3, 2), 1),
    ]


def test_fetch_time_is_kept_to_the_second(db):
    precise = NOW + timedelta(microseconds=750_000)
    db.call(upsert_daily_bars, [DailyBar("IWM", date(2024, 3, 1), 1.0, "yahoo", precise)])
    assert db.call(last_bar, "IWM").fetched_at == NOW


# --- what the market jobs and imports ask of stored history -------------------------------------------------------


def _bar(day: int, close: float, symbol: str = "^RUT") -> DailyBar:
    return DailyBar(symbol, date(2025, 12, day), close, "yahoo", datetime(2025, 12, 12, tzinfo=timezone.utc))


def test_store_bars_says_what_was_added_updated_and_unchanged(db):
    first = db.call(prices.store_bars, [_bar(10, 2559.61), _bar(11, 2590.61)])
    assert (first.added, first.updated, first.unchanged) == (2, 0, 0)
    again = db.call(prices.store_bars, [_bar(10, 2559.61), _bar(11, 2590.0), _bar(12, 2551.46)])
    assert (again.added, again.updated, again.unchanged) == (1, 1, 1)
    assert db.call(prices.last_bar, "^RUT").close == 2551.46


def test_latest_dates_stored_dates_and_close_before(db):
    db.call(prices.store_bars, [_bar(10, 2559.61), _bar(12, 2551.46), _bar(11, 100.0, "IWM")])
    assert db.call(prices.latest_dates) == {"^RUT": date(2025, 12, 12), "IWM": date(2025, 12, 11)}
    assert db.call(prices.stored_dates, "^RUT", date(2025, 12, 1), date(2025, 12, 11)) == {date(2025, 12, 10)}
    assert db.call(prices.close_before, "^RUT", date(2025, 12, 12)) == 2559.61
    assert db.call(prices.close_before, "^RUT", date(2025, 12, 10)) is None


def test_is_empty(db):
    assert db.call(prices.is_empty)
    db.call(prices.store_bars, [_bar(10, 2559.61)])
    assert not db.call(prices.is_empty)
