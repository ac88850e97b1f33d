"""How old is what we know? Every reader (status, commands, alerts) asks here, so they all say the same.

In session a quote older than two poll intervals is stale. Daily bars are stale when a session has closed that
is not stored yet. Outside the session nothing new is expected, so nothing goes stale just by waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from alerts.market.calendar import NyseCalendar
from alerts.timefmt import age_text


@dataclass(frozen=True)
class Freshness:
    stale: bool
    text: str



def quote_freshness(fetched_at: datetime, now: datetime, poll_seconds: int, calendar: NyseCalendar) -> Freshness:
    age = (now - fetched_at).total_seconds()
    if calendar.is_open(now) and age > 2 * poll_seconds:
        return Freshness(True, f"stale: last quote {age_text(age)} ago")
    return Freshness(False, f"{age_text(age)} ago")


def bars_freshness(last: date, now: datetime, calendar: NyseCalendar) -> Freshness:
    closed = calendar.last_closed(now)
    if closed is None or last >= closed.date:
        return Freshness(False, "up to date")
    if not calendar.covers(last + timedelta(days=1)):
        return Freshness(True, f"stale: last bar {last}, more than a year behind")
    behind = len(calendar.sessions_between(last + timedelta(days=1), closed.date))
    return Freshness(True, f"stale: last bar {last}, {behind} session{'s' if behind != 1 else ''} behind")
