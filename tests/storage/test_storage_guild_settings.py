"""storage.guild_settings: per-server settings, one JSON value per key."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from storage.guild_settings import all_for, get, reset, set_value

NOW = datetime(2024, 3, 1, 15, 30, tzinfo=timezone.utc)


def test_missing_key_gives_the_default(db):
    assert db.call(get, 42, "alert_channel") is None
    assert db.call(get, 42, "alert_channel", 0) == 0


@pytest.mark.parametrize("value", [123, 5.5, "#alerts", True, [24, 1], {"upper": 5.0, "symbols": ["IWM"]}])
def test_json_values_round_trip(db, value):
    db.call(set_value, 42, "key", value, NOW)
    assert db.call(get, 42, "key") == value


def test_set_replaces_and_reset_removes(db):
    db.call(set_value, 42, "upper", 5.0, NOW)
    db.call(set_value, 42, "upper", 6.0, NOW)
    assert db.call(get, 42, "upper") == 6.0
    assert db.call(reset, 42, "upper") is True
    assert db.call(reset, 42, "upper") is False
    assert db.call(get, 42, "upper", "default") == "default"


def test_all_for_returns_one_server_by_key(db):
    db.call(set_value, 42, "upper", 6.0, NOW)
    db.call(set_value, 42, "channel", 555, NOW)
    db.call(set_value, 7, "upper", 9.0, NOW)
    values = db.call(all_for, 42)
    assert values == {"channel": 555, "upper": 6.0} and list(values) == ["channel", "upper"]
    assert db.call(all_for, 1) == {}


def test_a_naive_time_is_refused(db):
    with pytest.raises(ValueError, match="naive datetime"):
        db.call(set_value, 42, "upper", 6.0, datetime(2024, 3, 1))
    assert db.call(all_for, 42) == {}
