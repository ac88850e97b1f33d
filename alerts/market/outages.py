"""Source outages: one notice when a source has been failing for a while, one more when it recovers.

Per poll a failing source would otherwise say the same thing sixty times an hour. The first failure starts the
clock; the notice goes out once the failures have lasted `notice_after`; the recovery notice only follows a
failure notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class OutageNotice:
    """What SourceOutages says about one source: down a while, or back. The operator notices turn it into an alert."""

    source: str
    kind: str  # "down" or "recovered"
    text: str


@dataclass
class _Status:
    failing_since: datetime | None = None
    last_reason: str = ""
    noticed: bool = False
    last_success: datetime | None = None


class SourceOutages:
    """Tracks each market source's run of failures and says when one became an outage, and when it ended."""

    def __init__(self, notice_after: timedelta) -> None:
        self.notice_after = notice_after
        self._status: dict[str, _Status] = {}

    def failed(self, source: str, reason: str, now: datetime) -> OutageNotice | None:
        status = self._status.setdefault(source, _Status())
        status.failing_since = status.failing_since or now
        status.last_reason = reason
        if not status.noticed and now - status.failing_since >= self.notice_after:
            status.noticed = True
            minutes = int((now - status.failing_since).total_seconds() // 60)
            return OutageNotice(source, "down", f"Data source {source} has been failing for {minutes} min ({reason}).")
        return None

    def succeeded(self, source: str, now: datetime) -> OutageNotice | None:
        status = self._status.setdefault(source, _Status())
        notice = None
        if status.noticed:
            minutes = int((now - status.failing_since).total_seconds() // 60)
            notice = OutageNotice(source, "recovered", f"Data source {source} is back after {minutes} min of failures.")
        status.failing_since, status.noticed, status.last_reason = None, False, ""
        status.last_success = now
        return notice

    def failing(self) -> dict[str, tuple[datetime, str]]:
        """Sources failing right now: since when, and the latest reason."""
        return {s: (st.failing_since, st.last_reason) for s, st in self._status.items() if st.failing_since}

    def last_successes(self) -> dict[str, datetime | None]:
        """When each source last answered, for the health endpoint."""
        return {source: status.last_success for source, status in self._status.items()}
