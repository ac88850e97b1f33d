"""`rotobot replay` over the bundled real history: the December 2025 story, and nothing live touched."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import datetime, timezone

import pytest

from bot.cli import main
from bot.jobs.seed import seed_if_empty
from storage.database import Database


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    path = tmp_path_factory.mktemp("replay") / "rotobot.db"
    database = Database.open(path)
    asyncio.run(seed_if_empty(database, datetime(2026, 11, 25, tzinfo=timezone.utc)))
    database.close()
    return path


@pytest.fixture
def cli(seeded, tmp_path, monkeypatch, capsys):
    for name in list(os.environ):
        if name.startswith(("ROTOBOT_", "DISCORD_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)

    def run(*args):
        code = main(["replay", *args, "--db", str(seeded)])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_replay_of_late_2025_tells_the_story(cli, seeded):
    before = seeded.read_bytes()
    code, out, _ = cli("--from", "2025-11-01", "--to", "2025-12-31", "--json")
    assert code == 0
    *rows, summary = out.splitlines()
    alerts = [json.loads(row) for row in rows]
    records = [(a["date"], round(a["value"], 2)) for a in alerts if a["rule"] == "new_high"]
    assert records == [("2025-12-04", 2531.16), ("2025-12-10", 2559.61), ("2025-12-11", 2590.61)]
    small = [a for a in alerts if a["rule"] == "rotation_spread" and a["direction"] == "small"]
    assert [a["date"] for a in small] == ["2025-12-11"] and small[0]["value"] >= 5.0 and small[0]["threshold"] == 5.0
    assert {"date", "rule", "symbol", "direction", "value", "threshold", "message"} <= set(alerts[0])
    assert alerts[-1]["symbol"] in ("^RUT", "^RUT/^NDX")
    assert summary.startswith(f"{len(alerts)} alerts from 2025-11-01 to 2025-12-31: new_high 3, rotation_spread ")
    assert seeded.read_bytes() == before  # replay changes no live state


def test_replay_with_a_rules_file(cli, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rules]]\nkind = "new_high"\nsymbol = "IWM"\nbasis = "close"\n')
    code, out, _ = cli("--from", "2025-12-01", "--to", "2025-12-31", "--rules", str(rules))
    assert code == 0 and "IWM" in out and "^RUT/^NDX" not in out


def test_a_bad_rules_file_names_the_file_the_rule_and_the_key(cli, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rules]]\nkind = "rotation_spread"\nsmall = "^RUT"\nlarge = "^NDX"\nupper = "five"\n')
    code, _, err = cli("--rules", str(rules))
    assert code == 78
    assert str(rules) in err and "rule 1" in err and "upper" in err and "Traceback" not in err


def test_a_rules_file_with_fomc_reminders_is_refused_and_told_where_they_are_set(cli, tmp_path):
    """Its hours_before used to be read and then ignored: the reminders always came from the settings."""
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rules]]\nkind = "new_high"\nsymbol = "IWM"\n\n'
                     '[[rules]]\nkind = "fomc_reminder"\nhours_before = [48, 2]\n')
    code, out, err = cli("--rules", str(rules))
    assert code == 78 and out == ""
    assert (f"{rules}: rule 2 (fomc_reminder): fomc_reminder rules are not read from a rules file: remove this rule "
            "and set [fomc] remind_hours_before in the settings, such as remind_hours_before = [48, 2]") in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args, expected",
    [
        (("--from", "yesterday"), "--from 'yesterday' is not a date"),
        (("--from", "2025-12-31", "--to", "2025-01-01"), "is after --to"),
        (("--rules", "missing.toml"), "no such rules file"),
    ],
)
def test_replay_says_what_is_wrong(cli, args, expected):
    code, _, err = cli(*args)
    assert code in (1, 78) and expected in err


def test_replay_runs_the_trend_rules_of_a_rules_file(cli, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rules]]\nkind = "move_over"\nid = "rut-rally"\nsymbol = "^RUT"\nsessions = 14\npct = 12\n\n'
                     '[[rules]]\nkind = "ma_cross"\nsymbol = "^RUT"\nwindow = 50\nband = 1\n')
    code, out, _ = cli("--from", "2025-11-10", "--to", "2025-12-31", "--rules", str(rules), "--json")
    assert code == 0
    *rows, summary = out.splitlines()
    alerts = [(a["date"], a["rule"], a["direction"]) for a in map(json.loads, rows)]
    assert alerts == [("2025-11-13", "ma_cross", "below"), ("2025-11-26", "ma_cross", "above"),
                      ("2025-12-11", "move_over", "up")]
    assert summary == "3 alerts from 2025-11-10 to 2025-12-31: ma_cross 2, move_over 1"
