"""storage.timestamps: instants are UTC ISO 8601 text; a naive datetime is a mistake, not a guess."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from storage.timestamps import from_iso, to_iso


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="naive datetime") as info:
        to_iso(datetime(2024, 3, 1, 15, 30))
    assert "\n" not in str(info.value) and "pass an aware datetime" in str(info.value)


def test_aware_datetime_is_stored_as_utc_and_reads_back_as_the_same_instant():
    moment = datetime(2024, 3, 1, 10, 30, tzinfo=ZoneInfo("America/New_York"))
    text = to_iso(moment)
    assert text == "2024-03-01T15:30:00+00:00"
    assert from_iso(text) == moment and from_iso(text).tzinfo == timezone.utc


def test_text_order_is_time_order_across_zones():
    earlier = datetime(2024, 3, 1, 23, 0, tzinfo=timezone(timedelta(hours=9)))  # 14:00 UTC, later wall clock
    later = datetime(2024, 3, 1, 15, 0, tzinfo=timezone.utc)
    assert to_iso(earlier) < to_iso(later)
