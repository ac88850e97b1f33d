"""storage.rule_state: each rule's state per key, as JSON, so a restart resumes where it was."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from storage.rule_state import load_state, save_state

NOW = datetime(2024, 3, 1, 15, 30, tzinfo=timezone.utc)


def test_missing_state_is_none(db):
    assert db.call(load_state, "rotation", "^RUT/^NDX") is None


def test_state_round_trips_as_json(db):
    state = {"armed": False, "last": {"spread": 5.25, "side": "small"}, "seen": [1, 2]}
    db.call(save_state, "rotation", "^RUT/^NDX", state, NOW)
    assert db.call(load_state, "rotation", "^RUT/^NDX") == state


def test_saving_again_replaces_the_state(db):
    db.call(save_state, "rotation", "k", {"armed": True}, NOW)
    db.call(save_state, "rotation", "k", {"armed": False}, NOW)
    assert db.call(load_state, "rotation", "k") == {"armed": False}


def test_states_are_kept_per_rule_and_key(db):
    db.call(save_state, "price", "IWM", {"n": 1}, NOW)
    db.call(save_state, "rotation", "IWM", {"n": 3}, NOW)
    assert db.call(load_state, "price", "IWM") == {"n": 1} and db.call(load_state, "rotation", "IWM") == {"n": 3}


def test_a_naive_time_is_refused(db):
    with pytest.raises(ValueError, match="naive datetime"):
        db.call(save_state, "rotation", "k", {}, datetime(2024, 3, 1))
    assert db.call(load_state, "rotation", "k") is None
