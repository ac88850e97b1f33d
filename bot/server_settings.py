"""What a server's stored settings mean (storage/guild_settings.py holds them as JSON values by key)."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

log = logging.getLogger(__name__)


def muted(settings: dict, now: datetime) -> bool:
    """Is the server's channel alerting paused (`!mute`) at `now`? An unreadable value mutes nothing, loudly."""
    until = settings.get("muted_until")
    if not until:
        return False
    try:
        when = datetime.fromisoformat(until)
    except (TypeError, ValueError):
        log.warning("ignoring an unreadable muted_until %r", until)
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when > now
