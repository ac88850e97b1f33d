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
SEP = FIXTURES / "fomcprojtabl20251210.htm"
SEP_PATH = ("2025 3.6 (3.6) · 2026 3.4 (3.4) · 2027 3.1 (3.1) · 2028 3.1 (3.1) · longer run 3.0 (3.0)")


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
    assert set(document) == {"meetings", "decisions", "projections"}
    assert document["projections"] == []
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


# --- projections (SEP) pages -----------------------------------------------------------------------------------


def test_import_a_saved_projections_page_then_print_it_as_json(cli):
    code, out, _ = cli("fomc", "import", str(SEP))
    assert code == 0
    assert out.strip() == ("Stored the projections of the 2025-12-10 meeting (19 participants; median funds rate, %, "
                           f"September's in brackets: {SEP_PATH})")
    code, out, _ = cli("fomc", "--json")
    (document,) = json.loads(out)["projections"]
    assert document == {
        "meeting": "2025-12-10",
        "median": {"2025": 3.6, "2026": 3.4, "2027": 3.1, "2028": 3.1, "longer_run": 3.0},
        "previous_median": {"2025": 3.6, "2026": 3.4, "2027": 3.1, "2028": 3.1, "longer_run": 3.0},
        "dots": {
            "2025": {"3.875": 6, "3.625": 12, "3.375": 1},
            "2026": {"3.875": 3, "3.625": 4, "3.375": 4, "3.125": 4, "2.875": 2, "2.625": 1, "2.125": 1},
            "2027": {"3.875": 2, "3.625": 2, "3.375": 3, "3.125": 6, "2.875": 3, "2.625": 2, "2.375": 1},
            "2028": {"3.875": 2, "3.625": 2, "3.375": 2, "3.125": 6, "2.875": 3, "2.750": 1, "2.625": 3},
            "longer_run": {"3.875": 1, "3.750": 1, "3.625": 1, "3.500": 1, "3.375": 2, "3.250": 1, "3.125": 2,
                           "3.000": 5, "2.875": 1, "2.750": 1, "2.625": 3},
        },
    }
    code, out, _ = cli("fomc")
    assert code == 0 and f"  2025-12-10  {SEP_PATH}" in out.splitlines()


def test_importing_the_projections_again_keeps_one_reading(cli):
    cli("fomc", "import", str(SEP))
    cli("fomc", "import", str(SEP))
    assert len(json.loads(cli("fomc", "--json")[1])["projections"]) == 1


def test_projections_are_listed_latest_meeting_first(cli, tmp_path):
    september = tmp_path / "fomcprojtabl20250917.htm"  # the real page, relabelled as an earlier meeting's
    september.write_text(SEP.read_text(encoding="utf-8-sig").replace("December 10, 2025:", "September 17, 2025:"))
    assert cli("fomc", "import", str(september), str(SEP))[0] == 0
    assert [p["meeting"] for p in json.loads(cli("fomc", "--json")[1])["projections"]] == ["2025-12-10", "2025-09-17"]


def cut(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("damage, reason", [
    (lambda page: page[: page.index('<table aria-labelledby="xt6 xt6p1b"') + 2000], "the dot plot is cut off"),
    (lambda page: page.replace("Federal funds rate", "Policy rate"), "no row 'federal funds rate'"),
])
def test_a_damaged_projections_page_is_refused_in_one_line_naming_the_file_and_nothing_is_stored(
        cli, tmp_path, damage, reason):
    bad = cut(tmp_path, "fomcprojtabl20251210.htm", damage(SEP.read_text(encoding="utf-8-sig")))
    code, out, err = cli("fomc", "import", str(CALENDAR), str(bad))
    assert code == 1 and out == ""
    (line,) = err.strip().splitlines()
    assert str(bad) in line and "looks like an FOMC projections (SEP) page but could not be read" in line
    assert reason in line and "expected the Fed's accessible page, fomcprojtablYYYYMMDD.htm, saved whole" in line
    assert not (tmp_path / "rotobot.db").exists()  # nothing stored: the calendar waited for the page, too


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n\x00\x00garbage", b"<html><body>Hello</body></html>", b""])
def test_garbage_is_refused_naming_the_file_and_what_was_expected(cli, tmp_path, content):
    bad = tmp_path / "sep.htm"
    bad.write_bytes(content)
    code, _, err = cli("fomc", "import", str(bad))
    (line,) = err.strip().splitlines()
    assert code == 1 and str(bad) in line and "a projections (SEP) page" in line
