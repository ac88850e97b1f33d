"""The optional local HTTP endpoint: /healthz for a container or service manager, /metrics for Prometheus.

`judge_health` is a pure function of what the app knows (is the scheduler running, when did each source last
answer) and an injected `now`, so it is tested as a timeline. `HealthServer` only serves what its two callables
return; it binds where it is told (the settings default is loopback), keeps no access log (a probe every 30 s
would drown the real log) and never logs a request body. `LoopLag` measures how late the event loop wakes up
(a blocked loop also starves Discord's heartbeat), for the lag histogram on /metrics.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from aiohttp import web

from alerts.market.calendar import NEW_YORK
from alerts.timefmt import age_text

from bot.metrics import CONTENT_TYPE

log = logging.getLogger(__name__)

REPORT_TIMEOUT = 5.0  # seconds a health or metrics callable may take before the answer is "unhealthy" / 500


@dataclass(frozen=True)
class HealthReport:
    healthy: bool
    reasons: list[str] = field(default_factory=list)  # why not healthy, each a short sentence
    details: dict = field(default_factory=dict)  # JSON-able


def judge_health(
    *,
    scheduler_running: bool,
    last_success: Mapping[str, datetime | None],
    max_age: Mapping[str, timedelta],
    now: datetime,
    expected_since: Mapping[str, datetime] | None = None,
) -> HealthReport:
    """Healthy only while the scheduler runs and every source in `max_age` answered within its max age.

    The sources judged are the keys of `max_age` (the enabled ones); a source that has not answered yet is not
    fresh. `expected_since` (optional, per source) is when answers started being expected, such as the app's start
    or the session's open: the max age is counted from it when the last success is older, so a source is not
    stale merely because nothing asked it over a weekend. A last success in the future (clock skew) is fresh.
    """
    expected_since = expected_since or {}
    reasons: list[str] = []
    if not scheduler_running:
        reasons.append("The scheduler is not running: no job will fetch anything.")
    sources: dict[str, dict] = {}
    for source in sorted(max_age):
        allowed = max_age[source]
        last = last_success.get(source)
        counted_from = [m for m in (last, expected_since.get(source)) if m is not None]
        fresh = bool(counted_from) and now - max(counted_from) <= allowed
        sources[source] = {"last_success": _iso(last) if last else None, "fresh": fresh}
        if fresh:
            continue
        if last is None:
            reasons.append(f"Data source {source} has not answered successfully yet.")
        else:
            reasons.append(f"Data source {source} last answered {age_text(now - last)} ago (allowed: {age_text(allowed)}).")
    details = {"scheduler_running": scheduler_running, "sources": sources, "checked_at": _iso(now)}
    return HealthReport(healthy=not reasons, reasons=reasons, details=details)


class ServiceHealth:
    """What /healthz answers for the running bot: healthy while the scheduler runs and, in session, Yahoo (the
    live source) answered recently. Stooq is a fallback and not judged; outside the session nothing is fetched,
    so nothing can go stale."""

    def __init__(self, *, settings, calendar, scheduler, watch, started_at: datetime, fetching: bool,
                 clock: Callable[[], datetime]) -> None:
        self._market = settings.market
        self._calendar = calendar
        self._scheduler = scheduler
        self._watch = watch
        self._started_at = started_at
        self._fetching = fetching
        self._clock = clock

    async def report(self) -> HealthReport:
        now = self._clock()
        calendar = self._calendar.around(now)
        in_session = calendar.is_open(now)
        allowed = timedelta(seconds=max(self._market.source_down_notice_minutes * 60, 2 * self._market.poll_seconds))
        since = self._started_at
        if in_session:
            since = max(since, calendar.session(now.astimezone(NEW_YORK).date()).open)
        return judge_health(
            scheduler_running=bool(self._scheduler and self._scheduler.running),
            last_success=self._watch.last_successes(),
            max_age={"yahoo": allowed} if in_session and self._fetching else {},
            now=now,
            expected_since={"yahoo": since},
        )


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")



class HealthServer:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        report: Callable[[], Awaitable[HealthReport]],
        metrics: Callable[[], Awaitable[str]],
        timeout: float = REPORT_TIMEOUT,
    ) -> None:
        self.host = host
        self.port = port  # the bound port after start (useful with port 0)
        self._report = report
        self._metrics = metrics
        self._timeout = timeout
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._scrape)
        # No access log: Docker's probe alone would write a line every 30 s, for months.
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = runner.addresses[0][1]
        log.info("Health and metrics on http://%s:%d (/healthz, /metrics)", _host_for_url(self.host), self.port)

    async def close(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _healthz(self, request: web.Request) -> web.Response:
        try:
            report = await asyncio.wait_for(self._report(), self._timeout)
        except TimeoutError:
            log.warning("Health check took longer than %.0f s", self._timeout)
            report = HealthReport(False, [f"The health check took longer than {self._timeout:g} s."], {})
        except Exception as exc:
            log.exception("Health check failed")
            report = HealthReport(False, [f"The health check failed: {type(exc).__name__}."], {})
        if report.healthy:
            body, status = {"status": "ok", **report.details}, 200
        else:
            body, status = {"status": "unhealthy", "reasons": list(report.reasons), **report.details}, 503
        return web.json_response(body, status=status, headers={"Cache-Control": "no-store"})

    async def _scrape(self, request: web.Request) -> web.Response:
        try:
            text = await asyncio.wait_for(self._metrics(), self._timeout)
        except TimeoutError:
            log.warning("Collecting metrics took longer than %.0f s", self._timeout)
            return web.Response(status=500, text="collecting metrics timed out\n")
        except Exception:
            log.exception("Collecting metrics failed")
            return web.Response(status=500, text="collecting metrics failed\n")
        return web.Response(body=text.encode(), headers={"Content-Type": CONTENT_TYPE, "Cache-Control": "no-store"})


def _host_for_url(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class LoopLag:
    """How late the event loop wakes from a sleep: every wake's lag goes to `observe` (the lag histogram on
    /metrics, which no scrape resets), and the last one stays in `latest`."""

    def __init__(
        self,
        *,
        observe: Callable[[float], object] = lambda lag: None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._observe = observe
        self._sleep = sleep
        self._clock = clock
        self.latest = 0.0

    async def run(self, interval: float = 0.5) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be positive, not {interval}")
        while True:
            before = self._clock()
            await self._sleep(interval)
            lag = max(0.0, self._clock() - before - interval)
            self.latest = lag
            self._observe(lag)
