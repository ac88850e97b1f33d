"""The metrics on prometheus_client: what /metrics serves, read back with prometheus_client's own parser.

The endpoint is the real HealthServer on a loopback port, answering with the real `scrape` over a real SQLite
file; deliveries go through the real dispatcher and the real console transport, on an injected clock.
"""

from __future__ import annotations

import io
import math
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from alerts.delivery import Target
from alerts.payloads import Everyone, RecordAlert
from bot.dispatch import Dispatcher
from bot.health import HealthReport, HealthServer, LoopLag
from bot.metrics import BUCKETS, CONTENT_TYPE, LATENCY_BUCKETS, STANDARD, Metrics, database_bytes, scrape, standard
from bot.transports.console import ConsoleTransport
from storage import outbox
from storage.database import Database
from tests.conftest import Clock

NOW = datetime(2025, 12, 11, 21, 5, tzinfo=timezone.utc)
NY = ZoneInfo("America/New_York")


def families(text: str) -> dict:
    """{name as written: family}; prometheus_client's parser names a counter's family without `_total`."""
    parsed = {}
    for family in text_string_to_metric_families(text):
        parsed[family.name + ("_total" if family.type == "counter" else "")] = family
    return parsed


def samples(family, name: str | None = None) -> dict:
    """{sorted label pairs: value} of one sample name in a family (by default the family's own name)."""
    wanted = name or (family.name + ("_total" if family.type == "counter" else ""))
    return {tuple(sorted(s.labels.items())): s.value for s in family.samples if s.name == wanted}


def buckets(family, **labels: str) -> dict[float, float]:
    """{upper bound: cumulative count} of one histogram series."""
    return {float(s.labels["le"]): s.value for s in family.samples
            if s.name.endswith("_bucket") and {k: v for k, v in s.labels.items() if k != "le"} == labels}


async def served(make_text) -> str:
    """GET /metrics from a real HealthServer answering with `make_text`, over loopback."""

    async def report() -> HealthReport:
        return HealthReport(True, [], {})

    server = HealthServer(host="127.0.0.1", port=0, report=report, metrics=make_text)
    await server.start()
    try:
        async with aiohttp.ClientSession() as client:
            async with client.get(f"http://127.0.0.1:{server.port}/metrics") as reply:
                assert reply.status == 200
                assert reply.headers["Content-Type"] == CONTENT_TYPE == CONTENT_TYPE_LATEST
                return await reply.text()
    finally:
        await server.close()


# --- names, types, labels ---------------------------------------------------------------------------------------------


def test_every_standard_metric_keeps_its_name_and_kind_and_the_process_metrics_come_along():
    metrics = standard()
    metrics.inc("rotobot_polls_total", source="yahoo")
    metrics.inc("rotobot_polls_total", source="yahoo")
    metrics.inc("rotobot_polls_total", source="stooq")
    metrics.inc("rotobot_poll_failures_total", source="stooq")
    metrics.inc("rotobot_alerts_total", rule="new_high:^RUT")
    metrics.set("rotobot_outbox_backlog", 3)
    metrics.set("rotobot_oldest_undelivered_alert_seconds", 42.5)
    metrics.observe("rotobot_event_loop_lag_seconds", 0.0125)
    metrics.set("rotobot_database_bytes", 123_456_789)
    metrics.set("rotobot_source_last_success_timestamp_seconds", 1765479600.25, source="yahoo")

    found = families(metrics.render())

    for name, kind, help, _ in STANDARD:
        assert found[name].type == kind, name
        assert found[name].documentation == help
    assert samples(found["rotobot_polls_total"]) == {(("source", "stooq"),): 1.0, (("source", "yahoo"),): 2.0}
    assert samples(found["rotobot_alerts_total"]) == {(("rule", "new_high:^RUT"),): 1.0}
    assert samples(found["rotobot_outbox_backlog"]) == {(): 3.0}
    assert samples(found["rotobot_oldest_undelivered_alert_seconds"]) == {(): 42.5}
    assert samples(found["rotobot_database_bytes"]) == {(): 123_456_789.0}
    stamp = found["rotobot_source_last_success_timestamp_seconds"]
    assert samples(stamp) == {(("source", "yahoo"),): 1765479600.25}
    lag = found["rotobot_event_loop_lag_seconds"]
    assert samples(lag, "rotobot_event_loop_lag_seconds_count") == {(): 1.0}
    assert buckets(lag)[0.01] == 0 and buckets(lag)[0.025] == 1 and buckets(lag)[math.inf] == 1
    # What prometheus_client brings: the process's memory, CPU and files, the interpreter, its garbage collector.
    assert found["process_resident_memory_bytes"].type == "gauge"
    assert samples(found["process_resident_memory_bytes"])[()] > 0
    assert found["process_cpu_seconds_total"].type == "counter"
    assert found["python_info"].type == "gauge"
    assert found["python_gc_collections_total"].type == "counter"


def test_each_registry_is_its_own():
    first, second = standard(), standard()  # two apps (or tests) in one process: no "duplicated timeseries"
    first.inc("rotobot_alerts_total", rule="spread")
    assert first.value("rotobot_alerts_total", rule="spread") == 1
    assert second.value("rotobot_alerts_total", rule="spread") is None


def test_histograms_have_the_documented_buckets():
    found = families(standard().render())
    lag = found["rotobot_event_loop_lag_seconds"]
    assert sorted(buckets(lag)) == [*BUCKETS["rotobot_event_loop_lag_seconds"], math.inf]
    assert 0.05 in buckets(lag)  # the p99 target of the scale day falls on a bucket edge


def test_label_values_and_help_are_escaped_and_read_back_unchanged():
    metrics = Metrics(process=False)
    metrics.describe("odd_total", 'Help with a \\ backslash,\na newline and "quotes".', "counter", ("other", "rule"))
    nasty = 'C:\\path "quoted"\nsecond line'
    metrics.inc("odd_total", rule=nasty, other="plain")
    family = families(metrics.render())["odd_total"]
    assert samples(family) == {(("other", "plain"), ("rule", nasty)): 1.0}
    assert family.documentation == 'Help with a \\ backslash,\na newline and "quotes".'


def test_special_values_read_back_as_set():
    metrics = Metrics(process=False)
    metrics.describe("g", "G.", "gauge", labels=("k",))
    for k, v in {"nan": math.nan, "inf": math.inf, "minf": -math.inf, "big": 1e20, "neg": -3.0, "tiny": 1e-9}.items():
        metrics.set("g", v, k=k)
    read = {dict(key)["k"]: value for key, value in samples(families(metrics.render())["g"]).items()}
    assert read["inf"] == math.inf and read["minf"] == -math.inf and math.isnan(read["nan"])
    assert (read["big"], read["neg"], read["tiny"]) == (1e20, -3.0, 1e-9)


def test_gauges_are_set_and_counters_add_up():
    metrics = standard()
    metrics.set("rotobot_outbox_backlog", 5)
    metrics.set("rotobot_outbox_backlog", 2)
    metrics.inc("rotobot_alerts_total", rule="spread")
    metrics.inc("rotobot_alerts_total", 2.5, rule="spread")
    assert metrics.value("rotobot_outbox_backlog") == 2
    assert metrics.value("rotobot_alerts_total", rule="spread") == 3.5
    assert metrics.value("rotobot_alerts_total", rule="other") is None


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda m: m.inc("rotobot_poll_total", source="yahoo"), "not described"),
        (lambda m: m.inc("rotobot_polls_total", sources="yahoo"), "takes the labels source"),
        (lambda m: m.inc("rotobot_polls_total"), "takes the labels source"),
        (lambda m: m.inc("rotobot_polls_total", -1, source="yahoo"), "only go up"),
        (lambda m: m.inc("rotobot_polls_total", source=3), "must be a string"),
        (lambda m: m.set("rotobot_polls_total", 1, source="yahoo"), "is a counter"),
        (lambda m: m.inc("rotobot_outbox_backlog"), "is a gauge"),
        (lambda m: m.set("rotobot_event_loop_lag_seconds", 1), "is a histogram"),
        (lambda m: m.observe("rotobot_outbox_backlog", 1), "is a gauge"),
        (lambda m: m.observe("rotobot_event_loop_lag_seconds", math.nan), "NaN"),
        (lambda m: m.observe("rotobot_delivery_latency_seconds", 1), "takes the labels transport"),
        (lambda m: m.describe("rotobot_things", "x", "counter"), "must end in _total"),
        (lambda m: m.describe("rotobot_things_total", "x", "gauge"), "must not end in _total"),
        (lambda m: m.describe("rotobot_things_total", "x", "histogram"), "must not end in _total"),
        (lambda m: m.describe("rotobot_things", "x", "summary"), "bad kind"),
        (lambda m: m.describe("2bad", "x", "gauge"), "bad metric name"),
        (lambda m: m.describe("ok_total", "x", "counter", labels=("__reserved",)), "bad label name"),
        (lambda m: m.describe("rotobot_outbox_backlog", "x", "counter"), "must end in _total"),
        (lambda m: m.describe("rotobot_polls_total", "x", "gauge"), "must not end in _total"),
        (lambda m: m.describe("rotobot_outbox_backlog", "x", "gauge"), "already described as a gauge"),
    ],
)
def test_mistakes_fail_loudly(call, message):
    with pytest.raises(ValueError, match=message):
        call(standard())


def test_a_metric_described_without_labels_takes_none():
    metrics = Metrics(process=False)
    metrics.describe("x_total", "X.", "counter")
    metrics.inc("x_total")
    with pytest.raises(ValueError, match="takes the labels none"):
        metrics.inc("x_total", job="a")


def test_database_bytes_counts_the_wal_too(tmp_path):
    db = tmp_path / "rotobot.db"
    assert database_bytes(db) == 0
    db.write_bytes(b"x" * 4096)
    (tmp_path / "rotobot.db-wal").write_bytes(b"y" * 100)
    assert database_bytes(db) == 4196


# --- scraped over HTTP ------------------------------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    yield database
    database.close()


def record_close() -> RecordAlert:
    return RecordAlert(key="new_high|^RUT|2025-12-11", message="Russell 2000 closes at a record 2,590.61",
                       occurred_at=NOW, route=Everyone(), rule_id="new_high:^RUT:close", symbol="^RUT",
                       session=NOW.date(), price=2590.61, previous_record=2559.61, previous_record_date=NOW.date())


class LateWebhook:
    """A second transport that is not ready until told: its target gets the alert later than the console's."""

    name = "webhook"

    def __init__(self) -> None:
        self.is_ready = False
        self.sent: list[str] = []

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def ready(self) -> bool:
        return self.is_ready

    async def targets(self, alert):
        return [Target("webhook:channel", "channel", "the webhook's channel", None)]

    async def send(self, target, notification) -> None:
        self.sent.append(notification.title)


async def test_a_sent_delivery_moves_its_transports_latency_buckets_in_the_scraped_text(db):
    clock = Clock(NOW)
    metrics = standard()
    out = io.StringIO()
    console = ConsoleTransport(answer=None, on_eof=lambda: None, stdin=io.StringIO(), stdout=out, interactive=False)
    webhook = LateWebhook()
    dispatcher = Dispatcher(db, [console, webhook], clock, NY, metrics=metrics)

    async def text() -> str:
        return await scrape(metrics, db, db.path, clock)

    before = families(await served(text))
    latency = before["rotobot_delivery_latency_seconds"]
    assert latency.type == "histogram" and samples(latency, "rotobot_delivery_latency_seconds_count") == {}

    db.call(outbox.commit, [record_close()], NOW, [])  # queued at NOW
    clock.now = NOW + timedelta(seconds=2)
    await dispatcher.run_once()  # the console takes it 2 s after it was queued; the webhook is not ready
    assert "Russell 2000 closes at a record" in out.getvalue()
    middle = families(await served(text))
    latency = middle["rotobot_delivery_latency_seconds"]
    assert samples(latency, "rotobot_delivery_latency_seconds_count") == {(("transport", "console"),): 1.0}
    assert samples(latency, "rotobot_delivery_latency_seconds_sum") == {(("transport", "console"),): 2.0}
    console_buckets = buckets(latency, transport="console")
    assert sorted(console_buckets) == [*LATENCY_BUCKETS, math.inf]
    assert {le: n for le, n in console_buckets.items() if le <= 2.5} == {0.1: 0, 0.25: 0, 0.5: 0, 1.0: 0, 2.5: 1}
    assert all(n == 1 for le, n in console_buckets.items() if le >= 2.5)
    assert samples(middle["rotobot_outbox_backlog"]) == {(): 1.0}  # the webhook still owes it
    assert samples(middle["rotobot_oldest_undelivered_alert_seconds"]) == {(): 2.0}
    assert samples(middle["rotobot_deliveries_total"]) == {(("outcome", "sent"), ("transport", "console")): 1.0}

    clock.now = NOW + timedelta(seconds=90)
    webhook.is_ready = True
    await dispatcher.run_once()
    after = families(await served(text))["rotobot_delivery_latency_seconds"]
    assert webhook.sent == ["Russell 2000 closes at a record 2,590.61"]
    assert buckets(after, transport="console") == console_buckets  # the console's did not move
    webhook_buckets = buckets(after, transport="webhook")
    assert (webhook_buckets[60.0], webhook_buckets[300.0], webhook_buckets[math.inf]) == (0, 1, 1)
    assert samples(after, "rotobot_delivery_latency_seconds_sum")[(("transport", "webhook"),)] == 90.0


class FakeTime:
    """A monotonic clock and a sleep that oversleeps by the next scripted lag; stops when the script ends."""

    def __init__(self, lags: list[float]) -> None:
        self.now = 1000.0
        self.lags = list(lags)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        if not self.lags:
            raise Stop
        self.now += seconds + self.lags.pop(0)


class Stop(Exception):
    pass


async def test_the_lag_histogram_is_not_reset_by_a_second_scrape(db):
    metrics = standard()
    fake = FakeTime([0.0, 0.003, 0.2, 1.5])
    lag = LoopLag(observe=lambda seconds: metrics.observe("rotobot_event_loop_lag_seconds", seconds),
                  sleep=fake.sleep, clock=fake.clock)
    with pytest.raises(Stop):
        await lag.run(interval=0.5)

    async def text() -> str:
        return await scrape(metrics, db, db.path, lambda: NOW)

    first = families(await served(text))["rotobot_event_loop_lag_seconds"]
    second = families(await served(text))["rotobot_event_loop_lag_seconds"]  # another Prometheus, or a curl
    assert buckets(first) == buckets(second)
    assert samples(second, "rotobot_event_loop_lag_seconds_count") == {(): 4.0}
    assert samples(second, "rotobot_event_loop_lag_seconds_sum")[()] == pytest.approx(1.703)
    counts = buckets(second)
    assert (counts[0.001], counts[0.005], counts[0.25], counts[1.0], counts[2.5]) == (1, 2, 3, 3, 4)

    fake.lags = [0.03]
    with pytest.raises(Stop):
        await lag.run(interval=0.5)
    third = families(await served(text))["rotobot_event_loop_lag_seconds"]
    assert samples(third, "rotobot_event_loop_lag_seconds_count") == {(): 5.0}
    assert buckets(third)[0.05] == buckets(second)[0.05] + 1
