"""Every answer or failure of a market source, seen as it happens: counted for /metrics, and a long outage
noticed once and its end once (alerts/market/outages.py decides when). MarketData reports to it; the market jobs
pass on its notices after each run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from alerts.market.errors import UpstreamError
from alerts.market.outages import OutageNotice, SourceOutages


class SourceWatch:
    def __init__(self, outages: SourceOutages, clock: Callable[[], datetime], metrics=None) -> None:
        self._outages = outages
        self._clock = clock
        self._metrics = metrics
        self._notices: list[OutageNotice] = []

    def record(self, source: str, error: UpstreamError | None) -> None:
        now = self._clock()
        if self._metrics is not None:
            self._metrics.inc("rotobot_polls_total", source=source)
            if error is None:
                self._metrics.set("rotobot_source_last_success_timestamp_seconds", now.timestamp(), source=source)
            else:
                self._metrics.inc("rotobot_poll_failures_total", source=source)
        notice = self._outages.succeeded(source, now) if error is None else self._outages.failed(source, error.reason,
                                                                                               now)
        if notice:
            self._notices.append(notice)

    def add(self, notice: OutageNotice) -> None:
        """A notice another part of the market stack made (spark turned off or back: alerts/market/spark_switch.py),
        passed on with this watch's own after the run."""
        self._notices.append(notice)

    def take_notices(self) -> list[OutageNotice]:
        notices, self._notices = self._notices, []
        return notices

    def last_successes(self) -> dict[str, datetime | None]:
        return self._outages.last_successes()


class CountedRequests:
    """Fed and FRED requests, counted for /metrics like the market sources (they raise no outage notices: a Fed
    page that fails is said by the FOMC job itself)."""

    def __init__(self, clock: Callable[[], datetime], metrics=None) -> None:
        self._clock = clock
        self._metrics = metrics

    async def get(self, client, url: str, **options):
        metrics = self._metrics
        try:
            response = await client.get(url, **options)
        except UpstreamError:
            if metrics is not None:
                metrics.inc("rotobot_polls_total", source=client.name)
                metrics.inc("rotobot_poll_failures_total", source=client.name)
            raise
        if metrics is not None:
            metrics.inc("rotobot_polls_total", source=client.name)
            metrics.set("rotobot_source_last_success_timestamp_seconds", self._clock().timestamp(), source=client.name)
        return response
