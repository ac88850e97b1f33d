"""How long ago, for people reading on a phone: '45s', '12 min', '3 h', '4 days'. One wording everywhere; and
Discord's timestamps as a console shows them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def age_text(elapsed: float | timedelta) -> str:
    seconds = max(0, int(elapsed.total_seconds() if isinstance(elapsed, timedelta) else elapsed))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def age(then: datetime, now: datetime) -> str:
    """How long before `now` `then` was."""
    return age_text(now - then)


_DISCORD_TIME = re.compile(r"<t:(-?\d{1,12}):([tTdDfFR])>")


def local_times(text: str, zone: ZoneInfo, now: datetime) -> str:
    """Discord timestamps (`<t:UNIX:style>`, which each Discord reader sees in their own zone) as a console shows
    them: in `zone`; the relative style ('R') as 'in 3 days' or '12 min ago'."""

    def shown(match: re.Match) -> str:
        when = datetime.fromtimestamp(int(match.group(1)), tz=zone)
        if match.group(2) == "R":
            ahead = when - now
            return f"in {age_text(ahead)}" if ahead.total_seconds() >= 0 else f"{age_text(-ahead)} ago"
        return f"{when:%a %d %b %Y %H:%M %Z}" if match.group(2) in "fF" else (
            f"{when:%H:%M %Z}" if match.group(2) in "tT" else f"{when:%d %b %Y}")

    return _DISCORD_TIME.sub(shown, text)
