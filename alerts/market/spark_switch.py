"""When rotobot stops asking Yahoo's spark endpoint and when it tries again. Pure; time is handed in.

A batch fails when spark gave nothing usable for it (an error status, HTML, a wrong shape, every part refused, or
no part for any symbol asked) while the chart API answered for at least one of its symbols: spark is the fault
then, not Yahoo. A 429 never counts: that is Yahoo's rate limit on every request of rotobot's, and turning spark
off would send twenty times the requests into it (the client honours its Retry-After for every request, and
Yahoo's breaker counts it). After FAILURES_TO_STOP such batches in a row, quotes come through the chart API alone
and the operator hears it once.
The failures must span two polls at least (a poll is its `now`: every batch of one poll is judged at the poll's
time): when they all come in one poll, which may be a moment's blip, that poll's other batches go to the chart API
and the next poll asks spark with one batch first, which decides. Off, 5,000 symbols cost about 250 s a poll at
Yahoo's rate limit, four times the poll interval, so a blip must not turn spark off for half an hour.
RETRY_AFTER later, one batch is tried again: if it works, spark is back (and the operator hears that once); if it
fails, the chart API goes on alone for another RETRY_AFTER, without a second notice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from alerts.market.outages import OutageNotice

FAILURES_TO_STOP = 3  # three in a row, over two polls at least: one bad answer is noise, three is a pattern
RETRY_AFTER = timedelta(minutes=30)  # about 30 polls on the chart API alone before spark is tried again

Mode = Literal["on", "trial", "off"]


class SparkSwitch:
    def __init__(self, source: str = "yahoo", *, failures_to_stop: int = FAILURES_TO_STOP,
                 retry_after: timedelta = RETRY_AFTER) -> None:
        if failures_to_stop < 1:
            raise ValueError(f"failures_to_stop must be at least 1, not {failures_to_stop}")
        self.name = f"{source} spark"
        self.failures_to_stop = failures_to_stop
        self.retry_after = retry_after
        self._failures = 0
        self._streak_began: datetime | None = None  # the poll of the first failure in a row
        self._held_at: datetime | None = None  # the one poll all of FAILURES_TO_STOP failures came in
        self._off_since: datetime | None = None
        self._retry_at: datetime | None = None
        self._noticed = False
        self.last_reason = ""

    def mode(self, now: datetime) -> Mode:
        """on: ask spark; trial: ask it with one batch, which decides; off: use the chart API alone."""
        if self._retry_at is not None:
            return "trial" if now >= self._retry_at else "off"
        if self._held_at is not None:
            return "off" if now == self._held_at else "trial"  # the rest of the poll that failed; then one batch
        return "on"

    def failed(self, reason: str, now: datetime) -> OutageNotice | None:
        self.last_reason = reason
        if self._retry_at is not None:  # a trial failed, or a batch sent before the switch went off
            if now >= self._retry_at:
                self._retry_at = now + self.retry_after
            return None
        self._failures += 1
        if self._failures == 1:
            self._streak_began = now
        if self._failures < self.failures_to_stop:
            return None
        if now == self._streak_began:  # all in one poll: perhaps a blip, so the next poll decides
            self._held_at = now
            return None
        self._held_at = None
        self._off_since, self._retry_at = now, now + self.retry_after
        if self._noticed:
            return None
        self._noticed = True
        minutes = int(self.retry_after.total_seconds() // 60)
        return OutageNotice(self.name, "down", (
            f"Yahoo's batched quotes (spark) failed {self._failures} batches in a row while the chart API answered "
            f"({reason}). Quotes now come through the chart API alone, one request per symbol; spark is tried "
            f"again every {minutes} min."))

    def succeeded(self, now: datetime) -> OutageNotice | None:
        self._failures = 0
        self._streak_began = self._held_at = None
        if self._retry_at is not None and now < self._retry_at:
            return None  # a late answer from before the switch went off: the trial decides, not this
        self._retry_at = None
        if not self._noticed:
            return None
        self._noticed = False
        minutes = int((now - self._off_since).total_seconds() // 60) if self._off_since else 0
        return OutageNotice(self.name, "recovered",
                            f"Yahoo's batched quotes (spark) work again after {minutes} min on the chart API alone.")
