"""Delivery as the domain sees it: the targets an alert goes to, how a target can fail, and when to stop trying.

A transport resolves an alert to its targets (a server's alert channel, a DM, the webhook) and sends to one
target at a time; the dispatcher keeps a log per target, so one refusing server never hides behind two that took
the alert, and a target that already has it is never sent it again. Pure: no clock, no I/O.

- A transient failure (a 5xx, a timeout, no network) is retried after 5 s, 10 s, 20 s ... at most 10 minutes apart.
- A permanent one (the channel was deleted, the bot may not post there, the user takes no DMs) may still be
  mended by a person, so it is retried too, but patiently: after 5 minutes, then doubling to every 2 hours.
- Nothing is retried forever. A target failing permanently for `give_up_after` (24 h by default) is given up on,
  with one notice for the run of failures; a transient failure is given up on after a week. Once a target has been
  given up on, later alerts to it are given up on after one more failed try, until a send to it succeeds again.
- When more is owed than a transport can send at once, urgent alerts (an FOMC decision, a record, the rotation
  spread, a trend rule: what a server's alert channel is for) go first, subscription alerts last (`urgency`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.backoff import doubling
from alerts.payloads import Alert, Subscriber

TRANSIENT_FIRST, TRANSIENT_CAP = 5.0, 600.0  # seconds
PERMANENT_FIRST, PERMANENT_CAP = 300.0, 7200.0
GIVE_UP_AFTER = timedelta(hours=24)
GIVE_UP_TRANSIENT_AFTER = timedelta(days=7)

URGENT, NORMAL, SUBSCRIPTION = 0, 1, 2  # the order in which waiting deliveries go out
# Outbox kinds that move markets or a server's rotation calls; a new rule kind a server watches belongs here too.
URGENT_KINDS = frozenset({"fomc_decision", "new_high", "rotation_spread", "ma_cross", "move_over"})


def urgency(alert: Alert) -> int:
    """URGENT, NORMAL (reminders, projections, the wrap, notices) or SUBSCRIPTION (one person's own alert)."""
    if isinstance(alert.route, Subscriber):
        return SUBSCRIPTION
    return URGENT if alert.outbox_kind in URGENT_KINDS else NORMAL


@dataclass(frozen=True)
class Target:
    """One place an alert goes on one transport."""

    key: str  # the transport's own name for it, stable across restarts: "server:123", "dm:456", "webhook"
    place: str  # server (its alert channel), channel (a subscriber's), dm, operator, webhook, console
    label: str  # how a notice names it to people: "#alerts in Bravo", "a direct message to trader"
    guild_id: int | None = None  # the server it belongs to, if any


def subscriber_target(route: Subscriber) -> Target:
    """Where a subscription's alert goes on Discord: by DM when subscribed by DM (or with `here` in a DM, whose
    "here" is that same DM), else the channel it was set in. Whether that server muted its channel alerts is the
    transport's to ask: it holds the settings."""
    if route.channel_id is None or not route.guild_id:
        return Target(f"dm:{route.user_id}", "dm", f"a direct message to <@{route.user_id}>", route.guild_id or None)
    return Target(f"channel:{route.channel_id}", "channel", f"<#{route.channel_id}>", route.guild_id)


class DeliveryFailed(Exception):
    """A target did not take the alert. `permanent`: it will not until a person changes something; `hint`: what
    that person can do, for the notice when the target is given up on. `maybe_sent`: the request went out and its
    answer was lost (a timeout, a dropped connection), so the reader may have it: the retry is marked possibly
    repeated."""

    def __init__(self, reason: str, *, permanent: bool = False, hint: str = "", maybe_sent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.hint = hint
        self.maybe_sent = maybe_sent


class NotWanted(Exception):
    """The target no longer wants the alert (muted since, or its channel was unset): done with, not sent."""


class NotReady(Exception):
    """The transport itself cannot send yet (not connected): nothing is tried, nothing counts as a failure."""


def retry_delay(attempts: int, permanent: bool) -> timedelta:
    """The wait after the `attempts`-th failed try (1-based) to one target."""
    first, cap = (PERMANENT_FIRST, PERMANENT_CAP) if permanent else (TRANSIENT_FIRST, TRANSIENT_CAP)
    return timedelta(seconds=doubling(max(0, attempts - 1), first, cap))


def should_give_up(*, failing_since: datetime, now: datetime, permanent: bool, given_up_before: bool,
                   give_up_after: timedelta = GIVE_UP_AFTER) -> bool:
    """After one more failed try: is it time to stop trying this target with this alert?"""
    if permanent and given_up_before:
        return True
    return now - failing_since >= (give_up_after if permanent else max(give_up_after, GIVE_UP_TRANSIENT_AFTER))
