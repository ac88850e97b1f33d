"""What the dispatcher says besides the alerts: the notification a target is shown (with its late and
possibly-repeated notes), and the notices when it gives up on a target or on working out where an alert goes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from alerts.delivery import urgency
from alerts.payloads import NoticeAlert, Operator
from alerts.track_record import alert_track_record
from alerts.timefmt import age_text
from bot.transports.base import Notification
from storage.deliveries import Due

LATE_AFTER = timedelta(hours=1)  # later than this says so; the close job itself runs 20 minutes after the close

_URL = re.compile(r"https?://([^/\s:]+)[^\s'\"]*")


def scrub_urls(text: str) -> str:
    """Keep only the host of any URL: a webhook URL carries its secret in the path."""
    return _URL.sub(lambda m: f"<{m.group(1)}>", text)


def notification_for(due: Due, now: datetime, display_zone: ZoneInfo) -> Notification:
    alert = due.event.alert
    notes = []
    if now - alert.occurred_at > LATE_AFTER:
        notes.append(f"late: this happened {alert.occurred_at.astimezone(display_zone):%a %d %b %H:%M %Z}")
    if due.possibly_repeated:
        notes.append("possibly repeated: an earlier send was not confirmed")
    return Notification(key=due.event.key, title=alert.message, body=alert.body, route=alert.route,
                        occurred_at=alert.occurred_at, notes=tuple(notes), track_record=alert_track_record(alert),
                        urgency=urgency(alert))


def unresolvable_notice(name: str, event, reason: str, now: datetime) -> NoticeAlert:
    return NoticeAlert(
        key=f"unresolvable|{name}|{event.key}", topic="gave_up", route=Operator(), occurred_at=now,
        message=f"rotobot gave up working out where an alert goes on {name}: {event.alert.message}",
        body=f"{reason}. The error is logged with its traceback.",
    )

def give_up_notice(name: str, due: Due, reason: str, hint: str, since: datetime, now: datetime) -> NoticeAlert:
    """One notice per run of failures of a target: to its server's alert channel, or to the operator when
    that channel is the target that fails (or when the target is not in a server). The hint is the
    transport's, for what failed; else a word for the kind of target."""
    target = due.target
    concerns = target.guild_id if target.place in ("dm", "channel") else None
    hint = hint or {
        "server": "Check the bot's permissions there, or choose another channel with !set channel.",
        "channel": "Check the bot's permissions there, or subscribe again elsewhere.",
        "dm": "They can allow direct messages from the bot, or subscribe with `here` in a channel.",
        "webhook": "Set ROTOBOT_WEBHOOK_URL to a current webhook.",
    }.get(target.place, "")
    return NoticeAlert(
        key=f"gave_up|{name}|{target.key}|{since.isoformat()}",
        topic="gave_up",
        route=Operator(guild_id=concerns),
        occurred_at=now,
        message=f"rotobot gave up delivering to {target.label} after {age_text((now - since).total_seconds())}",
        body=(f"{reason}. Alerts to it are given up after one try until a send succeeds again. {hint}").strip(),
    )
