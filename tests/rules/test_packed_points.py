"""PackedPoints, the rules engine's history in arrays, reads exactly as the list of Points it packs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from alerts.rules.model import Point
from alerts.rules.packed_points import PackedPoints
from alerts.rules.series import count_before, highest_close, index_of
from alerts.rules.ticks import SymbolView


def points(count: int = 30) -> list[Point]:
    first = date(2025, 11, 3)
    found = []
    for n in range(count):
        close = 100 + (n * 7) % 13 - n / 10
        # Some sessions store no high or low (close-only history): they must come back as None, not NaN.
        found.append(Point(first + timedelta(days=n), close, None if n % 4 == 0 else close + 1,
                           None if n % 5 == 0 else close - 1))
    return found


def test_it_reads_as_the_list_it_packs_item_by_item_backwards_and_in_slices():
    plain = points()
    packed = PackedPoints(plain)
    assert len(packed) == len(plain)
    assert list(packed) == plain
    assert [packed[i] for i in range(-len(plain), len(plain))] == [plain[i] for i in range(-len(plain), len(plain))]
    for part in (slice(3, 9), slice(None, -4), slice(-5, None), slice(10, 3), slice(0, 0)):
        assert list(packed[part]) == plain[part]
    assert packed == plain and plain == packed
    assert packed != plain[:-1] and packed != points(31)[1:]
    assert packed[3].high is None or isinstance(packed[3].high, float)
    assert [p.high for p in packed] == [p.high for p in plain]


def test_rows_from_the_table_pack_without_building_points_first():
    plain = points(8)
    rows = [(p.date.isoformat(), p.close, p.high, p.low) for p in plain]
    assert PackedPoints.from_rows(rows) == plain


def test_an_index_past_either_end_is_refused_as_a_list_refuses_it():
    packed = PackedPoints(points(3))
    with pytest.raises(IndexError):
        packed[3]
    with pytest.raises(IndexError):
        packed[-4]
    with pytest.raises(IndexError):
        PackedPoints()[0]


def test_before_and_plus_make_the_history_the_engine_rebuilds_after_a_reread():
    plain = points()
    cut = plain[20].date
    packed = PackedPoints(plain)
    assert packed.before(cut) == plain[:20]
    assert packed.before(plain[0].date) == [] and packed.before(cut + timedelta(days=400)) == plain
    assert packed.before(cut) + PackedPoints(plain[20:]) == plain
    assert list(packed) == plain, "before and + change nothing they are given"


def test_the_rules_questions_get_the_same_answers_from_it():
    plain = points(300)
    packed = PackedPoints(plain)
    day = plain[250].date
    assert count_before(packed, day) == count_before(plain, day) == 250
    assert index_of(packed, day) == index_of(plain, day) == 250
    assert index_of(packed, plain[-1].date + timedelta(days=1)) is None
    assert highest_close(packed, 10, 200) == highest_close(plain, 10, 200)
    for side in ("high", "low", "record"):
        for price in (90.0, 100.0, 112.5):
            assert SymbolView(packed, day).beyond(side, price) == SymbolView(plain, day).beyond(side, price)
        assert SymbolView(packed, day).extreme(side) == SymbolView(plain, day).extreme(side)
