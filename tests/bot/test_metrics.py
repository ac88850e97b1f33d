"""The metrics registry and its Prometheus text, read back by a strict parser of the 0.0.4 exposition format."""

from __future__ import annotations

import math
import re

import aiohttp
import pytest

from bot.health import HealthReport, HealthServer
from bot.metrics import CONTENT_TYPE, STANDARD, Metrics, database_bytes, standard

# --- a strict reader of the text format -------------------------------------------------------------------------------

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_SAMPLE = re.compile(rf"({_NAME})(\{{.*\}})? (\S+)")


def parse(text: str) -> dict[str, dict]:
    """{name: {"help", "type", "samples": {((label, value), ...): float}}}; AssertionError on anything off-format.

    Stricter than Prometheus: every family has HELP then TYPE before its samples, samples of a family are
    contiguous, counters end in _total, no blank or other comment lines, a newline ends the text.
    """
    assert text == "" or text.endswith("\n"), "the text must end with a newline"
    families: dict[str, dict] = {}
    current: str | None = None
    closed: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        where = f"line {number}: {line!r}"
        if line.startswith("#"):
            match = re.fullmatch(rf"# (HELP|TYPE) ({_NAME}) (.*)", line)
            assert match, f"{where}: only # HELP and # TYPE comments are expected"
            keyword, name, rest = match.groups()
            family = families.setdefault(name, {"help": None, "type": None, "samples": {}})
            assert not family["samples"], f"{where}: {keyword} after samples of {name}"
            if keyword == "HELP":
                assert family["help"] is None and family["type"] is None, f"{where}: HELP must come first, once"
                family["help"] = _unescape(rest, quotes=False)
            else:
                assert family["type"] is None, f"{where}: a second TYPE"
                assert family["help"] is not None, f"{where}: TYPE before HELP"
                assert rest in ("counter", "gauge"), f"{where}: unknown type"
                if rest == "counter":
                    assert name.endswith("_total"), f"{where}: a counter's name must end in _total"
                family["type"] = rest
            current = None
            continue
        match = _SAMPLE.fullmatch(line)
        assert match, f"{where}: expected `name{{labels}} value`"
        name, labels, value = match.groups()
        assert name in families and families[name]["type"], f"{where}: a sample before its # TYPE line"
        assert name not in closed, f"{where}: samples of {name} are not contiguous"
        if current is not None and current != name:
            closed.add(current)
        current = name
        key = _labels(labels or "", where)
        assert key not in families[name]["samples"], f"{where}: the same series twice"
        assert re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|NaN|[+-]Inf", value), f"{where}: bad value"
        families[name]["samples"][key] = float(value)
    return families


def _labels(text: str, where: str) -> tuple[tuple[str, str], ...]:
    if not text:
        return ()
    assert text.startswith("{") and text.endswith("}"), where
    body, pairs, i = text[1:-1], [], 0
    while i < len(body):
        match = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="').match(body, i)
        assert match, f"{where}: bad label at {body[i:]!r}"
        i = match.end()
        value = []
        while True:
            assert i < len(body), f"{where}: unterminated label value"
            char = body[i]
            if char == "\\":
                nxt = body[i + 1 : i + 2]
                assert nxt in ("\\", '"', "n"), f"{where}: bad escape \\{nxt}"
                value.append("\n" if nxt == "n" else nxt)
                i += 2
            elif char == '"':
                i += 1
                break
            else:
                assert char != "\n", where
                value.append(char)
                i += 1
        pairs.append((match.group(1), "".join(value)))
        if i < len(body):
            assert body[i] == ",", f"{where}: expected a comma between labels"
            i += 1
            assert i < len(body), f"{where}: trailing comma"
    names = [name for name, _ in pairs]
    assert len(names) == len(set(names)), f"{where}: a label twice"
    return tuple(sorted(pairs))


def _unescape(text: str, *, quotes: bool) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            nxt = text[i + 1 : i + 2]
            allowed = ("\\", "n", '"') if quotes else ("\\", "n")
            assert nxt in allowed, f"bad escape \\{nxt} in {text!r}"
            out.append("\n" if nxt == "n" else nxt)
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def test_the_parser_refuses_what_it_should():
    good = '# HELP a_total A.\n# TYPE a_total counter\na_total{x="1"} 2\n'
    assert parse(good)["a_total"]["samples"] == {(("x", "1"),): 2.0}
    bad = [
        "a_total 1\n",  # no TYPE
        "# TYPE a_total counter\na_total 1\n",  # no HELP
        "# HELP a A.\n# TYPE a counter\na 1\n",  # counter without _total
        '# HELP a_total A.\n# TYPE a_total counter\na_total{x="\\t"} 1\n',  # bad escape
        "# HELP a_total A.\n# TYPE a_total counter\na_total one\n",  # not a number
        "# HELP a_total A.\n# TYPE a_total counter\na_total 1",  # no trailing newline
        "# HELP g G.\n# TYPE g gauge\ng 1\ng 2\n",  # the same series twice
    ]
    for text in bad:
        with pytest.raises(AssertionError):
            parse(text)


# --- the registry -----------------------------------------------------------------------------------------------------


def test_standard_names_are_described_and_render_as_valid_text():
    metrics = standard()
    metrics.inc("rotobot_polls_total", source="yahoo")
    metrics.inc("rotobot_polls_total", source="yahoo")
    metrics.inc("rotobot_polls_total", source="stooq")
    metrics.inc("rotobot_poll_failures_total", source="stooq")
    metrics.inc("rotobot_alerts_total", rule="new_high:^RUT")
    metrics.set("rotobot_outbox_backlog", 3)
    metrics.set("rotobot_oldest_undelivered_alert_seconds", 42.5)
    metrics.set("rotobot_event_loop_lag_seconds", 0.0125)
    metrics.set("rotobot_database_bytes", 123_456_789)
    metrics.set("rotobot_source_last_success_timestamp_seconds", 1765479600.25, source="yahoo")

    families = parse(metrics.render())

    assert set(families) == {name for name, *_ in STANDARD}
    assert families["rotobot_polls_total"]["type"] == "counter"
    assert families["rotobot_polls_total"]["samples"] == {(("source", "stooq"),): 1.0, (("source", "yahoo"),): 2.0}
    assert families["rotobot_alerts_total"]["samples"] == {(("rule", "new_high:^RUT"),): 1.0}
    assert families["rotobot_outbox_backlog"]["samples"] == {(): 3.0}
    assert families["rotobot_oldest_undelivered_alert_seconds"]["samples"] == {(): 42.5}
    assert families["rotobot_event_loop_lag_seconds"]["samples"] == {(): 0.0125}
    assert families["rotobot_database_bytes"]["samples"] == {(): 123_456_789.0}
    stamp = families["rotobot_source_last_success_timestamp_seconds"]
    assert stamp["type"] == "gauge" and stamp["samples"] == {(("source", "yahoo"),): 1765479600.25}
    assert all(f["help"] for f in families.values())


def test_render_is_sorted_and_exact():
    metrics = Metrics()
    metrics.describe("b_total", "Second.", "counter")
    metrics.describe("a_gauge", "First.", "gauge")
    metrics.inc("b_total", source="z")
    metrics.inc("b_total", 2, source="a")
    metrics.set("a_gauge", 1.5)
    assert metrics.render() == (
        "# HELP a_gauge First.\n"
        "# TYPE a_gauge gauge\n"
        "a_gauge 1.5\n"
        "# HELP b_total Second.\n"
        "# TYPE b_total counter\n"
        'b_total{source="a"} 2\n'
        'b_total{source="z"} 1\n'
    )
    assert Metrics().render() == ""


def test_label_values_and_help_are_escaped_and_read_back_unchanged():
    metrics = Metrics()
    metrics.describe("odd_total", 'Help with a \\ backslash,\na newline and "quotes".', "counter")
    nasty = 'C:\\path "quoted"\nsecond line'
    metrics.inc("odd_total", rule=nasty, other="plain")
    text = metrics.render()
    assert 'rule="C:\\\\path \\"quoted\\"\\nsecond line"' in text
    assert "# HELP odd_total Help with a \\\\ backslash,\\na newline and \"quotes\".\n" in text
    family = parse(text)["odd_total"]
    assert family["samples"] == {(("other", "plain"), ("rule", nasty)): 1.0}
    assert family["help"] == 'Help with a \\ backslash,\na newline and "quotes".'


def test_special_values_render_as_prometheus_spells_them():
    metrics = Metrics()
    metrics.describe("g", "G.", "gauge", labels=("k",))
    for k, v in {"nan": math.nan, "inf": math.inf, "minf": -math.inf, "big": 1e20, "neg": -3.0, "tiny": 1e-9}.items():
        metrics.set("g", v, k=k)
    text = metrics.render()
    assert 'g{k="nan"} NaN\n' in text and 'g{k="inf"} +Inf\n' in text and 'g{k="minf"} -Inf\n' in text
    assert 'g{k="neg"} -3\n' in text
    samples = parse(text)["g"]["samples"]
    assert samples[(("k", "big"),)] == 1e20 and samples[(("k", "tiny"),)] == 1e-9
    assert math.isnan(samples[(("k", "nan"),)])


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
        (lambda m: m.set("rotobot_polls_total", 1, source="yahoo"), "is a counter"),
        (lambda m: m.inc("rotobot_outbox_backlog"), "is a gauge"),
        (lambda m: m.describe("rotobot_things", "x", "counter"), "must end in _total"),
        (lambda m: m.describe("rotobot_things_total", "x", "gauge"), "must not end in _total"),
        (lambda m: m.describe("rotobot_things", "x", "histogram"), "bad kind"),
        (lambda m: m.describe("2bad", "x", "gauge"), "bad metric name"),
        (lambda m: m.describe("ok_total", "x", "counter", labels=("__reserved",)), "bad label name"),
        (lambda m: m.describe("rotobot_outbox_backlog", "x", "counter"), "must end in _total"),
        (lambda m: m.describe("rotobot_polls_total", "x", "gauge"), "must not end in _total"),
    ],
)
def test_mistakes_fail_loudly(call, message):
    with pytest.raises(ValueError, match=message):
        call(standard())


def test_labels_of_an_undeclared_family_are_fixed_by_the_first_use():
    metrics = Metrics()
    metrics.describe("x_total", "X.", "counter")
    metrics.inc("x_total", job="a")
    with pytest.raises(ValueError, match="takes the labels job"):
        metrics.inc("x_total", jobs="a")


def test_database_bytes_counts_the_wal_too(tmp_path):
    db = tmp_path / "rotobot.db"
    assert database_bytes(db) == 0
    db.write_bytes(b"x" * 4096)
    (tmp_path / "rotobot.db-wal").write_bytes(b"y" * 100)
    assert database_bytes(db) == 4196


async def test_the_metrics_endpoint_serves_the_registry_as_parseable_text():
    metrics = standard()
    metrics.inc("rotobot_polls_total", source='we"ird\\name')
    metrics.set("rotobot_event_loop_lag_seconds", 0.002)

    async def report() -> HealthReport:
        return HealthReport(True, [], {})

    async def scrape() -> str:
        return metrics.render()

    server = HealthServer(host="127.0.0.1", port=0, report=report, metrics=scrape)
    await server.start()
    try:
        async with aiohttp.ClientSession() as client:
            async with client.get(f"http://127.0.0.1:{server.port}/metrics") as reply:
                assert reply.status == 200
                assert reply.headers["Content-Type"] == CONTENT_TYPE
                assert reply.headers["Content-Type"].startswith("text/plain; version=0.0.4")
                text = await reply.text()
    finally:
        await server.close()
    families = parse(text)
    assert families["rotobot_polls_total"]["samples"] == {(("source", 'we"ird\\name'),): 1.0}
    assert families["rotobot_event_loop_lag_seconds"]["samples"] == {(): 0.002}
