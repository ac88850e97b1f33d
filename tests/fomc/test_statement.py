"""read_statement on real FOMC statements (markdown, page text, press-release HTML), and on faults built from them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.fomc.statement import StatementReading, StatementUnreadable, parse_fraction_rate, read_statement

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "fomc"
HTML_2025_12_10 = "monetary20251210a_article_excerpt.htm"
NBH = "\u2011"  # the non-breaking hyphen of the Fed's web pages


def text(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode("utf-8")


# file -> (action, lower, upper, change_bp, dissenters)
REAL = {
    "statement_2008-12-16.md": ("establish", 0.0, 0.25, None, []),
    "statement_2015-12-16.md": ("raise", 0.25, 0.5, None, []),
    "statement_2020-03-03.md": ("lower", 1.0, 1.25, -50, []),
    "statement_2020-03-15.md": ("lower", 0.0, 0.25, None, ["Loretta J. Mester"]),
    "statement_2022-03-16.md": ("raise", 0.25, 0.5, None, ["James Bullard"]),
    "statement_2023-07-26.md": ("raise", 5.25, 5.5, None, []),
    "statement_2024-09-18.md": ("lower", 4.75, 5.0, -50, ["Michelle W. Bowman"]),
    "statement_2025-07-30.md": ("maintain", 4.25, 4.5, 0, ["Michelle W. Bowman", "Christopher J. Waller"]),
    "statement_2025-09-17_pagetext.txt": ("lower", 4.0, 4.25, -25, ["Stephen I. Miran"]),
    "statement_2025-10-29_pagetext.txt": ("lower", 3.75, 4.0, -25, ["Stephen I. Miran", "Jeffrey R. Schmid"]),
    "statement_2025-12-10_pagetext.txt": (
        "lower", 3.5, 3.75, -25, ["Stephen I. Miran", "Austan D. Goolsbee", "Jeffrey R. Schmid"]
    ),
    HTML_2025_12_10: ("lower", 3.5, 3.75, -25, ["Stephen I. Miran", "Austan D. Goolsbee", "Jeffrey R. Schmid"]),
    "statement_2026-01-28_pagetext.txt": ("maintain", 3.5, 3.75, 0, ["Stephen I. Miran", "Christopher J. Waller"]),
}


# --- real statements -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_statement(name):
    reading = read_statement(text(name))
    action, lower, upper, change_bp, against = REAL[name]
    assert (reading.action, reading.lower, reading.upper, reading.change_bp) == (action, lower, upper, change_bp)
    assert reading.voted_against == against
    # Every dissenter is named in a note saying what they preferred.
    assert all(any(note.startswith(who) or f"and {who}:" in note for note in reading.dissent_notes) for who in against)
    assert all("preferred" in note for note in reading.dissent_notes)
    assert reading.voted_for and reading.voted_for[0] in ("Ben S. Bernanke", "Janet L. Yellen", "Jerome H. Powell")
    assert not set(reading.voted_for) & set(reading.voted_against)


def test_december_2025_cut_and_its_three_dissents():
    reading = read_statement(text("statement_2025-12-10_pagetext.txt"))
    assert reading.voted_for == [
        "Jerome H. Powell", "John C. Williams", "Michael S. Barr", "Michelle W. Bowman", "Susan M. Collins",
        "Lisa D. Cook", "Philip N. Jefferson", "Alberto G. Musalem", "Christopher J. Waller",
    ]  # fmt: skip
    assert reading.dissent_notes == [
        "Stephen I. Miran: preferred to lower the target range for the federal funds rate by 1/2 percentage point "
        "at this meeting",
        "Austan D. Goolsbee and Jeffrey R. Schmid: preferred no change to the target range for the federal funds rate "
        "at this meeting",
    ]


def test_the_press_release_html_reads_like_its_page_text():
    # The excerpt has markup, an unclosed <p class="releaseTime">, Cloudflare's e-mail span and &#160;.
    assert "<p>" in text(HTML_2025_12_10)
    assert read_statement(text(HTML_2025_12_10)) == read_statement(text("statement_2025-12-10_pagetext.txt"))


def test_non_breaking_hyphens_inside_fractions():
    sentence = "3-1/2 to 3\u20113/4 percent"
    assert sentence in text("statement_2025-12-10_pagetext.txt")  # one ordinary hyphen, one U+2011
    assert f"3{NBH}1/2 to 3{NBH}3/4 percent" in text("statement_2026-01-28_pagetext.txt")
    assert f"1 to 1{NBH}1/4 percent" in text("statement_2020-03-03.md")
    assert read_statement(text("statement_2026-01-28_pagetext.txt")).lower == 3.5


def test_absent_member_is_neither_for_nor_against():
    reading = read_statement(text("statement_2025-07-30.md"))
    assert "Absent and not voting was Adriana D. Kugler" in text("statement_2025-07-30.md")
    assert "Adriana D. Kugler" not in reading.voted_for + reading.voted_against
    assert reading.voted_for[-1] == "Jeffrey R. Schmid"


def test_a_dissenters_preferred_move_is_not_the_decision():
    # Bullard "preferred ... to raise the target range ... by 0.5 percentage point to 1/2 to 3/4 percent".
    reading = read_statement(text("statement_2022-03-16.md"))
    assert (reading.lower, reading.upper, reading.change_bp) == (0.25, 0.5, None)
    assert reading.dissent_notes == [
        "James Bullard: preferred at this meeting to raise the target range for the federal funds rate by 0.5 "
        "percentage point to 1/2 to 3/4 percent"
    ]
    assert "Patrick Harker" in reading.voted_for  # "... voted as an alternate member" is not a vote list


def test_march_2020_dissent_note_keeps_the_whole_preference():
    reading = read_statement(text("statement_2020-03-15.md"))
    assert reading.dissent_notes[0].startswith("Loretta J. Mester: was fully supportive of all of the actions")
    assert reading.dissent_notes[0].endswith("preferred to reduce the target range for the federal funds rate to 1/2 "
                                             "to 3/4 percent at this meeting")  # fmt: skip


def test_carriage_returns_are_read_like_newlines():
    crlf = text("statement_2024-09-18.md").replace("\n", "\r\n")
    assert read_statement(crlf) == read_statement(text("statement_2024-09-18.md"))


# --- faults built from real statements -----------------------------------------------------------------------


def without_sentence(document: str, pattern: str) -> str:
    """The document without the sentence matching `pattern` (the sentence ends at its period)."""
    altered, count = re.subn(pattern + r"[^.]*\.", "", document)
    assert count == 1, pattern
    return altered


def test_decision_sentence_removed():
    altered = without_sentence(text("statement_2025-12-10_pagetext.txt"), r"In support of its goals and in light")
    with pytest.raises(StatementUnreadable, match="no sentence says the Committee decided"):
        read_statement(altered)


def test_range_removed_from_the_decision_sentence():
    altered = text("statement_2024-09-18.md").replace(" to 4-3/4 to 5 percent", "")
    with pytest.raises(StatementUnreadable, match="gives no range in the form 'X to Y percent'"):
        read_statement(altered)


def test_every_sentence_naming_the_target_range_removed():
    document = text("statement_2023-07-26.md")
    paragraphs = [p for p in document.split("\n\n") if "target range" not in p]
    assert len(paragraphs) < len(document.split("\n\n"))
    with pytest.raises(StatementUnreadable, match="no sentence naming the target range for the federal funds rate"):
        read_statement("\n\n".join(paragraphs))


def test_statement_cut_before_the_decision():
    document = text("statement_2025-07-30.md")
    with pytest.raises(StatementUnreadable, match="no sentence naming the target range"):
        read_statement(document[: document.index("In support of its goals")])


def test_inverted_range_is_refused():
    altered = text("statement_2023-07-26.md").replace("to 5-1/4 to 5-1/2 percent", "to 5-1/2 to 5-1/4 percent")
    with pytest.raises(StatementUnreadable, match="is not a range"):
        read_statement(altered)


def test_another_fed_page_is_not_a_statement():
    page = (FIXTURES / "fed_fomccalendars_snapshot_lastupdate_2026-04-08.htm").read_bytes().decode("utf-8")
    with pytest.raises(StatementUnreadable, match="no sentence naming the target range"):
        read_statement(page)


@pytest.mark.parametrize("empty", ["", "   \n\n  "])
def test_empty_text(empty):
    with pytest.raises(StatementUnreadable, match="empty text"):
        read_statement(empty)


def test_unreadable_is_a_value_error():
    assert issubclass(StatementUnreadable, ValueError)


# --- parse_fraction_rate -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, value",
    [("3-1/2", 3.5), ("1/4", 0.25), ("0", 0.0), ("5", 5.0), (f"4{NBH}1/4", 4.25), ("3-3/4", 3.75), ("0.5", 0.5),
     ("1/2", 0.5), ("10-1/8", 10.125), (" 2 ", 2.0)],
)  # fmt: skip
def test_parse_fraction_rate(written, value):
    assert parse_fraction_rate(written) == value


@pytest.mark.parametrize("bad", ["", "abc", "3-5/4", "1/0", "0/4", "3 1/2", "-1", "3-1/2 percent", "1/4/2"])
def test_parse_fraction_rate_refuses(bad):
    with pytest.raises(ValueError):
        parse_fraction_rate(bad)


def fed_style(quarters: int, hyphen: str) -> str:
    """A rate written as the Fed writes it: 0, 1/4, 1/2, 3/4, 5, 5-1/4 ..."""
    whole, rest = divmod(quarters, 4)
    fraction = {0: "", 1: "1/4", 2: "1/2", 3: "3/4"}[rest]
    if not fraction:
        return str(whole)
    return fraction if whole == 0 else f"{whole}{hyphen}{fraction}"


@given(quarters=st.integers(min_value=0, max_value=80), hyphen=st.sampled_from(["-", NBH]))
def test_every_quarter_point_rate_round_trips(quarters, hyphen):
    assert parse_fraction_rate(fed_style(quarters, hyphen)) == quarters / 4


@settings(max_examples=60, deadline=None)
@given(
    lower=st.integers(min_value=0, max_value=79),
    hyphens=st.tuples(st.sampled_from(["-", NBH]), st.sampled_from(["-", NBH])),
)
def test_any_range_written_into_a_real_statement_is_read_back(lower, hyphens):
    document = text("statement_2025-12-10_pagetext.txt")
    written = f"to {fed_style(lower, hyphens[0])} to {fed_style(lower + 1, hyphens[1])} percent. In considering"
    original = "to 3-1/2 to 3\u20113/4 percent. In considering"
    assert document.count(original) == 1
    altered = document.replace(original, written)
    reading = read_statement(altered)
    assert isinstance(reading, StatementReading)
    assert (reading.lower, reading.upper, reading.change_bp) == (lower / 4, (lower + 1) / 4, -25)
