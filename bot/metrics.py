"""A tiny metrics registry that renders the Prometheus text exposition format 0.0.4.

Counters only go up and their names end in `_total`; gauges are set. Every metric is described (help and kind)
before use, and its label names are fixed by the description or by its first use, so a misspelled name or label
fails in the tests instead of quietly becoming a new series. Rendering is deterministic: families sorted by name,
samples by label values, label values escaped, a newline at the end.
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from storage import outbox

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_KINDS = ("counter", "gauge")

LabelKey = tuple[tuple[str, str], ...]


@dataclass
class _Family:
    help: str
    kind: str
    labels: frozenset[str] | None  # None: fixed by the first sample
    samples: dict[LabelKey, float]


class Metrics:
    def __init__(self) -> None:
        self._families: dict[str, _Family] = {}
        self._lock = threading.Lock()  # cheap insurance: a job may bump a metric from the database thread

    def describe(self, name: str, help: str, kind: str, labels: Sequence[str] | None = None) -> None:
        if not _NAME.fullmatch(name):
            raise ValueError(f"bad metric name {name!r}: expected letters, digits, _ and :, not starting with a digit")
        if kind not in _KINDS:
            raise ValueError(f"bad kind {kind!r} for {name}: expected one of {', '.join(_KINDS)}")
        if kind == "counter" and not name.endswith("_total"):
            raise ValueError(f"counter {name} must end in _total")
        if kind == "gauge" and name.endswith("_total"):
            raise ValueError(f"gauge {name} must not end in _total (that suffix means a counter)")
        if labels is not None:
            for label in labels:
                _check_label(name, label)
        with self._lock:
            old = self._families.get(name)
            if old and old.kind != kind:
                raise ValueError(f"{name} is already described as a {old.kind}")
            self._families[name] = _Family(
                help, kind, frozenset(labels) if labels is not None else None, old.samples if old else {}
            )

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        if amount < 0 or math.isnan(amount):
            raise ValueError(f"counter {name} can only go up, not by {amount}")
        with self._lock:
            family = self._family(name, "counter", labels)
            key = _key(labels)
            family.samples[key] = family.samples.get(key, 0.0) + float(amount)

    def set(self, name: str, value: float, **labels: str) -> None:
        with self._lock:
            family = self._family(name, "gauge", labels)
            family.samples[_key(labels)] = float(value)

    def value(self, name: str, **labels: str) -> float | None:
        """The current value of one series, None if it has none yet (for tests and status lines)."""
        with self._lock:
            family = self._families.get(name)
            return family.samples.get(_key(labels)) if family else None

    def render(self) -> str:
        with self._lock:
            lines: list[str] = []
            for name in sorted(self._families):
                family = self._families[name]
                lines.append(f"# HELP {name} {_escape_help(family.help)}")
                lines.append(f"# TYPE {name} {family.kind}")
                for key in sorted(family.samples):
                    lines.append(f"{name}{_render_labels(key)} {_render_value(family.samples[key])}")
        return "".join(line + "\n" for line in lines)

    def _family(self, name: str, kind: str, labels: dict[str, str]) -> _Family:
        family = self._families.get(name)
        if family is None:
            raise ValueError(f"metric {name} is not described: call describe() first")
        if family.kind != kind:
            verb = "inc" if kind == "counter" else "set"
            raise ValueError(f"{name} is a {family.kind}; {verb}() is for {kind}s")
        names = frozenset(labels)
        if family.labels is None:
            for label in names:
                _check_label(name, label)
            family.labels = names
        elif names != family.labels:
            want = ", ".join(sorted(family.labels)) or "none"
            raise ValueError(f"{name} takes the labels {want}, not {', '.join(sorted(names)) or 'none'}")
        for label, value in labels.items():
            if not isinstance(value, str):
                raise ValueError(f"label {label} of {name} must be a string, not {value!r}")
        return family


def _check_label(metric: str, label: str) -> None:
    if not _LABEL.fullmatch(label) or label.startswith("__"):
        raise ValueError(f"bad label name {label!r} on {metric}")


def _key(labels: dict[str, str]) -> LabelKey:
    return tuple(sorted(labels.items()))


def escape_label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _render_labels(key: LabelKey) -> str:
    if not key:
        return ""
    return "{" + ",".join(f'{label}="{escape_label_value(value)}"' for label, value in key) + "}"


def _render_value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def database_bytes(path: str | os.PathLike[str]) -> int:
    """Size on disk of an SQLite database with its write-ahead log and shared-memory file, missing parts as 0."""
    total = 0
    for suffix in ("", "-wal", "-shm"):
        try:
            total += Path(str(path) + suffix).stat().st_size
        except FileNotFoundError:
            continue
    return total


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
    ("rotobot_outbox_backlog", "gauge", "Alerts queued and not yet delivered to every transport.", ()),
    ("rotobot_oldest_undelivered_alert_seconds", "gauge", "Age of the oldest undelivered alert, 0 when none.", ()),
    ("rotobot_event_loop_lag_seconds", "gauge", "Worst event loop lag since the previous scrape.", ()),
    ("rotobot_database_bytes", "gauge", "Size of the SQLite database with its WAL, in bytes.", ()),
    (
        "rotobot_source_last_success_timestamp_seconds",
        "gauge",
        "Unix time of each data source's last successful answer.",
        ("source",),
    ),
)


def standard() -> Metrics:
    """A registry with every metric rotobot reports already described."""
    metrics = Metrics()
    for name, kind, help, labels in STANDARD:
        metrics.describe(name, help, kind, labels)
    return metrics


async def scrape(metrics: Metrics, database, loop_lag, database_path, clock) -> str:
    """What /metrics answers: the registry, with the gauges read at scrape time brought up to date."""
    pending, oldest = await database.run(_outbox_facts)
    now = clock()
    metrics.set("rotobot_outbox_backlog", pending)
    metrics.set("rotobot_oldest_undelivered_alert_seconds", (now - oldest).total_seconds() if oldest else 0)
    metrics.set("rotobot_event_loop_lag_seconds", loop_lag.take_worst())
    metrics.set("rotobot_database_bytes", database_bytes(database_path))
    return metrics.render()


def _outbox_facts(db):
    return outbox.pending_count(db), outbox.oldest_undelivered(db)
