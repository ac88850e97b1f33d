"""`rotobot backtest` end to end: a real SQLite file holding the bundled ^RUT and ^NDX history, the command as a
person types it, text and --json, and every kind of bad argument. The numbers themselves are checked by hand in
tests/rules/test_backtest.py; here, that the command shows those numbers, in the shapes it promises."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

import pytest

from alerts.market.bundled import bundled_history
from bot.cli import main
from storage import prices
from storage.database import Database

SIGNAL_KEYS = {"type", "date", "rule", "symbol", "direction", "value", "threshold", "message", "rule_id", "forward"}
SUMMARY_KEYS = {"type", "rule", "symbol", "direction", "horizon", "count", "hit_rate", "median", "mean", "min", "max",
                "baseline_count", "baseline_hit_rate", "baseline_median"}
DECEMBER = ("--from", "2025-12-10", "--to", "2025-12-12", "--horizons", "1,3,49")


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    path = tmp_path_factory.mktemp("backtest") / "rotobot.db"
    database = Database.open(path)
    now = datetime(2026, 11, 25, tzinfo=timezone.utc)
    for symbol in ("^RUT", "^NDX"):
        database.call(prices.store_bars, bundled_history(symbol, now=now))
    database.close()
    return path


@pytest.fixture
def cli(stored, tmp_path, monkeypatch, capsys):
    for name in list(os.environ):
        if name.startswith(("ROTOBOT_", "DISCORD_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)

    def run(*args, db=stored):
        code = main(["backtest", *args, "--db", str(db)])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_the_text_is_one_table_per_rule_with_the_baseline_beside(cli, stored):
    before = stored.read_bytes()
    code, out, err = cli(*DECEMBER)
    assert code == 0 and err == ""
    record, spread, closing = out.strip().split("\n\n")
    lines = record.splitlines()
    assert lines[0].startswith("new_high:^RUT:close: change of ^RUT, in percent")
    assert lines[1].split() == ["direction", "horizon", "signals", "hit", "rate", "median", "mean", "min", "max", "|",
                                "any", "session", "hit", "rate", "median"]
    # The figures of tests/rules/test_backtest.py: two records, +1.2111 and -1.5112 the next session.
    assert lines[2].split() == ["-", "1", "2", "50%", "-0.15", "-0.15", "-1.51", "+1.21", "|", "3", "33%", "-0.81"]
    assert lines[4].split() == ["-", "49", "1", "100%", "+2.40", "+2.40", "+2.40", "+2.40", "|", "1", "100%", "+2.40"]
    assert len({line.index("|") for line in lines[1:]}) == 1  # the columns line up
    lines = spread.splitlines()
    assert lines[0].startswith("rotation_spread:^RUT/^NDX:20: spread = ^RUT move - ^NDX move, in points")
    rows = [line.split() for line in lines[2:]]
    assert [row[:3] for row in rows] == [["small", "1", "1"], ["small", "3", "1"], ["small", "49", "0"],
                                         ["large", "1", "0"], ["large", "3", "0"], ["large", "49", "0"]]
    assert rows[0] == ["small", "1", "1", "100%", "+0.40", "+0.40", "+0.40", "+0.40", "|", "3", "67%", "+0.40"]
    assert rows[2] == ["small", "49", "0", "-", "-", "-", "-", "-", "|", "1", "100%", "+6.54"]
    assert closing.startswith("3 signals from 2025-12-10 to 2025-12-12")
    assert stored.read_bytes() == before  # a backtest changes nothing stored


def test_json_is_one_object_per_line_signals_then_summaries(cli):
    code, out, _ = cli(*DECEMBER, "--json")
    assert code == 0
    objects = [json.loads(line) for line in out.splitlines()]  # every line is JSON, the last one too
    signals = [o for o in objects if o["type"] == "signal"]
    summaries = [o for o in objects if o["type"] == "summary"]
    assert len(signals) == 3 and len(summaries) == 9 and objects == signals + summaries
    assert all(set(o) == SIGNAL_KEYS for o in signals)
    assert all(set(o) == SUMMARY_KEYS for o in summaries)
    first = signals[0]
    assert [first[k] for k in ("date", "rule", "symbol", "direction")] == ["2025-12-10", "new_high", "^RUT", None]
    assert round(first["forward"]["1"]["change"], 4) == 1.2111 and set(first["forward"]) == {"1", "3", "49"}
    assert signals[1]["forward"]["49"] is None  # 11 Dec + 49 sessions: past the stored data
    rotation = signals[2]
    assert rotation["rule_id"] == "rotation_spread:^RUT/^NDX:20" and rotation["direction"] == "small"
    assert [round(rotation["forward"]["1"][k], 4) for k in ("small", "large", "spread")] == [-1.5112, -1.9074, 0.3962]
    small = summaries[3]
    assert small == {"type": "summary", "rule": "rotation_spread:^RUT/^NDX:20", "symbol": "^RUT/^NDX",
                     "direction": "small", "horizon": 1, "count": 1, "hit_rate": 1.0, "median": small["median"],
                     "mean": small["median"], "min": small["median"], "max": small["median"], "baseline_count": 3,
                     "baseline_hit_rate": pytest.approx(2 / 3), "baseline_median": small["median"]}
    assert round(small["median"], 4) == 0.3962
    empty = summaries[5]  # small, 49 sessions: its one signal is past the data
    assert (empty["count"], empty["hit_rate"], empty["median"], empty["min"], empty["baseline_count"]) == (
        0, None, None, None, 1)


def test_a_rule_with_no_signals_still_has_its_summary(cli, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rules]]\nkind = "rotation_spread"\nid = "banks"\nsmall = "KRE"\nlarge = "SPY"\n\n'
                     '[[rules]]\nkind = "move_over"\nsymbol = "^RUT"\nsessions = 14\npct = 40\n')
    code, out, _ = cli("--rules", str(rules), "--from", "2025-12-01", "--to", "2025-12-31", "--horizons", "5")
    assert code == 0
    banks, rally, closing = out.strip().split("\n\n")
    assert "no stored closes of KRE, SPY: rotobot backfill KRE SPY" in banks
    assert [line.split()[:3] for line in banks.splitlines()[3:]] == [["small", "5", "0"], ["large", "5", "0"]]
    assert [line.split()[:4] for line in rally.splitlines()[2:]] == [["up", "5", "0", "-"], ["down", "5", "0", "-"]]
    assert closing.startswith("0 signals")
    code, out, _ = cli("--rules", str(rules), "--from", "2025-12-01", "--to", "2025-12-31", "--horizons", "5",
                       "--json")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(o["rule"], o["direction"], o["count"], o["median"], o["baseline_count"]) for o in lines] == [
        ("banks", "small", 0, None, 0), ("banks", "large", 0, None, 0),
        ("move_over:^RUT:14:40", "up", 0, None, 22), ("move_over:^RUT:14:40", "down", 0, None, 22)]


@pytest.mark.parametrize("horizons, reason", [
    ("0", "0 is not a horizon"), ("-5", "'-5' is not a whole number"), ("a", "'a' is not a whole number"),
    ("5,,20", "an empty horizon between commas"), ("", "no horizons given"), ("5,20,5", "5 is given twice"),
    ("2521", "2521 is not a horizon"), ("5.5", "'5.5' is not a whole number"),
])
def test_bad_horizons_are_refused_with_an_example(cli, stored, horizons, reason):
    before = stored.read_bytes()
    code, out, err = cli("--horizons", horizons)
    assert code == 1 and out == ""
    assert err.startswith(f"rotobot: --horizons {horizons!r}: ")
    assert reason in err and "such as 5,20,60" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert stored.read_bytes() == before


@pytest.mark.parametrize("args, code, expected", [
    (("--from", "yesterday"), 1, "--from 'yesterday' is not a date"),
    (("--to", "2025-13-01"), 1, "--to '2025-13-01' is not a date"),
    (("--from", "2025-12-31", "--to", "2025-01-01"), 1, "is after --to"),
    (("--rules", "missing.toml"), 78, "no such rules file"),
])
def test_bad_ranges_and_rules_say_what_is_wrong(cli, args, code, expected):
    got, out, err = cli(*args)
    assert (got, out) == (code, "") and expected in err and "Traceback" not in err


def test_a_bad_rules_file_names_the_rule_and_the_key(cli, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rules]]\nkind = "ma_cross"\nsymbol = "^RUT/^RUT"\nwindow = 50\n')
    code, _, err = cli("--rules", str(rules))
    assert code == 78 and "rule 1" in err and "symbol" in err and "two different tickers" in err


def test_without_a_database_it_says_how_to_get_one(cli, tmp_path):
    code, _, err = cli(db=tmp_path / "none.db")
    assert code == 1 and "There is no database at" in err and not (tmp_path / "none.db").exists()


def test_an_option_without_its_value_is_a_usage_error(cli):
    with pytest.raises(SystemExit) as stopped:
        cli("--horizons")
    assert stopped.value.code == 2


def test_the_readmes_figures_since_1987(cli):
    """README.md, Backtest: "the 127 rotations into small caps: small caps led over the next 20 sessions 48% of the
    time (median -0.20 points), against 46% for any session"."""
    code, out, _ = cli("--horizons", "20", "--json")
    small = next(o for o in map(json.loads, out.splitlines()) if o["type"] == "summary" and o["direction"] == "small")
    assert code == 0 and small["count"] == 127
    assert (round(small["hit_rate"], 2), round(small["median"], 2), round(small["baseline_hit_rate"], 2)) == (
        0.48, -0.20, 0.46)
