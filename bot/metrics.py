"""rotobot's metrics, kept by prometheus_client on a registry of the app's own (tests and benches never share one).

`Metrics` is a thin front to it: every metric is described once (name, kind, help, labels, buckets) and then
bumped by name, so a misspelled name, a wrong label or a counter set like a gauge fails in the tests instead of
quietly becoming a new series. Counters end in `_total`. The process and Python metrics prometheus_client brings
(memory, CPU, open files, GC) are registered on the same registry. The text is prometheus_client's own
(`generate_latest`), served with its content type.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, GCCollector, Gauge, Histogram,
                               PlatformCollector, ProcessCollector, generate_latest)

from storage import outbox

CONTENT_TYPE = CONTENT_TYPE_LATEST

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_KINDS = {"counter": Counter, "gauge": Gauge, "histogram": Histogram}
_VERBS = {"counter": "inc", "gauge": "set", "histogram": "observe"}


class Metrics:
    def __init__(self, *, process: bool = True) -> None:
        self.registry = CollectorRegistry()
        if process:
            for collector in (ProcessCollector, PlatformCollector, GCCollector):
                collector(registry=self.registry)
        self._metrics: dict[str, tuple[str, tuple[str, ...], object]] = {}  # name -> (kind, labels, metric)

    def describe(self, name: str, help: str, kind: str, labels: Sequence[str] = (),
                 buckets: Sequence[float] | None = None) -> None:
        if not _NAME.fullmatch(name):
            raise ValueError(f"bad metric name {name!r}: expected letters, digits, _ and :, not starting with a digit")
        if kind not in _KINDS:
            raise ValueError(f"bad kind {kind!r} for {name}: expected one of {', '.join(_KINDS)}")
        if kind == "counter" and not name.endswith("_total"):
            raise ValueError(f"counter {name} must end in _total")
        if kind != "counter" and name.endswith("_total"):
            raise ValueError(f"{kind} {name} must not end in _total (that suffix means a counter)")
        for label in labels:
            if not _LABEL.fullmatch(label) or label.startswith("__"):
                raise ValueError(f"bad label name {label!r} on {name}")
        if name in self._metrics:
            raise ValueError(f"{name} is already described as a {self._metrics[name][0]}")
        extra = {"buckets": tuple(buckets)} if kind == "histogram" and buckets is not None else {}
        metric = _KINDS[kind](name, help, tuple(labels), registry=self.registry, **extra)
        self._metrics[name] = (kind, tuple(labels), metric)

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        if amount < 0 or math.isnan(amount):
            raise ValueError(f"counter {name} can only go up, not by {amount}")
        self._child(name, "counter", labels).inc(amount)

    def set(self, name: str, value: float, **labels: str) -> None:
        self._child(name, "gauge", labels).set(value)

    def observe(self, name: str, value: float, **labels: str) -> None:
        if math.isnan(value):
            raise ValueError(f"histogram {name} cannot observe NaN")
        self._child(name, "histogram", labels).observe(value)

    def value(self, name: str, **labels: str) -> float | None:
        """The current value of one sample (a counter's, a gauge's, or a histogram's `_count`, `_sum`,
        `_bucket` with `le`), None if it has none yet: for tests and status lines."""
        return self.registry.get_sample_value(name, labels)

    def render(self) -> str:
        return generate_latest(self.registry).decode("utf-8")

    def _child(self, name: str, kind: str, labels: Mapping[str, str]):
        described = self._metrics.get(name)
        if described is None:
            raise ValueError(f"metric {name} is not described: call describe() first")
        actual, names, metric = described
        if actual != kind:
            raise ValueError(f"{name} is a {actual}; {_VERBS[kind]}() is for {kind}s")
        if set(labels) != set(names):
            want = ", ".join(sorted(names)) or "none"
            raise ValueError(f"{name} takes the labels {want}, not {', '.join(sorted(labels)) or 'none'}")
        for label, value in labels.items():
            if not isinstance(value, str):
                raise ValueError(f"label {label} of {name} must be a string, not {value!r}")
        return metric.labels(**labels) if names else metric


def database_bytes(path: str | os.PathLike[str]) -> int:
    """Size on disk of an SQLite database with its write-ahead log and shared-memory file, missing parts as 0."""
    total = 0
    for suffix in ("", "-wal", "-shm"):
        try:
            total += Path(str(path) + suffix).stat().st_size
        except FileNotFoundError:
            continue
    return total


# Seconds. Lag: a 1 ms blip is normal, 50 ms is the scale target's p99 (issue 14), a second starves Discord's
# heartbeat. Latency: a send is usually under a second; retries and outages stretch it to hours.
LAG_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 21600.0, 86400.0)

# The names the app uses; described once here so every caller and the /metrics page agree.
STANDARD: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("rotobot_polls_total", "counter", "Answers and failures of each data source, as the jobs saw them.", ("source",)),
    ("rotobot_poll_failures_total", "counter", "Failed calls to each data source, after retries.", ("source",)),
    ("rotobot_alerts_total", "counter", "Alerts queued for delivery, by rule.", ("rule",)),
    (
        "rotobot_deliveries_total",
        "counter",
        "Tries to deliver an alert to one target, by transport and outcome (sent, failed, gave_up, not_wanted).",
        ("transport", "outcome"),
    ),
    (
        "rotobot_delivery_latency_seconds",
        "histogram",
        "From an alert queued in the outbox to its send to one target, by transport.",
        ("transport",),
    ),
    ("rotobot_outbox_backlog", "gauge", "Alerts queued and not yet delivered to every transport.", ()),
    ("rotobot_oldest_undelivered_alert_seconds", "gauge", "Age of the oldest undelivered alert, 0 when none.", ()),
    ("rotobot_event_loop_lag_seconds", "histogram", "How late the event loop woke from each half-second sleep.", ()),
    ("rotobot_database_bytes", "gauge", "Size of the SQLite database with its WAL, in bytes.", ()),
    (
        "rotobot_source_last_success_timestamp_seconds",
        "gauge",
        "Unix time of each data source's last successful answer.",
        ("source",),
    ),
)
BUCKETS = {"rotobot_event_loop_lag_seconds": LAG_BUCKETS, "rotobot_delivery_latency_seconds": LATENCY_BUCKETS}


def standard() -> Metrics:
    """A registry of its own with every metric rotobot reports already described, and the process metrics."""
    metrics = Metrics()
    for name, kind, help, labels in STANDARD:
        metrics.describe(name, help, kind, labels, BUCKETS.get(name))
    return metrics


async def scrape(metrics: Metrics, database, database_path, clock) -> str:
    """What /metrics answers: the registry, with the gauges read at scrape time brought up to date. Reading
    changes nothing else, so any number of scrapers see the same counters and histograms."""
    pending, oldest = await database.run(_outbox_facts)
    now = clock()
    metrics.set("rotobot_outbox_backlog", pending)
    metrics.set("rotobot_oldest_undelivered_alert_seconds", (now - oldest).total_seconds() if oldest else 0)
    metrics.set("rotobot_database_bytes", database_bytes(database_path))
    # About 3 ms for a few hundred series (median; 30 ms seen at worst on a busy machine): off the event loop.
    return await asyncio.to_thread(metrics.render)


def _outbox_facts(db):
    return outbox.pending_count(db), outbox.oldest_undelivered(db)
