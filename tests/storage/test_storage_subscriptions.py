"""storage.subscriptions: one row per (server, user, symbol, kind, threshold)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from storage.subscriptions import KINDS, Subscription, active, add, for_user, remove, watched_symbols

NOW = datetime(2024, 3, 1, 15, 30, tzinfo=timezone.utc)


def sub(symbol: str = "IWM", kind: str = "above", threshold: float = 210.0, user_id: int = 9, **extra) -> Subscription:
    values = dict(guild_id=42, user_id=user_id, symbol=symbol, kind=kind, created_at=NOW, threshold=threshold) | extra
    return Subscription(**values)


def test_add_returns_the_stored_subscription_with_its_id(db):
    new = sub(channel_id=555, cooldown_seconds=3600)
    stored, created = db.call(add, new)
    assert created is True and stored == replace(new, id=stored.id) and stored.id is not None
    assert db.call(for_user, 42, 9) == [stored]


def test_adding_the_same_subscription_twice_returns_the_existing_one(db):
    first, _ = db.call(add, sub())
    again, created = db.call(add, sub(created_at=NOW + timedelta(days=1), cooldown_seconds=60))
    assert created is False and again == first
    assert db.call(for_user, 42, 9) == [first]


def test_another_threshold_is_another_subscription(db):
    db.call(add, sub(threshold=210.0))
    assert db.call(add, sub(threshold=220.0))[1] is True
    assert [s.threshold for s in db.call(for_user, 42, 9)] == [210.0, 220.0]


def test_unknown_kind_is_refused_and_nothing_is_stored(db):
    with pytest.raises(ValueError) as info:
        db.call(add, sub(kind="sideways"))
    assert str(info.value) == f"unknown subscription kind 'sideways': expected one of {', '.join(KINDS)}"
    assert db.call(watched_symbols) == set()


def test_remove_one_kind_or_all_kinds(db):
    for kind in ("above", "below", "move"):
        db.call(add, sub(kind=kind))
    db.call(add, sub(symbol="QQQ"))
    assert db.call(remove, 42, 9, "IWM", "below") == 1
    assert sorted(s.kind for s in [s for s in db.call(active) if s.symbol == "IWM"]) == ["above", "move"]
    assert db.call(remove, 42, 9, "IWM") == 2
    assert db.call(remove, 42, 9, "IWM") == 0
    assert [s.symbol for s in db.call(for_user, 42, 9)] == ["QQQ"]


def test_remove_touches_only_that_user(db):
    db.call(add, sub(user_id=1))
    db.call(add, sub(user_id=2))
    assert db.call(remove, 42, 1, "IWM") == 1
    assert [s.user_id for s in [s for s in db.call(active) if s.symbol == "IWM"]] == [2]


def test_watched_symbols_lists_each_symbol_once(db):
    for user_id, symbol in ((1, "IWM"), (2, "IWM"), (2, "^RUT"), (3, "QQQ")):
        db.call(add, sub(symbol=symbol, user_id=user_id, kind="high_52w", threshold=0.0))
    assert db.call(watched_symbols) == {"IWM", "^RUT", "QQQ"}


def test_a_naive_creation_time_is_refused(db):
    with pytest.raises(ValueError, match="naive datetime"):
        db.call(add, sub(created_at=datetime(2024, 3, 1)))
    assert db.call(watched_symbols) == set()
