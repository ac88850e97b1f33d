"""The checks every source of daily bars shares, so bad data never becomes stored data."""

from __future__ import annotations

import math
from datetime import date, datetime
from zoneinfo import ZoneInfo

from alerts.market.models import DailyBar

# Sessions are dated in New York: a bar is "from the future" only once New York has not reached its date yet.
NEW_YORK = ZoneInfo("America/New_York")


def check_bars(bars: list[DailyBar], *, now: datetime) -> list[tuple[int, str]]:
    """(index, reason) for each bad bar, oldest problem first; [] when every bar is good.

    Bars must come oldest first, one per date. `now` must be timezone-aware.
    """
    if now.tzinfo is None:
        raise ValueError("check_bars needs an aware `now`: a naive time has no New York date")
    today = now.astimezone(NEW_YORK).date()
    problems: list[tuple[int, str]] = []
    last_date: date | None = None  # the latest date seen on a bar whose date was acceptable
    for index, bar in enumerate(bars):
        reasons = _price_problems(bar)
        if bar.date > today:
            reasons.append(f"date {bar.date} is in the future (today in New York is {today})")
        elif last_date is not None and bar.date == last_date:
            reasons.append(f"duplicate date {bar.date}")
        elif last_date is not None and bar.date < last_date:
            reasons.append(f"date {bar.date} is out of order: it comes after {last_date}")
        else:
            last_date = bar.date
        if reasons:
            problems.append((index, f"{bar.date}: " + "; ".join(reasons)))
    return problems


def _price_problems(bar: DailyBar) -> list[str]:
    reasons = [
        problem
        for name, value in (("close", bar.close), ("open", bar.open), ("high", bar.high), ("low", bar.low))
        if (problem := _price_problem(name, value))
    ]
    if _is_good_price(bar.high) and _is_good_price(bar.low) and bar.high < bar.low:
        reasons.append(f"high {bar.high} is below low {bar.low}")
    if bar.volume is not None and bar.volume < 0:
        reasons.append(f"volume {bar.volume} is negative")
    return reasons


def _price_problem(name: str, value: float | None) -> str | None:
    if value is None:
        return "close is missing" if name == "close" else None
    if math.isnan(value):
        return f"{name} is NaN"
    if math.isinf(value):
        return f"{name} is infinite"
    if value <= 0:
        return f"{name} is {value} (prices must be positive)"
    return None


def _is_good_price(value: float | None) -> bool:
    return value is not None and math.isfinite(value) and value > 0
