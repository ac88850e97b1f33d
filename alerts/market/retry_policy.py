"""How a SourceClient (alerts/market/source_client.py) spaces its retries of one call: pure arithmetic."""

from __future__ import annotations

from dataclasses import dataclass

from alerts.backoff import doubling


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with "equal jitter" by default.

    The wait after failed try n (0-based) is ceiling(n) * (1 - jitter * rand), rand in [0, 1), where
    ceiling(n) = min(max_delay, base_delay * 2**n). jitter=0.5 waits between half and all of the ceiling:
    the floor keeps retries from landing right back on a struggling upstream, the random half spreads out
    callers that failed together. jitter=1.0 is "full jitter" (fewest total calls, but may retry at once);
    jitter=0 is plain doubling.
    """

    attempts: int = 4  # total tries including the first
    base_delay: float = 0.5
    max_delay: float = 30.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be at least 1, not {self.attempts}")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("delays must not be negative")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"jitter must be within [0, 1], not {self.jitter}")

    def ceiling(self, attempt: int) -> float:
        """The most the wait after failed try `attempt` can be; never decreases as attempts grow."""
        return doubling(attempt, self.base_delay, self.max_delay)

    def delay(self, attempt: int, rand: float) -> float:
        return self.ceiling(attempt) * (1 - self.jitter * rand)
