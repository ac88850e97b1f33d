"""check_bars: the checks every source shares, on bars built from a real Yahoo download (KRE)."""

from __future__ import annotations

import csv
import math
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.market.models import DailyBar
from alerts.market.validate import check_bars

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FETCHED = datetime(2026, 7, 3, 12, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 7, 3, 12, 0, tzinfo=timezone.utc)


def kre_bars(count: int = 6) -> list[DailyBar]:
    """The first rows of the real KRE file, read with the csv module alone."""
    with open(FIXTURES / "yahoo_daily_KRE_2023-07-03_to_2026-07-02.csv", newline="") as f:
        rows = list(csv.DictReader(f))[:count]
    return [
        DailyBar(
            symbol="KRE",
            date=date.fromisoformat(r["Date"]),
            close=float(r["Close"]),
            source="test",
            fetched_at=FETCHED,
            open=float(r["Open"]),
            high=float(r["High"]),
            low=float(r["Low"]),
            volume=int(r["Volume"]),
        )
        for r in rows
    ]


def with_bar(bars: list[DailyBar], index: int, **changes) -> list[DailyBar]:
    return [replace(bar, **changes) if i == index else bar for i, bar in enumerate(bars)]


def test_real_bars_pass():
    assert check_bars(kre_bars(), now=NOW) == []


def test_an_empty_list_passes():
    assert check_bars([], now=NOW) == []


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"close": 0.0}, "close is 0.0 (prices must be positive)"),
        ({"close": -41.22}, "close is -41.22 (prices must be positive)"),
        ({"close": math.nan}, "close is NaN"),
        ({"open": math.inf}, "open is infinite"),
        ({"low": 0.0}, "low is 0.0 (prices must be positive)"),
        ({"high": 40.0, "low": 41.0}, "high 40.0 is below low 41.0"),
        ({"volume": -1}, "volume -1 is negative"),
    ],
)
def test_bad_prices_are_named(changes, reason):
    bars = with_bar(kre_bars(), 2, **changes)
    assert check_bars(bars, now=NOW) == [(2, f"{bars[2].date}: {reason}")]


def test_missing_open_high_low_are_fine():
    bars = [replace(bar, open=None, high=None, low=None, volume=None) for bar in kre_bars()]
    assert check_bars(bars, now=NOW) == []


def test_duplicate_date():
    bars = kre_bars()
    bars.insert(3, replace(bars[2], close=bars[2].close + 1))
    assert check_bars(bars, now=NOW) == [(3, f"{bars[2].date}: duplicate date {bars[2].date}")]


def test_out_of_order_reports_only_the_misplaced_bar():
    bars = kre_bars()
    bars[1], bars[2] = bars[2], bars[1]
    # 2023-07-06 then 2023-07-05: the second is out of order; 2023-07-07 after them is fine.
    assert check_bars(bars, now=NOW) == [(2, "2023-07-05: date 2023-07-05 is out of order: it comes after 2023-07-06")]


def test_future_is_judged_by_the_new_york_date():
    bars = kre_bars(2)  # 2023-07-03, 2023-07-05
    # 02:00 UTC on 5 July is still 4 July in New York: the 5 July bar is from the future.
    late_evening_in_new_york = datetime(2023, 7, 5, 2, 0, tzinfo=timezone.utc)
    assert check_bars(bars, now=late_evening_in_new_york) == [
        (1, "2023-07-05: date 2023-07-05 is in the future (today in New York is 2023-07-04)")
    ]
    assert check_bars(bars, now=late_evening_in_new_york + timedelta(hours=4)) == []


def test_every_reason_of_one_bar_is_given():
    bars = with_bar(kre_bars(), 1, close=0.0, open=math.nan)
    assert check_bars(bars, now=NOW) == [(1, f"{bars[1].date}: close is 0.0 (prices must be positive); open is NaN")]


def test_naive_now_is_a_programming_error():
    with pytest.raises(ValueError, match="aware"):
        check_bars(kre_bars(), now=datetime(2026, 7, 3, 12, 0))


prices = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True))
bar_lists = st.lists(
    st.builds(
        DailyBar,
        symbol=st.just("KRE"),
        date=st.dates(min_value=date(2023, 1, 1), max_value=date(2023, 12, 31)),
        close=st.floats(allow_nan=True, allow_infinity=True),
        source=st.just("test"),
        fetched_at=st.just(FETCHED),
        open=prices,
        high=prices,
        low=prices,
        volume=st.one_of(st.none(), st.integers(-10, 10**12)),
    ),
    max_size=30,
)


# A clock reads a modern year: New York's date of year 1 or 9999 in UTC is out of datetime's range.
clock = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc))


@given(bar_lists, clock)
def test_bars_not_reported_are_clean_and_strictly_ascending(bars, now):
    problems = check_bars(bars, now=now)
    bad = [index for index, _ in problems]
    assert bad == sorted(set(bad)) and all(0 <= index < len(bars) for index in bad)
    good = [bar for index, bar in enumerate(bars) if index not in bad]
    assert all(math.isfinite(bar.close) and bar.close > 0 for bar in good)
    assert all(a.date < b.date for a, b in zip(good, good[1:]))
