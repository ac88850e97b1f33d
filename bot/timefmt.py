"""Short, human times for people reading on a phone."""

from __future__ import annotations

from datetime import datetime


def age(then: datetime, now: datetime) -> str:
    """'45s', '12m', '3h 05m', '4d' - how long ago `then` was."""
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d"
