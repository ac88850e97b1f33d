"""What rotobot says about the Fed, pinned on the December 2025 story."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from alerts.fomc.announce import (
    NEW_YORK, decision_message, dissent_line, due_reminders, meeting_days, reminder_message, summary,
)
from alerts.fomc.models import Decision, Meeting

SEPT = Decision(date(2025, 9, 17), "lower", 4.0, 4.25, -25, "statement")
OCT = Decision(date(2025, 10, 29), "lower", 3.75, 4.0, -25, "statement")
DEC = Decision(date(2025, 12, 10), "lower", 3.5, 3.75, -25, "statement",
               votes={"against": ["Miran", "Goolsbee", "Schmid"]})
JAN_MEETING = Meeting(date(2026, 1, 27), date(2026, 1, 28), False, "fed calendar")
DEC_MEETING = Meeting(date(2025, 12, 9), date(2025, 12, 10), True, "fed calendar")


def test_the_december_2025_cut_reads_as_a_trader_expects():
    assert decision_message(DEC, [OCT, SEPT], JAN_MEETING) == (
        "FOMC lowers the target range 25 bp to 3.50%–3.75% — third consecutive cut; next meeting 27–28 Jan"
    )


def test_a_hold_after_cuts_has_no_streak_and_a_hike_says_its_size():
    hold = Decision(date(2026, 1, 28), "maintain", 3.5, 3.75, 0, "statement")
    assert decision_message(hold, [DEC, OCT], None) == "FOMC holds the target range at 3.50%–3.75%"
    hike = Decision(date(2022, 3, 16), "raise", 0.25, 0.5, 25, "statement")
    assert decision_message(hike, [], None) == "FOMC raises the target range 25 bp to 0.25%–0.50%"


def test_an_unscheduled_action_is_marked():
    cut = Decision(date(2020, 3, 15), "lower", 0.0, 0.25, -100, "statement", unscheduled=True)
    assert decision_message(cut, [], None).startswith("Unscheduled action: FOMC lowers the target range 100 bp")


def test_an_unreadable_statement_still_goes_out_with_its_link_and_no_number():
    unknown = Decision(date(2026, 3, 18), "unknown", None, None, None, "statement",
                       statement_url="https://www.federalreserve.gov/newsevents/pressreleases/monetary20260318a.htm")
    text = decision_message(unknown, [DEC], None)
    assert "could not read the decision" in text and text.endswith("monetary20260318a.htm")
    assert "%" not in text


def test_dissents_are_named():
    assert dissent_line(DEC.votes) == "Dissent: Miran, Goolsbee, Schmid"
    assert dissent_line({}) == ""


def test_meeting_days_across_a_month_end():
    assert meeting_days(Meeting(date(2024, 4, 30), date(2024, 5, 1), False, "x")) == "30 Apr–1 May"


def test_reminders_come_due_a_day_and_an_hour_before_and_never_after_the_decision():
    meetings = [DEC_MEETING]
    two_pm = datetime(2025, 12, 10, 14, 0, tzinfo=NEW_YORK)
    assert due_reminders(meetings, (24.0, 1.0), two_pm - timedelta(hours=25)) == []
    assert due_reminders(meetings, (24.0, 1.0), two_pm - timedelta(hours=23)) == [(DEC_MEETING, 24.0)]
    # Down through both moments: only the hour-before reminder, the day-before one is overtaken.
    assert due_reminders(meetings, (24.0, 1.0), two_pm - timedelta(minutes=30)) == [(DEC_MEETING, 1.0)]
    assert due_reminders(meetings, (24.0, 1.0), two_pm) == []
    assert reminder_message(DEC_MEETING, 24.0) == "FOMC decision tomorrow at 2:00 pm ET (9–10 Dec meeting, with new projections and dot plot)"
    assert reminder_message(DEC_MEETING, 1.0) == "FOMC decision in 1 hour (9–10 Dec meeting, with new projections and dot plot)"


def test_summary_for_fomc_command():
    result = summary([DEC_MEETING, JAN_MEETING], [DEC, OCT, SEPT, Decision(date(2025, 7, 30), "maintain", 4.25, 4.5, 0, "x")],
                     date(2025, 12, 20))
    assert result.next_meeting == JAN_MEETING and result.days_away == 38
    assert result.current == DEC and result.recent == [DEC, OCT, SEPT]


def test_a_statement_that_does_not_state_the_size_takes_it_from_the_last_range():
    from alerts.fomc.announce import known_days, range_in_force_before, sized

    def with_change_from(decision, previous):  # the last stored decision is all that is known
        return sized(decision, range_in_force_before(decision.date, [previous], known_days(decisions=[previous])))

    hike = Decision(date(2023, 7, 26), "raise", 5.25, 5.5, None, "statement")
    before = Decision(date(2023, 6, 14), "maintain", 5.0, 5.25, 0, "fred")
    assert with_change_from(hike, before).change_bp == 25
    first_range = Decision(date(2008, 12, 16), "establish", 0.0, 0.25, None, "statement")
    old_target = Decision(date(2008, 10, 29), "lower", 1.0, 1.0, -50, "fred")
    assert with_change_from(first_range, old_target).action == "lower"
    # From a 1 percent target to 0 to 1/4 percent is 75 bp at the top and 100 at the bottom: no one size.
    assert with_change_from(first_range, old_target).change_bp is None
    # Only the meeting immediately before counts: 2023-05-03 is two meetings back (June held, unknown here).
    two_back = Decision(date(2023, 5, 3), "raise", 5.0, 5.25, 25, "fred")
    assert with_change_from(hike, two_back).change_bp is None


def test_a_reminder_queued_late_is_worded_by_the_time_left():
    two_pm = datetime(2025, 12, 10, 14, 0, tzinfo=NEW_YORK)
    day_before = two_pm - timedelta(hours=24)
    assert reminder_message(DEC_MEETING, 24.0, day_before + timedelta(minutes=1)).startswith("FOMC decision tomorrow")
    assert reminder_message(DEC_MEETING, 24.0, two_pm.replace(hour=9)).startswith("FOMC decision today at 2:00 pm ET")
    assert reminder_message(DEC_MEETING, 24.0, two_pm.replace(hour=13, minute=20)).startswith(
        "FOMC decision in 40 minutes")
    assert reminder_message(DEC_MEETING, 1.0, two_pm - timedelta(minutes=59)).startswith("FOMC decision in 1 hour")
    assert reminder_message(DEC_MEETING, 24.0, day_before + timedelta(hours=6)).startswith("FOMC decision tomorrow")
