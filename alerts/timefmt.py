"""How long ago, for people reading on a phone: '45s', '12 min', '3 h', '4 days'. One wording everywhere."""

from __future__ import annotations

from datetime import datetime, timedelta


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
