"""The bundled FOMC meetings and decisions, checked against the real documents they were compiled from."""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from alerts.fomc.bundled import bundled_decisions, bundled_meetings
from alerts.fomc.calendar_page import parse_calendar_page
from alerts.fomc.fred import decisions_from_ranges, parse_fred_csv
from alerts.fomc.statement import read_statement

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "fomc"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode("utf-8")


def test_the_data_file_ships_inside_the_package():
    data = resources.files("alerts.fomc").joinpath("data")
    assert data.joinpath("fomc_meetings.csv").is_file()
    assert "not a recorded file" in data.joinpath("SOURCES.md").read_text(encoding="utf-8")


def test_meetings():
    meetings = bundled_meetings()
    assert len(meetings) == 32  # 2024-2027, eight a year
    assert meetings[0].start == date(2024, 1, 30) and meetings[-1].end == date(2027, 12, 8)
    assert {m.source for m in meetings} == {"bundled"}
    assert not any(m.unscheduled or m.notation_vote for m in meetings)
    assert [m.end for m in meetings] == sorted(m.end for m in meetings)


def test_meetings_equal_the_calendar_page():
    page = parse_calendar_page(fixture("fed_fomccalendars_snapshot_lastupdate_2026-04-08.htm"))
    from_page = [(m.start, m.end, m.sep) for m in page.meetings if m.end.year >= 2024]
    assert [(m.start, m.end, m.sep) for m in bundled_meetings()] == from_page


def test_decisions():
    decisions = bundled_decisions()
    assert [d.date for d in decisions] == [m.end for m in bundled_meetings() if m.end <= date(2025, 12, 10)]
    assert {d.source for d in decisions} == {"bundled"}
    # The first row has no earlier range to compare with: "maintain", change unknown.
    first = decisions[0]
    assert (first.date, first.action, first.lower, first.upper, first.change_bp) == (
        date(2024, 1, 31), "maintain", 5.25, 5.5, None
    )  # fmt: skip
    moves = [(d.date, d.action, d.lower, d.upper, d.change_bp) for d in decisions if d.action != "maintain"]
    assert moves == [
        (date(2024, 9, 18), "lower", 4.75, 5.0, -50),
        (date(2024, 11, 7), "lower", 4.5, 4.75, -25),
        (date(2024, 12, 18), "lower", 4.25, 4.5, -25),
        (date(2025, 9, 17), "lower", 4.0, 4.25, -25),
        (date(2025, 10, 29), "lower", 3.75, 4.0, -25),
        (date(2025, 12, 10), "lower", 3.5, 3.75, -25),
    ]
    assert all(d.change_bp == 0 for d in decisions[1:] if d.action == "maintain")


def test_decisions_agree_with_fred():
    upper = parse_fred_csv(fixture("fred_DFEDTARU_2008-12-16_to_2025-12-10.csv"))
    lower = parse_fred_csv(fixture("fred_DFEDTARL_2008-12-16_to_2025-12-10.csv"))
    for decision in bundled_decisions():
        effective = decision.date + timedelta(days=1)
        if effective in upper.values:  # FRED ends on 2025-12-10, before the December cut took effect
            assert (lower.values[effective], upper.values[effective]) == (decision.lower, decision.upper)
    fred_moves = [d for d in decisions_from_ranges(upper, lower) if d.date.year >= 2024]
    bundled_moves = {d.date: d for d in bundled_decisions() if d.action != "maintain"}
    for move in fred_moves:
        bundled = bundled_moves[move.date - timedelta(days=1)]
        assert (bundled.action, bundled.change_bp) == (move.action, move.change_bp)


def test_december_2025_decision_agrees_with_the_statement():
    reading = read_statement(fixture("statement_2025-12-10_pagetext.txt"))
    december = bundled_decisions()[-1]
    assert (december.date, december.lower, december.upper, december.change_bp) == (
        date(2025, 12, 10), reading.lower, reading.upper, reading.change_bp
    )  # fmt: skip


def test_each_call_returns_fresh_lists():
    first = bundled_meetings()
    first.clear()
    assert len(bundled_meetings()) == 32


def test_decision_days_cover_2006_to_2027_with_the_unscheduled_actions_marked():
    from alerts.fomc.bundled import decision_days

    days = decision_days()
    assert min(days) == date(2006, 1, 31) and max(days) == date(2027, 12, 8)
    assert {day for day, unscheduled in days.items() if unscheduled} == {
        date(2008, 1, 22), date(2008, 10, 8), date(2020, 3, 3), date(2020, 3, 15), date(2020, 3, 23)
    }
    scheduled = {}
    for day, unscheduled in days.items():
        if not unscheduled:
            scheduled[day.year] = scheduled.get(day.year, 0) + 1
    assert {year: n for year, n in scheduled.items() if n != 8} == {2020: 7}  # March 2020 went unscheduled
    assert date(2007, 6, 28) in days and date(2007, 6, 18) not in days  # the statement's dateline, not its file name
    # The archive's 2024-2025 days are the bundled calendar's meetings, and the calendar's rows are kept as they were.
    archive = [day for day in days if date(2024, 1, 1) <= day <= date(2025, 7, 30)]
    assert archive == [m.end for m in bundled_meetings() if m.end <= date(2025, 7, 30)]


def test_every_fred_change_maps_to_a_shipped_decision_day():
    from alerts.fomc.bundled import decision_days
    from alerts.fomc.fred import meeting_for

    upper = parse_fred_csv(fixture("fred_DFEDTARU_2008-12-16_to_2025-12-10.csv"))
    lower = parse_fred_csv(fixture("fred_DFEDTARL_2008-12-16_to_2025-12-10.csv"))
    days = decision_days()
    for change in decisions_from_ranges(upper, lower):
        day, unscheduled = meeting_for(change.date)
        assert day in days and unscheduled == days[day] == change.unscheduled
    # A change with no meeting near it is marked unscheduled, dated the day before it shows.
    assert meeting_for(date(2030, 5, 8)) == (date(2030, 5, 7), True)
