"""The Federal Reserve's meeting calendar page (federalreserve.gov/monetarypolicy/fomccalendars.htm).

The page holds one panel per year, headed "2026 FOMC Meetings", with one row per meeting:

    <div class="row fomc-meeting">
        <div class="fomc-meeting__month ..."><strong>Apr/May</strong></div>
        <div class="fomc-meeting__date ...">30-1</div>
        ...statement, minutes and projection links...

The date cell is a day range ("27-28"), with `*` when a Summary of Economic Projections comes with the meeting
("17-18*"), or a day with a note in brackets: "22 (notation vote)" (August 2025) is a vote taken without a
meeting, so it is listed apart and never becomes a Meeting. A month cell naming two months ("Apr/May", "Jan/Feb",
"Oct/Nov") goes with a range crossing the month end ("30-1").

The SEP mark is the `*` alone. The rows' `fomc-meeting--shaded` class only alternates the row colour: in the
2025 panel the notation-vote row took a shaded slot, after which the SEP meeting of September is unshaded and
October's (no SEP) is shaded.

Unscheduled meetings: the recorded snapshot (2021-2027 panels) holds none, so rotobot has no real sample of how
the page marks one. A date cell whose bracketed note contains "unscheduled" is taken as an unscheduled meeting
(the way the page notes the notation vote suggests it); any other note, and any cell rotobot cannot read, is left
out with its reason in `skipped`, never guessed.

Only the standard library's html.parser is used: the page needs nothing more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser

from alerts.fomc.models import Meeting

SOURCE = "fed calendar"
MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
YEAR_HEADING = re.compile(r"^\s*(\d{4})\s+FOMC\s+Meetings\s*$", re.IGNORECASE)
# "27-28", "17-18*", "30-1", "22 (notation vote)"; the star may also follow the note.
DATE_CELL = re.compile(
    r"^(?P<first>\d{1,2})(?:\s*-\s*(?P<last>\d{1,2}))?\s*(?P<star>\*)?\s*(?:\((?P<note>[^()]*)\))?\s*(?P<star2>\*)?$"
)
DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u00a0": " "})
PAGE_END = re.compile(r"</html\s*>\s*$", re.IGNORECASE)


class CalendarLayoutChanged(ValueError):
    """The page has no year panel or no meeting rotobot can read: the Fed changed its shape."""


class CalendarTruncated(CalendarLayoutChanged):
    """The page stops before its closing </html>: the download was cut."""


@dataclass(frozen=True)
class CalendarParse:
    meetings: list[Meeting]  # scheduled and unscheduled meetings, sorted by end date; source "fed calendar"
    notation_votes: list[date]  # e.g. 2025-08-22; votes without a meeting, NOT meetings
    years: list[int]  # the year panels found, ascending
    skipped: list[str] = field(default_factory=list)  # rows left out, each with its reason


def parse_calendar_page(html: str) -> CalendarParse:
    """The meetings on the calendar page.

    A truncated page is refused whole (CalendarTruncated), not parsed as far as it goes: the panels are not in
    date order (2026, 2025, ..., 2021, then 2027) and a cut row loses a meeting silently, so a partial answer
    would look like a calendar from which meetings had vanished.
    """
    reader = _CalendarReader()
    reader.feed(html)
    reader.close()
    if not reader.years:
        raise CalendarLayoutChanged("no 'YYYY FOMC Meetings' year panel found: the calendar page changed shape")
    if not PAGE_END.search(html):
        raise CalendarTruncated(
            f"the calendar page stops after {len(html)} characters without its closing </html>: truncated download"
        )

    meetings: list[Meeting] = []
    votes: list[date] = []
    skipped: list[str] = []
    for year, month_text, date_text in reader.rows:
        if year is None:
            skipped.append(f"row {month_text!r} {date_text!r} is outside any year panel")
            continue
        try:
            found = _row(year, month_text, date_text)
        except ValueError as problem:
            skipped.append(f"{year} {month_text!r} {date_text!r}: {problem}")
            continue
        if isinstance(found, Meeting):
            meetings.append(found)
        else:
            votes.append(found)
    if not meetings:
        raise CalendarLayoutChanged(
            f"year panels {sorted(set(reader.years))} hold no readable meeting row (fomc-meeting__month and "
            f"fomc-meeting__date): the calendar page changed shape"
            + (f"; first problem: {skipped[0]}" if skipped else "")
        )
    meetings.sort(key=lambda meeting: (meeting.end, meeting.start))
    years = sorted(set(reader.years))
    return CalendarParse(meetings=meetings, notation_votes=sorted(votes), years=years, skipped=skipped)


def _row(year: int, month_text: str, date_text: str) -> Meeting | date:
    """One row as a Meeting, or the date of a notation vote; ValueError says why a row cannot be read."""
    if not month_text:
        raise ValueError("the row has no month cell")
    if not date_text:
        raise ValueError("the row has no date cell")
    months = [_month(name) for name in month_text.split("/")]
    if len(months) > 2:
        raise ValueError("more than two months in one row")
    cell = DATE_CELL.match(date_text)
    if cell is None:
        raise ValueError("the date cell is not a day, a day range, or a day with a note in brackets")
    first = int(cell["first"])
    last = int(cell["last"]) if cell["last"] else None
    note = (cell["note"] or "").strip().lower()
    sep = bool(cell["star"] or cell["star2"])

    if len(months) == 2:
        if last is None:
            raise ValueError("two months but a single day")
        start_month, end_month = months
    else:
        start_month = end_month = months[0]
        if last is not None and last < first:
            raise ValueError(f"the days {first}-{last} cross a month end but the month cell names one month")
    end_year = year + 1 if end_month < start_month else year  # "Dec/Jan" would end in the next year
    try:
        start = date(year, start_month, first)
        end = date(end_year, end_month, last if last is not None else first)
    except ValueError as problem:
        raise ValueError(f"not a calendar date ({problem})") from None

    if "notation" in note:
        return end
    if note and "unscheduled" not in note:
        raise ValueError(f"unrecognised note ({note}): neither a notation vote nor an unscheduled meeting")
    return Meeting(start=start, end=end, sep=sep, source=SOURCE, unscheduled="unscheduled" in note)


def _month(name: str) -> int:
    key = name.strip().lower()[:3]
    if key not in MONTHS:
        raise ValueError(f"{name.strip()!r} is not a month")
    return MONTHS[key]


class _CalendarReader(HTMLParser):
    """Collects the year headings and, in document order, each meeting row's month and date cell text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.years: list[int] = []
        self.rows: list[tuple[int | None, str, str]] = []  # (year of the panel, month text, date text)
        self._year: int | None = None
        self._divs: list[str] = []  # role of every open div: "row", "month", "date" or ""
        self._heading: list[str] | None = None  # text of the heading being read
        self._cells: dict[str, list[str]] | None = None  # the cells of the row being read

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._heading = []
        elif tag == "div":
            classes = set((dict(attrs).get("class") or "").split())
            if "fomc-meeting__month" in classes:
                role = "month"
            elif "fomc-meeting__date" in classes:
                role = "date"
            elif "fomc-meeting" in classes:
                role = "row"
                self._end_row()
                self._cells = {"month": [], "date": []}
            else:
                role = ""
            if role in ("month", "date") and (self._cells is None or "".join(self._cells[role]).strip()):
                # A cell outside a row div, or a second month or date cell: it starts a row of its own.
                self._end_row()
                self._cells = {"month": [], "date": []}
            self._divs.append(role)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self._heading is not None:
            heading = YEAR_HEADING.match(" ".join("".join(self._heading).split()))
            self._heading = None
            if heading:
                self._end_row()
                self._year = int(heading.group(1))
                self.years.append(self._year)
        elif tag == "div" and self._divs:
            if self._divs.pop() == "row":
                self._end_row()

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)
        role = next((role for role in reversed(self._divs) if role in ("month", "date")), None)
        if role is not None and self._cells is not None:
            self._cells[role].append(data)

    def close(self) -> None:
        super().close()
        self._end_row()

    def _end_row(self) -> None:
        if self._cells is None:
            return
        month, day = (" ".join("".join(self._cells[key]).translate(DASHES).split()) for key in ("month", "date"))
        self._cells = None
        if month or day:
            self.rows.append((self._year, month, day))
