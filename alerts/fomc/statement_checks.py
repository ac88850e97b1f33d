"""What a statement page fetched live must show besides its decision: that it is the day's own, and whether it
is whole. Pure.

A page at the day's address can hold another meeting's statement (a mirror that lags, a page republished), and
a download can stop right after the "Voting for" sentence, which still reads as a decision with nobody against.
So a page that names dates but not the day's is refused, and a page that stops at its vote gives its decision
but no vote (the vote is read from a whole page later).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from alerts.fomc.statement import StatementReading, StatementUnreadable, read_statement

_DATE = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December)"
                   r"\s+(\d{1,2}),\s+(\d{4})\b")
_AFTER_THE_VOTE = ("implementation note", "media inquiries", "</html>")  # what follows the vote on the Fed's page


def read_live_statement(text: str, day: date) -> tuple[StatementReading, bool]:
    """The statement's reading, and whether its vote can be trusted (the page goes on past it). Raises
    StatementUnreadable when the page is not the statement of `day`."""
    named = {datetime.strptime(" ".join(m.groups()), "%B %d %Y").date() for m in _DATE.finditer(text)}
    if named and day not in named:
        shown = ", ".join(sorted(str(d) for d in named)[:3])
        raise StatementUnreadable(f"the page is another meeting's statement (it names {shown}, not {day})")
    reading = read_statement(text)
    lower = text.lower()
    vote = lower.rfind("voting")
    whole = vote != -1 and any(lower.find(marker, vote) != -1 for marker in _AFTER_THE_VOTE)
    return reading, whole
