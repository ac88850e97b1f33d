"""Issue 12, case 3: statements as third-party archives store them are read right, or refused with the reason.

- Single-target statements, before December 2008: the real archive files of 2008-01-22 ("has decided to lower its
  target for the federal funds rate 75 basis points to 3-1/2 percent", an unscheduled cut) and 2007-08-07 ("decided
  today to keep its target for the federal funds rate at 5-1/4 percent"), copied unchanged from
  harryposner/fed-statement-tracker. A single target is stored with lower = upper.
- Mojibake: no real archive file with it was found, so the damaged form is DERIVED HERE, in code, from the real
  statements of 2020-03-03 (EXACT; "to 1 to 1‑1/4 percent" with a U+2011) and 2025-12-10 (page text; U+2011 and
  U+00A0): their UTF-8 bytes read as Latin-1 (each U+2011 becomes the three characters "â\\x80\\x91") or as
  Windows-1252 ("â€‘").
"""

from __future__ import annotations

from datetime import date

import pytest

from alerts.fomc.statement import StatementUnreadable, read_statement
from storage import fomc
from storage.database import Database
from tests.fomc.test_cli_fomc import cli  # noqa: F401  (the cli fixture)
from tests.fomc.test_fomc_jobs import FIXTURES


def real(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def as_latin1(text: str) -> str:
    """UTF-8 bytes read as Latin-1, the damage third-party scrapers store."""
    return text.encode("utf-8").decode("latin-1")


def reading(text: str) -> tuple:
    r = read_statement(text)
    return r.action, r.lower, r.upper, r.change_bp


def test_a_single_target_cut_before_december_2008_is_read_with_lower_equal_upper():
    text = real("statement_2008-01-22.md")
    assert reading(text) == ("lower", 3.5, 3.5, -75)
    assert read_statement(text).voted_against == ["William Poole"]


def test_a_single_target_hold_is_read():
    assert reading(real("statement_2007-08-07.md")) == ("maintain", 5.25, 5.25, 0)


@pytest.mark.parametrize("name, expected", [
    ("statement_2020-03-03.md", ("lower", 1.0, 1.25, -50)),
    ("statement_2025-12-10_pagetext.txt", ("lower", 3.5, 3.75, -25)),
])
def test_a_statement_whose_utf8_was_read_as_latin1_or_cp1252_is_read_right(name, expected):
    text = real(name)
    assert "\u2011" in text
    latin1 = as_latin1(text)
    assert "â\x80\x91" in latin1 and "\u2011" not in latin1
    assert reading(latin1) == expected
    cp1252 = text.encode("utf-8").decode("cp1252")
    assert "â€‘" in cp1252
    assert reading(cp1252) == expected


def test_a_damaged_hyphen_that_cannot_be_repaired_is_refused_with_the_reason():
    """The two invisible characters lost (as when a C1 control is stripped): '1â1/4' must never read as a rate."""
    damaged = as_latin1(real("statement_2020-03-03.md")).replace("\x80\x91", "")
    with pytest.raises(StatementUnreadable, match="UTF-8 read as Latin-1"):
        read_statement(damaged)


def test_fomc_import_of_an_archived_single_target_statement_stores_lower_equal_upper(cli, tmp_path):
    code, out, err = cli("fomc", "import", str(FIXTURES / "statement_2008-01-22.md"))
    assert code == 0, err
    assert "the 2008-01-22 statement (lower, 3.50%)" in out
    database = Database.open(tmp_path / "rotobot.db")
    try:
        (stored,) = database.call(fomc.decisions)
    finally:
        database.close()
    assert (stored.date, stored.action, stored.lower, stored.upper, stored.change_bp) == (
        date(2008, 1, 22), "lower", 3.5, 3.5, -75)


def test_a_single_target_decision_is_announced_as_a_target():
    from alerts.fomc.announce import decision_message
    from alerts.fomc.models import Decision

    r = read_statement(real("statement_2008-01-22.md"))
    cut = Decision(date(2008, 1, 22), r.action, r.lower, r.upper, r.change_bp, "statement", unscheduled=True)
    assert decision_message(cut, [], None) == "Unscheduled action: FOMC lowers the target 75 bp to 3.50%"
