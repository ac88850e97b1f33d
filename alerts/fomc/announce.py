"""What rotobot says about the FOMC: decisions, reminders and the summary behind `!fomc`. Pure functions of data.

A trader reads these on a phone between trades, so the decision comes first and in the Fed's own terms: the
action, the size in basis points, the new range, then how it fits the run of decisions and when they meet next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from alerts.fomc.models import Decision, Meeting

NEW_YORK = ZoneInfo("America/New_York")
STATEMENT_TIME = time(14, 0)  # scheduled statements are released at 2:00 pm Eastern

_VERB = {"lower": "lowers", "raise": "raises", "maintain": "holds"}
_NOUN = {"lower": "cut", "raise": "hike", "maintain": "hold"}
_ORDINAL = ["", "", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]


def decision_time(meeting: Meeting) -> datetime:
    return datetime.combine(meeting.end, STATEMENT_TIME, tzinfo=NEW_YORK)


def rate_range(lower: float, upper: float) -> str:
    return f"{lower:.2f}%–{upper:.2f}%"


def meeting_days(meeting: Meeting) -> str:
    """'27–28 Jan', or '30 Apr–1 May' across months, or '22 Aug' for one day."""
    if meeting.start == meeting.end:
        return f"{meeting.end.day} {meeting.end:%b}"
    if meeting.start.month == meeting.end.month:
        return f"{meeting.start.day}–{meeting.end.day} {meeting.end:%b}"
    return f"{meeting.start.day} {meeting.start:%b}–{meeting.end.day} {meeting.end:%b}"


def streak(decision: Decision, earlier: list[Decision]) -> int:
    """How many decisions in a row, ending with this one, took the same action (earlier: newest first)."""
    count = 1
    for previous in earlier:
        if previous.action != decision.action:
            break
        count += 1
    return count


def decision_message(decision: Decision, earlier: list[Decision], next_meeting: Meeting | None) -> str:
    """One line: 'FOMC lowers the target range 25 bp to 3.50%–3.75% — third consecutive cut; next meeting 27–28 Jan'."""
    prefix = "Unscheduled action: " if decision.unscheduled else ""
    if decision.action not in _VERB or decision.lower is None or decision.upper is None:
        link = f" {decision.statement_url}" if decision.statement_url else ""
        return f"{prefix}FOMC statement released, but rotobot could not read the decision: see the statement{link}"
    new_range = rate_range(decision.lower, decision.upper)
    if decision.action == "maintain":
        text = f"{prefix}FOMC holds the target range at {new_range}"
    else:
        size = f" {abs(decision.change_bp)} bp" if decision.change_bp else ""
        text = f"{prefix}FOMC {_VERB[decision.action]} the target range{size} to {new_range}"
    run = streak(decision, earlier)
    if 2 <= run < len(_ORDINAL):
        text += f" — {_ORDINAL[run]} consecutive {_NOUN[decision.action]}"
    if next_meeting is not None:
        text += f"; next meeting {meeting_days(next_meeting)}"
    return text


def dissent_line(votes: dict) -> str:
    against = votes.get("against") or []
    if not against:
        return ""
    notes = votes.get("notes") or []
    return "Dissent: " + ", ".join(against) + (f" ({'; '.join(notes)})" if notes else "")


ON_TIME = timedelta(minutes=15)  # a reminder queued this long after its moment is worded from the time left


def reminder_message(meeting: Meeting, hours_before: float, now: datetime | None = None) -> str:
    """Worded by the reminder's own lead ("tomorrow", "in 1 hour"); one queued late (rotobot was down at its
    moment) by the time actually left, so the morning of the decision never reads "tomorrow"."""
    decided_at = decision_time(meeting)
    if now is None or now - (decided_at - timedelta(hours=hours_before)) < ON_TIME:
        when = "tomorrow at 2:00 pm ET" if hours_before >= 20 else (
            "in 1 hour" if hours_before == 1 else f"in {hours_before:g} hours"
        )
    else:
        minutes = max(1, round((decided_at - now).total_seconds() / 60))
        when = ("tomorrow at 2:00 pm ET" if decided_at.astimezone(NEW_YORK).date() > now.astimezone(NEW_YORK).date()
                else "today at 2:00 pm ET" if minutes > 90 else f"in {minutes} minutes")
    extra = ", with new projections and dot plot" if meeting.sep else ""
    return f"FOMC decision {when} ({meeting_days(meeting)} meeting{extra})"


def due_reminders(meetings: list[Meeting], hours: tuple[float, ...], now: datetime) -> list[tuple[Meeting, float]]:
    """The latest reminder whose time has come, per meeting whose decision is still ahead: a reminder after the fact
    is noise, and so is one a later reminder has overtaken (rotobot was down at its moment)."""
    due = []
    for meeting in meetings:
        decided_at = decision_time(meeting)
        if meeting.unscheduled or meeting.notation_vote or now >= decided_at:
            continue
        passed = [h for h in hours if decided_at - timedelta(hours=h) <= now]
        if passed:
            due.append((meeting, min(passed)))
    return due


@dataclass(frozen=True)
class FomcSummary:
    next_meeting: Meeting | None
    days_away: int | None
    current: Decision | None  # the latest decision with a known range
    recent: list[Decision]  # the last three decisions, newest first


def summary(meetings: list[Meeting], decisions: list[Decision], today: date) -> FomcSummary:
    """The data behind `!fomc` (decisions newest first)."""
    upcoming = [m for m in meetings if m.end >= today and not m.notation_vote]
    nxt = min(upcoming, key=lambda m: m.end) if upcoming else None
    current = next((d for d in decisions if d.lower is not None and d.upper is not None), None)
    return FomcSummary(nxt, (nxt.start - today).days if nxt else None, current, decisions[:3])


def with_change_from(decision: Decision, previous: Decision | None) -> Decision:
    """Fill in the size (and for 2008's 'establish', the direction) a statement did not state, from the last range."""
    from dataclasses import replace

    if decision.upper is None or previous is None or previous.upper is None:
        if decision.action == "establish":
            return replace(decision, action="maintain" if decision.change_bp in (0, None) else decision.action)
        return decision
    change = decision.change_bp if decision.change_bp is not None else round((decision.upper - previous.upper) * 100)
    action = decision.action
    if action == "establish":
        action = "lower" if change < 0 else "raise" if change > 0 else "maintain"
    return replace(decision, action=action, change_bp=change)
