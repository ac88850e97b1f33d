"""The jump gate, as a timeline: each step is one observation and what the gate says."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from alerts.market.quality import JumpGate

T0 = datetime(2025, 12, 11, 15, 0, tzinfo=timezone.utc)


def run(steps, gate=None):
    gate = gate or JumpGate(max_jump_pct=10.0)
    seen = []
    for minute, price, reference, source in steps:
        seen.append(gate.check("^RUT", price, reference, source, T0 + timedelta(minutes=minute)).accepted)
    return seen, gate


def test_normal_moves_pass():
    assert run([(0, 2590.61, 2559.61, "yahoo"), (1, 2600.0, 2559.61, "yahoo")])[0] == [True, True]


def test_a_bad_tick_that_would_be_a_record_high_is_held_and_then_forgotten():
    # ^RUT closed at 2,559.61; one tick says 25,906 (a misplaced decimal), the next poll is normal again.
    accepted, gate = run([(0, 25906.1, 2559.61, "yahoo"), (1, 2591.0, 2559.61, "yahoo")])
    assert accepted == [False, True]
    assert gate.pending() == {}


def test_a_real_crash_is_accepted_one_poll_later():
    accepted, _ = run([(0, 2200.0, 2559.61, "yahoo"), (1, 2205.0, 2559.61, "yahoo")])
    assert accepted == [False, True]


def test_a_second_source_confirms_at_once():
    accepted, _ = run([(0, 2200.0, 2559.61, "yahoo"), (0, 2201.0, 2559.61, "stooq")])
    assert accepted == [False, True]


def test_the_same_observation_again_is_not_a_confirmation():
    accepted, _ = run([(0, 2200.0, 2559.61, "yahoo"), (0, 2200.0, 2559.61, "yahoo")])
    assert accepted == [False, False]


def test_a_second_different_outlier_is_not_a_confirmation():
    accepted, gate = run([(0, 2200.0, 2559.61, "yahoo"), (1, 3100.0, 2559.61, "yahoo")])
    assert accepted == [False, False]
    assert gate.pending() == {"^RUT": 3100.0}


def test_no_reference_means_nothing_to_judge_against():
    assert run([(0, 2590.61, None, "yahoo")])[0] == [True]


def test_the_reason_says_what_was_held_and_why():
    gate = JumpGate(max_jump_pct=10.0)
    verdict = gate.check("^RUT", 25906.1, 2559.61, "yahoo", T0)
    assert "^RUT at 25,906.10" in verdict.reason and "+912.1%" in verdict.reason and "beyond 10%" in verdict.reason


def test_a_held_observation_over_a_day_old_confirms_nothing_and_is_forgotten():
    gate = JumpGate(max_jump_pct=10.0)
    assert not gate.check("^RUT", 2200.0, 2559.61, "yahoo", T0).accepted
    a_day_later = T0 + timedelta(days=1, minutes=1)
    assert not gate.check("^RUT", 2201.0, 2559.61, "yahoo", a_day_later).accepted  # held anew, not confirmed
    assert not gate.check("IWM", 300.0, 250.0, "yahoo", a_day_later + timedelta(days=2)).accepted
    assert gate.pending() == {"IWM": 300.0}  # the old ^RUT hold is gone


def test_the_held_observations_are_capped_and_the_oldest_goes_first():
    gate = JumpGate(max_jump_pct=10.0, max_pending=3)
    for i, symbol in enumerate(["A", "B", "C", "D"]):
        gate.check(symbol, 200.0, 100.0, "yahoo", T0 + timedelta(minutes=i))
    assert list(gate.pending()) == ["B", "C", "D"]
    gate.check("B", 201.0, 100.0, "stooq", T0 + timedelta(minutes=5))  # B confirmed by a second source
    gate.check("E", 200.0, 100.0, "yahoo", T0 + timedelta(minutes=6))
    assert list(gate.pending()) == ["C", "D", "E"]


def test_held_again_counts_as_the_newest():
    gate = JumpGate(max_jump_pct=10.0, max_pending=2)
    gate.check("A", 200.0, 100.0, "yahoo", T0)
    gate.check("B", 200.0, 100.0, "yahoo", T0 + timedelta(minutes=1))
    gate.check("A", 300.0, 100.0, "yahoo", T0 + timedelta(minutes=2))  # a different outlier: held again
    gate.check("C", 200.0, 100.0, "yahoo", T0 + timedelta(minutes=3))
    assert gate.pending() == {"A": 300.0, "C": 200.0}
