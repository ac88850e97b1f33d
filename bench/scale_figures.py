"""What `python -m bench scale` measures while its day runs, and how it prints it."""

from __future__ import annotations

import dataclasses
import statistics
import time
from pathlib import Path

from bench import scale_world as world
from bench.summary import record

LAG_INTERVAL = 0.01
RSS_TARGET, LAG_TARGET_MS = 500, 50


def memory_mib() -> tuple[float, float]:
    """(resident now, the most resident so far), MiB."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found.get("VmRSS", float("nan")), found.get("VmHWM", float("nan"))


class Timed:
    """Wraps a job stage, adding up the time spent in it and what it returned (alerts queued)."""

    def __init__(self, stage) -> None:
        self._stage = stage
        self.seconds, self.queued = 0.0, 0

    async def __call__(self, *args):
        started = time.perf_counter()
        try:
            result = await self._stage(*args)
        finally:
            self.seconds += time.perf_counter() - started
        self.queued += result or 0
        return result

    def take(self) -> float:
        seconds, self.seconds = self.seconds, 0.0
        return seconds

    def reset(self) -> None:
        self.seconds, self.queued = 0.0, 0


@dataclasses.dataclass
class Figures:
    cycles: int = 0
    step_minutes: float = 0.0
    seed_seconds: float = 0.0
    bars: int = 0
    rss_start: float = 0.0
    rss_warm: float = 0.0
    rss_end: float = 0.0
    rss_peak: float = 0.0
    lags: list[float] = dataclasses.field(default_factory=list)
    stalls: list[tuple[float, str]] = dataclasses.field(default_factory=list)  # the longest, with their phase
    full_gc: list[float] = dataclasses.field(default_factory=list)  # seconds of each full collection
    poll: list[float] = dataclasses.field(default_factory=list)
    engine: list[float] = dataclasses.field(default_factory=list)
    dispatch: list[float] = dataclasses.field(default_factory=list)
    requests: list[dict[str, int]] = dataclasses.field(default_factory=list)
    stored: list[int] = dataclasses.field(default_factory=list)
    tick_alerts: int = 0
    close: dict[str, float] = dataclasses.field(default_factory=dict)
    sent: int = 0
    targets: int = 0
    wall: float = 0.0


class Probe:
    """The app's LoopLag every 10 ms, and the garbage collector's passes, noted while a named phase runs."""

    def __init__(self, figures: Figures, metrics) -> None:
        self._figures, self._metrics = figures, metrics
        self.phase: str | None = None
        self._gc_started = 0.0

    def observe(self, lag: float) -> None:
        self._metrics.observe("rotobot_event_loop_lag_seconds", lag)
        if self.phase is not None:
            self._figures.lags.append(lag)
            self._figures.stalls.append((lag, self.phase))
            if len(self._figures.stalls) > 50:
                self._figures.stalls.sort(reverse=True)
                del self._figures.stalls[5:]

    def on_gc(self, event: str, info: dict) -> None:
        if event == "start":
            self._gc_started = time.perf_counter()
        elif self.phase is not None and info["generation"] == 2:
            self._figures.full_gc.append(time.perf_counter() - self._gc_started)

    def run(self, phase: str):
        probe = self

        class During:
            def __enter__(self):
                probe.phase = phase

            def __exit__(self, *exc):
                probe.phase = None

        return During()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


def report(f: Figures, sizes: world.Sizes, churn: int) -> None:
    lag_ms = [lag * 1000 for lag in f.lags]
    spark = [r["spark"] for r in f.requests] or [0]
    chart = [r["chart"] + r["stooq"] for r in f.requests] or [0]
    print(f"scale day, {world.DAY:%a %d %b %Y} simulated: {sizes.symbols:,} tickers (+{len(world.CONFIGURED)} "
          f"configured symbols), {sizes.subscriptions:,} subscriptions of {sizes.people:,} people in "
          f"{sizes.servers:,} servers")
    print(f"  set-up, not measured: {f.bars:,} daily bars, the settings and subscriptions stored in "
          f"{f.seed_seconds:.0f} s")
    print(f"  {f.cycles} polls, one every {f.step_minutes:g} min of the session (production: every minute, 390 "
          f"polls; the day's alerts do not depend on the gap), {churn} people subscribing and {churn} "
          f"unsubscribing before each, then the close job at 16:20")
    print(f"  resident memory: {f.rss_start:.0f} MiB once started (the index and history read), "
          f"{f.rss_warm:.0f} MiB after the first poll, {f.rss_end:.0f} MiB at the end, peak "
          f"{f.rss_peak:.0f} MiB (target < {RSS_TARGET})")
    print(f"  event-loop lag ({len(lag_ms):,} wakes of LoopLag every {LAG_INTERVAL * 1000:.0f} ms while the jobs "
          f"ran): p50 {percentile(lag_ms, 0.5):.1f} ms, p99 {percentile(lag_ms, 0.99):.1f} ms, max {max(lag_ms, default=0):.0f} ms "
          f"(target p99 < {LAG_TARGET_MS})")
    print(f"  per poll: {statistics.median(spark):.0f} spark + {statistics.median(chart):.0f} chart requests "
          f"(median; ceil of symbols / 20 = {-(-(sizes.symbols + len(world.CONFIGURED)) // 20)}), "
          f"{statistics.median(f.stored):,.0f} quotes stored")
    for name, values in (("poll (fetch, gate, store)", f.poll), ("engine (judge_quotes)", f.engine),
                         ("dispatch (run_once)", f.dispatch)):
        print(f"    {name}: median {statistics.median(values):.2f} s, p95 {percentile(values, 0.95):.2f} s, "
              f"max {max(values):.2f} s")
    stalls = ", ".join(f"{lag * 1000:.0f} ms ({phase})" for lag, phase in sorted(f.stalls, reverse=True)[:5])
    print(f"    the longest: {stalls}")
    print(f"  garbage collector: {len(f.full_gc)} full passes while the jobs ran, the longest "
          f"{max(f.full_gc, default=0) * 1000:.0f} ms")
    print(f"  alerts the engine queued over the session: {f.tick_alerts:,}")
    c = f.close
    if c:
        print(f"  close job at 16:20: daily bars of {c['fetched']:,} symbols ({c['failed']} failed) in "
              f"{c['fetch']:.1f} s ({c['requests']:,} requests), engine {c['engine']:.2f} s ({c['alerts']} alerts "
              f"queued), dispatch {c['dispatch']:.1f} s ({c['sent']:,} deliveries)")
    print(f"  deliveries over the day: {f.sent:,} to {f.targets:,} targets; wall time {f.wall / 60:.1f} min\n")
    record("scale day: resident memory, peak", f.rss_peak, "MiB", RSS_TARGET)
    record("scale day: event-loop lag p99", percentile(lag_ms, 0.99), "ms", LAG_TARGET_MS)
    record("scale day: poll time, median", statistics.median(f.poll), "s", 15)
    record("scale day: engine time per poll, median", statistics.median(f.engine), "s")
    if c:
        record("scale day: close job, every symbol's daily bars", c["fetch"], "s")


