"""The circuit breaker's state machine, walked through a timeline with a fake clock."""

from __future__ import annotations

import pytest

from alerts.market.breaker import CircuitBreaker


class FakeClock:
    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# (clock, event, what allow() returns or None, state afterwards); threshold 3, reset_after 100 s.
TIMELINE = [
    (0.0, "allow", True, "closed"),
    (0.0, "failure", None, "closed"),
    (1.0, "failure", None, "closed"),
    (2.0, "success", None, "closed"),  # a success resets the count: failures must be consecutive
    (3.0, "failure", None, "closed"),
    (4.0, "failure", None, "closed"),
    (5.0, "failure", None, "open"),  # third in a row opens
    (5.0, "allow", False, "open"),
    (104.9, "allow", False, "open"),
    (105.0, "allow", True, "half_open"),  # reset_after elapsed: one trial goes out
    (105.0, "allow", False, "half_open"),  # ...and only one while it is out
    (106.0, "failure", None, "open"),  # the trial failed: open for another reset_after from now
    (205.9, "allow", False, "open"),
    (206.0, "allow", True, "half_open"),
    (207.0, "success", None, "closed"),  # the trial passed
    (207.0, "allow", True, "closed"),
    (208.0, "failure", None, "closed"),  # counting starts again from zero
]


def test_breaker_follows_the_timeline():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, reset_after=100.0, clock=clock)
    for step, (now, event, returns, state) in enumerate(TIMELINE):
        clock.now = now
        if event == "allow":
            assert breaker.allow() is returns, f"step {step}: allow() at {now}"
        elif event == "failure":
            breaker.record_failure()
        else:
            breaker.record_success()
        assert breaker.state == state, f"step {step}: {event} at {now}"


def test_health_properties_report_count_and_time_to_the_trial():
    clock = FakeClock(50.0)
    breaker = CircuitBreaker(failure_threshold=2, reset_after=30.0, clock=clock)
    assert (breaker.failures, breaker.seconds_until_trial()) == (0, 0.0)
    breaker.record_failure()
    breaker.record_failure()
    assert (breaker.failures, breaker.state, breaker.seconds_until_trial()) == (2, "open", 30.0)
    clock.now = 60.0
    assert breaker.seconds_until_trial() == 20.0
    breaker.record_success()
    assert (breaker.failures, breaker.state, breaker.seconds_until_trial()) == (0, "closed", 0.0)


def test_a_late_failure_while_open_does_not_push_the_trial_back():
    # A request sent before the circuit opened may fail afterwards; it must not extend the wait.
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_after=10.0, clock=clock)
    breaker.record_failure()
    clock.now = 9.0
    breaker.record_failure()
    assert breaker.seconds_until_trial() == 1.0  # still counted from the opening at 0
    clock.now = 10.0
    assert breaker.allow() is True


def test_a_trial_that_ends_without_a_verdict_can_be_retried():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_after=10.0, clock=clock)
    breaker.record_failure()
    clock.now = 10.0
    assert breaker.allow() is True
    assert breaker.allow() is False
    breaker.release_trial()  # e.g. the trial asked for an unknown symbol, or was cancelled
    assert (breaker.state, breaker.allow()) == ("half_open", True)


def test_release_trial_outside_half_open_changes_nothing():
    breaker = CircuitBreaker(failure_threshold=1, clock=FakeClock())
    breaker.release_trial()
    assert breaker.state == "closed"
    breaker.record_failure()
    breaker.release_trial()
    assert (breaker.state, breaker.allow()) == ("open", False)


@pytest.mark.parametrize("kwargs", [{"failure_threshold": 0}, {"reset_after": -1.0}])
def test_nonsense_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        CircuitBreaker(**kwargs)
