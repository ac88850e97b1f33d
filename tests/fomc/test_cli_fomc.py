"""`rotobot fomc` and `rotobot fomc import` on real saved documents."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "fomc"
UPPER = FIXTURES / "fred_DFEDTARU_2008-12-16_to_2025-12-10.csv"
LOWER = FIXTURES / "fred_DFEDTARL_2008-12-16_to_2025-12-10.csv"
CALENDAR = FIXTURES / "fed_fomccalendars_snapshot_lastupdate_2026-04-08.htm"


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    for name in list(os.environ):
        if name.startswith(("ROTOBOT_", "DISCORD_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)

    def run(*args):
        code = main([*args, "--db", str(tmp_path / "rotobot.db")])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_import_the_calendar_fred_and_a_statement_then_print_json(cli):
    code, out, _ = cli("fomc", "import", str(UPPER), str(LOWER), str(CALENDAR))
    assert code == 0 and "meetings from the calendar page" in out and "range changes from FRED" in out
    code, out, _ = cli("fomc", "import", str(FIXTURES / "statement_2025-12-10_pagetext.txt"))
    assert code == 0 and "the 2025-12-10 statement (lower, 3.50%–3.75%)" in out

    code, out, _ = cli("fomc", "--json")
    document = json.loads(out)
    assert set(document) == {"meetings", "decisions"}
    assert {"start": "2025-12-09", "end": "2025-12-10", "sep": True} in document["meetings"]
    by_date = {d["date"]: d for d in document["decisions"]}
    assert by_date["2025-12-10"] == {"date": "2025-12-10", "lower": 3.5, "upper": 3.75, "change_bp": -25,
                                     "action": "lower"}
    assert by_date["2024-09-18"]["change_bp"] == -50  # FRED's 2024-09-19 change, filed under the meeting
    assert "2025-08-22" not in {m["end"] for m in document["meetings"]}  # a notation vote is no meeting


def test_import_is_idempotent(cli):
    cli("fomc", "import", str(UPPER), str(LOWER))
    first = cli("fomc", "--json")[1]
    cli("fomc", "import", str(UPPER), str(LOWER))
    assert cli("fomc", "--json")[1] == first


@pytest.mark.parametrize(
    "files, expected",
    [
        ([UPPER], "needs both limits: pass the DFEDTARL CSV too"),
        ([Path("README.md")], "none of"),
        ([Path("missing.htm")], "does not exist"),
    ],
)
def test_import_refuses_what_it_cannot_use(cli, tmp_path, files, expected):
    (tmp_path / "README.md").write_text("# notes\n")
    code, _, err = cli("fomc", "import", *map(str, files))
    assert code == 1 and expected in err


def test_a_statement_without_its_range_sentence_is_refused_with_the_reason(cli, tmp_path):
    text = (FIXTURES / "statement_2025-12-10_pagetext.txt").read_text().replace("target range", "range")
    bad = tmp_path / "monetary20251210a.htm"
    bad.write_text(text)
    code, _, err = cli("fomc", "import", str(bad))
    assert code == 1 and "decision could not be read" in err


def test_fomc_without_a_database_says_so(cli):
    code, _, err = cli("fomc")
    assert code == 1 and "no database" in err
