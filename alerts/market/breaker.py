"""A circuit breaker per upstream: after repeated faults, stop asking for a while instead of piling on.

Pure and synchronous; time comes from an injected clock so the state machine is testable without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """closed → (failure_threshold faults in a row) → open → (reset_after s) → half_open: one trial request.

    The trial decides: a success closes, a failure re-opens for another reset_after.
    """

    def __init__(
        self, *, failure_threshold: int = 5, reset_after: float = 300.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if failure_threshold < 1:
            raise ValueError(f"failure_threshold must be at least 1, not {failure_threshold}")
        if reset_after < 0:
            raise ValueError(f"reset_after must not be negative, not {reset_after}")
        self.failure_threshold = failure_threshold
        self.reset_after = reset_after
        self._clock = clock
        self._state: State = "closed"
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_out = False

    @property
    def state(self) -> State:
        return self._state

    @property
    def failures(self) -> int:
        """Consecutive failures recorded since the last success."""
        return self._failures

    def seconds_until_trial(self) -> float:
        """How long until an open circuit lets a trial through (0 when it already would, or is not open)."""
        if self._state != "open" or self._opened_at is None:
            return 0.0
        return max(0.0, self._opened_at + self.reset_after - self._clock())

    def allow(self) -> bool:
        if self._state == "closed":
            return True
        if self._state == "open":
            if self.seconds_until_trial() > 0:
                return False
            self._state = "half_open"
            self._trial_out = False
        if self._trial_out:
            return False  # one trial at a time: a struggling source gets one probe, not a stampede
        self._trial_out = True
        return True

    def record_success(self) -> None:
        self._state = "closed"
        self._failures = 0
        self._opened_at = None
        self._trial_out = False

    def record_failure(self) -> None:
        self._failures += 1
        # A failed half-open trial re-opens at once; a closed circuit opens at the threshold.
        if self._state == "half_open" or (self._state == "closed" and self._failures >= self.failure_threshold):
            self._open()
        # Already open: a late failure from a request sent before opening must not push the trial further out.

    def release_trial(self) -> None:
        """The half-open trial ended without a verdict (cancelled, or a bad-symbol answer): let another one through."""
        if self._state == "half_open":
            self._trial_out = False

    def _open(self) -> None:
        self._state = "open"
        self._opened_at = self._clock()
        self._trial_out = False
