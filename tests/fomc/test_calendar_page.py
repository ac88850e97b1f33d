"""parse_calendar_page on the real saved fomccalendars.htm, and on faults built from that same page."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest

from alerts.fomc.calendar_page import CalendarLayoutChanged, CalendarTruncated, parse_calendar_page

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "fomc"
PAGE = FIXTURES / "fed_fomccalendars_snapshot_lastupdate_2026-04-08.htm"
BUNDLED_CSV = ROOT / "alerts" / "fomc" / "data" / "fomc_meetings.csv"
FIRST_PANEL = '<div class="panel panel-default"><div class="panel-heading"><h4>'
AFTER_PANELS = "<p>Note: A two-day meeting"


@pytest.fixture(scope="module")
def page() -> str:
    # The saved page starts with a UTF-8 BOM and uses CRLF; both are passed on as they are.
    return PAGE.read_bytes().decode("utf-8")


@pytest.fixture(scope="module")
def parsed(page):
    return parse_calendar_page(page)


def compiled_rows() -> list[dict]:
    with BUNDLED_CSV.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# --- the real page -------------------------------------------------------------------------------------------


def test_year_panels(parsed):
    assert parsed.years == [2021, 2022, 2023, 2024, 2025, 2026, 2027]
    assert parsed.skipped == []


def test_eight_scheduled_meetings_a_year_from_the_fed_calendar(parsed):
    for year in parsed.years:
        assert len([m for m in parsed.meetings if m.end.year == year]) == 8, year
    assert {m.source for m in parsed.meetings} == {"fed calendar"}
    assert not any(m.unscheduled or m.notation_vote for m in parsed.meetings)


def test_meetings_sorted_by_end_date(parsed):
    ends = [m.end for m in parsed.meetings]
    assert ends == sorted(ends)
    assert all(m.start <= m.end for m in parsed.meetings)


def test_2024_to_2027_dates_and_sep_equal_the_compiled_csv(parsed):
    expected = [
        (date.fromisoformat(row["start_date"]), date.fromisoformat(row["end_date"]), row["has_sep"] == "true")
        for row in compiled_rows()
    ]
    got = [(m.start, m.end, m.sep) for m in parsed.meetings if m.end.year >= 2024]
    assert got == expected


def test_meetings_across_a_month_end(parsed):
    by_end = {m.end: m for m in parsed.meetings}
    assert by_end[date(2024, 5, 1)].start == date(2024, 4, 30)  # "Apr/May" "30-1"
    assert by_end[date(2023, 2, 1)].start == date(2023, 1, 31)  # "Jan/Feb" "31-1"
    assert by_end[date(2023, 11, 1)].start == date(2023, 10, 31)  # "Oct/Nov" "31-1"


def test_notation_vote_is_not_a_meeting(parsed):
    assert parsed.notation_votes == [date(2025, 8, 22)]
    assert date(2025, 8, 22) not in {m.end for m in parsed.meetings}
    assert date(2025, 8, 22) not in {m.start for m in parsed.meetings}


def test_sep_comes_from_the_star_not_from_the_row_shading(page, parsed):
    # The shaded class alternates rows; after the August 2025 notation-vote row it is out of step with the SEP.
    rows_2025 = page[page.index("2025 FOMC Meetings") : page.index("2024 FOMC Meetings")]
    assert re.search(r'<div class="row fomc-meeting"[^>]*>\s*<div[^>]*><strong>September</strong>', rows_2025)
    assert re.search(r'<div class="fomc-meeting--shaded row fomc-meeting"[^>]*>\s*<div[^>]*><strong>October', rows_2025)
    by_end = {m.end: m for m in parsed.meetings}
    assert by_end[date(2025, 9, 17)].sep is True  # unshaded row, "16-17*"
    assert by_end[date(2025, 10, 29)].sep is False  # shaded row, "28-29"


def test_text_without_the_bom_and_crlf_gives_the_same_answer(parsed):
    assert parse_calendar_page(PAGE.read_text(encoding="utf-8-sig")) == parsed


# --- faults built from the real page -------------------------------------------------------------------------


def test_page_without_its_year_panels_is_a_layout_change(page):
    without_panels = page[: page.index(FIRST_PANEL)] + page[page.index(AFTER_PANELS) :]
    with pytest.raises(CalendarLayoutChanged, match="no 'YYYY FOMC Meetings' year panel"):
        parse_calendar_page(without_panels)


def test_renamed_cells_are_a_layout_change(page):
    renamed = page.replace("fomc-meeting__date", "meeting-day")
    with pytest.raises(CalendarLayoutChanged, match="hold no readable meeting row"):
        parse_calendar_page(renamed)


@pytest.mark.parametrize("text", ["", "Service Unavailable", "<html><body><h1>Access Denied</h1></body></html>"])
def test_not_the_calendar_page(text):
    with pytest.raises(CalendarLayoutChanged):
        parse_calendar_page(text)


@pytest.mark.parametrize("keep", [0.5, 0.75, 0.99])
def test_truncated_page_is_refused_whole(page, keep):
    # Decision: refuse, never return the part that arrived (a cut row would silently lose a meeting).
    cut = page[: int(len(page) * keep)]
    with pytest.raises(CalendarTruncated, match="truncated"):
        parse_calendar_page(cut)
    assert issubclass(CalendarTruncated, CalendarLayoutChanged)


def test_page_cut_in_the_middle_of_a_row_is_refused(page):
    cut = page[: page.index("30-1</div>")]
    with pytest.raises(CalendarTruncated):
        parse_calendar_page(cut)


def test_a_row_without_its_date_cell_is_skipped_with_a_reason(page):
    row = '<div class="fomc-meeting__date col-xs-4 col-sm-9 col-md-10 col-lg-1">27-28</div>'
    assert page.index(row) < page.index("2025 FOMC Meetings")  # the first one is January 2026
    damaged = page.replace(row, "", 1)
    parsed = parse_calendar_page(damaged)
    assert len(parsed.meetings) == 55
    assert date(2026, 1, 28) not in {m.end for m in parsed.meetings}
    assert parsed.skipped == ["2026 'January' '': the row has no date cell"]


def test_unscheduled_note(page):
    # No real sample: the 2021-2027 snapshot holds no unscheduled meeting. This only checks rotobot's reading of a
    # bracketed "unscheduled" note, written the way the page writes the notation vote's note.
    altered = page.replace("22 (notation vote)", "22 (unscheduled)")
    parsed = parse_calendar_page(altered)
    meeting = next(m for m in parsed.meetings if m.end == date(2025, 8, 22))
    assert (meeting.start, meeting.sep, meeting.unscheduled) == (date(2025, 8, 22), False, True)
    assert parsed.notation_votes == []
