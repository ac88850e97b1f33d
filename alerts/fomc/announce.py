"""What rotobot says about the FOMC: decisions, reminders and the summary behind `!fomc`. Pure functions of data.

A trader reads these on a phone between trades, so the decision comes first and in the Fed's own terms: the
action, the size in basis points, the new range, then how it fits the run of decisions and when they meet next.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from alerts.fomc.bundled import decision_days
from alerts.fomc.models import Decision, Meeting, size_agrees

NEW_YORK = ZoneInfo("America/New_York")
STATEMENT_TIME = time(14, 0)  # scheduled statements are released at 2:00 pm Eastern

_VERB = {"lower": "lowers", "raise": "raises", "maintain": "holds", "establish": "sets"}
_NOUN = {"lower": "cut", "raise": "hike", "maintain": "hold"}
_ORDINAL = ["", "", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]


def decision_time(meeting: Meeting) -> datetime:
    return datetime.combine(meeting.end, STATEMENT_TIME, tzinfo=NEW_YORK)


def rate_range(lower: float, upper: float) -> str:
    """'3.50%–3.75%'; a single target (before December 2008, stored with lower = upper) is '3.50%'."""
    return f"{upper:.2f}%" if lower == upper else f"{lower:.2f}%–{upper:.2f}%"


def change_text(decision: Decision) -> str:
    """The move as `!fomc` shows it: 'hold', '-25 bp', 'raise, size unknown' (never '+0 bp' for a raise)."""
    if decision.action == "maintain":
        return "hold"
    if decision.change_bp is not None and decision.change_bp != 0 and size_agrees(decision.action, decision.change_bp):
        return f"{decision.change_bp:+d} bp"
    return f"{decision.action}, size unknown"


def known_days(meetings: Iterable[Meeting] = (), decisions: Iterable[Decision] = ()) -> list[date]:
    """The decision days rotobot knows, in order: those it ships (2006-2027), the stored calendar's meetings (not
    notation votes) and the days of stored statements (a statement is a decision day, unscheduled ones included).
    A decision stored on any other day (FRED's change dated a day early by an older rotobot) is no meeting."""
    days = set(decision_days())
    days.update(m.end for m in meetings if not m.notation_vote)
    days.update(d.date for d in decisions if "statement" in d.source and d.action != "unknown")
    return sorted(days)


def meeting_days(meeting: Meeting) -> str:
    """'27–28 Jan', or '30 Apr–1 May' across months, or '22 Aug' for one day."""
    if meeting.start == meeting.end:
        return f"{meeting.end.day} {meeting.end:%b}"
    if meeting.start.month == meeting.end.month:
        return f"{meeting.start.day}–{meeting.end.day} {meeting.end:%b}"
    return f"{meeting.start.day} {meeting.start:%b}–{meeting.end.day} {meeting.end:%b}"


def streak(decision: Decision, earlier: list[Decision], days: Iterable[date] | None = None) -> int:
    """How many meetings in a row, ending with this one, took the same action: walking back meeting by meeting
    (days: the decision days known, known_days() by default), it stops at the first meeting whose decision is not
    stored or differs. Decisions stored on days that are no meeting are not counted."""
    stored = {d.date: d for d in earlier if d.action != "unknown"}
    count = 1
    for day in sorted((d for d in (known_days(decisions=earlier) if days is None else days) if d < decision.date),
                      reverse=True):
        previous = stored.get(day)
        if previous is None or previous.action != decision.action:
            break
        count += 1
    return count


def decision_message(decision: Decision, earlier: list[Decision], next_meeting: Meeting | None,
                     days: Iterable[date] | None = None) -> str:
    """One line: 'FOMC lowers the target range 25 bp to 3.50%–3.75% — third consecutive cut; next meeting 27–28 Jan'.
    A size rotobot does not know (or one whose sign disagrees with the action) is said to be unknown."""
    prefix = "Unscheduled action: " if decision.unscheduled else ""
    if decision.action not in _VERB or decision.lower is None or decision.upper is None:
        link = f" {decision.statement_url}" if decision.statement_url else ""
        return f"{prefix}FOMC statement released, but rotobot could not read the decision: see the statement{link}"
    new_range = rate_range(decision.lower, decision.upper)
    target = "target" if decision.lower == decision.upper else "target range"  # a single target before Dec 2008
    if decision.action == "maintain":
        text = f"{prefix}FOMC holds the {target} at {new_range}"
    else:
        known = decision.change_bp and size_agrees(decision.action, decision.change_bp)
        size = f" {abs(decision.change_bp)} bp" if known else ""
        text = f"{prefix}FOMC {_VERB[decision.action]} the {target}{size} to {new_range}"
        if not known and decision.action != "establish":
            text += " (size unknown)"
    run = streak(decision, earlier, days) if decision.action in _NOUN else 1
    if 2 <= run < len(_ORDINAL):
        text += f" — {_ORDINAL[run]} consecutive {_NOUN[decision.action]}"
    if next_meeting is not None:
        text += f"; next meeting {meeting_days(next_meeting)}"
    return text


def vote_line(votes: dict) -> str:
    """'12–0' or '10–2; Dissent: Miran (preferred ...)': the last decision's vote as !fomc shows it ('' unknown)."""
    voted_for, against = votes.get("for") or [], votes.get("against") or []
    if not voted_for and not against:
        return ""
    dissent = dissent_line(votes)
    return f"{len(voted_for)}–{len(against)}" + (f"; {dissent}" if dissent else "")


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


def range_before(day: date, decisions: Iterable[Decision], days: Iterable[date]) -> tuple[float, float] | None:
    """The range in force the day before `day` as the stored decisions show it: that of the meeting immediately
    before `day` among `days`, if its decision is stored with a range and no stored decision between the two says
    otherwise (a change FRED showed in between, or one dated a day early by an older rotobot). Else None."""
    decisions = [d for d in decisions if d.lower is not None and d.upper is not None and d.action != "unknown"]
    previous = max((d for d in days if d < day), default=None)
    known = next((d for d in decisions if d.date == previous), None)
    if known is None:
        return None
    if any(previous < d.date < day and (d.lower, d.upper) != (known.lower, known.upper) for d in decisions):
        return None
    return known.lower, known.upper


def range_in_force_before(day: date, stored: Iterable[Decision], days: Iterable[date]) -> tuple[float, float] | None:
    """The range in force the day before a statement that does not state its size: FRED's change stored on that
    very day (its range less its change), else that of the meeting immediately before (range_before). The live
    job and `rotobot fomc import` both size a statement this way; the live job may then still ask FRED."""
    stored = list(stored)
    fred = next((d for d in stored if d.date == day and "fred" in d.source and d.change_bp), None)
    if fred is not None and fred.lower is not None and fred.upper is not None:
        return fred.lower - fred.change_bp / 100, fred.upper - fred.change_bp / 100
    return range_before(day, stored, days)


def sized(decision: Decision, before: tuple[float, float] | None) -> Decision:
    """The decision with the size its statement did not state, from `before`, the range in force the day before
    (None: unknown). A size is a move of both limits alike; a range that changed width (December 2008's first
    range after the 1 percent target: 75 bp at the top, 100 at the bottom) has none, only a direction. 2008's
    'establish' gets its direction from the move. A size whose sign disagrees with the action is dropped."""
    change, action = decision.change_bp, decision.action
    if before is not None and decision.lower is not None and decision.upper is not None:
        moves = (round((decision.lower - before[0]) * 100), round((decision.upper - before[1]) * 100))
        if change is None and moves[0] == moves[1]:
            change = moves[1]
        if action == "establish":
            action = ("lower" if max(moves) < 0 else "raise" if min(moves) > 0
                      else "maintain" if moves == (0, 0) else action)
    if change is not None and not size_agrees(action, change):
        change = None
    return replace(decision, action=action, change_bp=change)


def next_meeting_after(day: date, meetings: Iterable[Meeting]) -> Meeting | None:
    """The next scheduled meeting after `day`, or None when the stored calendar cannot say: one that starts after
    the next shipped decision day names no next meeting rather than a wrong one."""
    upcoming = sorted((m for m in meetings if m.end > day and not m.notation_vote and not m.unscheduled),
                      key=lambda m: m.end)
    shipped = min((d for d, unscheduled in decision_days().items() if d > day and not unscheduled), default=None)
    return upcoming[0] if upcoming and (shipped is None or upcoming[0].end <= shipped) else None


def follow_up(alert, source: str, now: datetime):
    """A decision first announced with its link only: the number follows under a key of its own, saying where it
    comes from."""
    origin = ("this is its reading" if "statement" in source
              else "the range is FRED's" if "fred" in source else f"from {source}")
    return replace(alert, key=f"{alert.key}|read", occurred_at=now,
                   body=f"The statement could not be read at first; {origin}.\n" + alert.body)
