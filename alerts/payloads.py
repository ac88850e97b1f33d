"""Every alert rotobot queues, as a typed value: what it says, what it is about, and where it goes.

An alert is what a trader (or the operator) is told: a key that makes it exactly-once, a headline (`message`),
details (`body`), when it happened, and where it goes (its Route). Each kind has a type of its own with the facts
it carries. alerts/payload_json.py is the one place where an alert becomes outbox JSON and back; a new kind is
added here and to KINDS, and the JSON follows from its fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar, Union

from alerts.track_record import TrackRecord

# --- where an alert goes ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Everyone:
    """Every server's alert channel (and the webhook), except servers that have a rule of their own for it."""

    exclude_guilds: tuple[int, ...] = ()


@dataclass(frozen=True)
class Server:
    """One server's alert channel: its daily wrap, its own spread lines."""

    guild_id: int


@dataclass(frozen=True)
class Subscriber:
    """One person: by direct message, or in the channel they subscribed in (`channel_id`), in their server."""

    guild_id: int
    user_id: int
    channel_id: int | None = None


@dataclass(frozen=True)
class Operator:
    """About rotobot itself. `guild_id`: the server it concerns, whose alert channel hears of it when it has one."""

    guild_id: int | None = None


Route = Union[Everyone, Server, Subscriber, Operator]


# --- the kinds of alert -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Alert:
    kind: ClassVar[str] = "alert"
    key: str
    message: str
    occurred_at: datetime
    route: Route = Everyone()
    body: str = ""

    @property
    def outbox_kind(self) -> str:
        """The outbox's `kind` column: what `!alerts`, the metrics and the wrap sort alerts by."""
        return self.kind

    def subject(self) -> tuple:
        """What the alert is about, beyond its kind and route: two alerts under one key must agree on it."""
        return ()

    def identity(self) -> tuple:
        return (self.outbox_kind, self.route, *self.subject())


@dataclass(frozen=True, kw_only=True)
class RecordAlert(Alert):
    """A record close (or an intraday record) of one symbol."""

    kind: ClassVar[str] = "new_high"
    rule_id: str
    symbol: str
    session: date
    price: float
    previous_record: float
    previous_record_date: date
    intraday: bool = False

    def subject(self) -> tuple:
        return (self.rule_id, self.symbol, self.session, self.intraday)


@dataclass(frozen=True, kw_only=True)
class SpreadAlert(Alert):
    """The rotation spread crossing one of its lines at a close."""

    kind: ClassVar[str] = "rotation_spread"
    rule_id: str
    pair: str  # "^RUT/^NDX"
    session: date
    direction: str  # "small" (into small caps) or "large"
    spread: float  # percent
    line: float
    window: int
    small_close: float
    large_close: float
    # What followed the rule's earlier signals in this direction (alerts/track_record.py); None: not cached yet.
    track_record: TrackRecord | None = None

    def subject(self) -> tuple:
        return (self.rule_id, self.pair, self.session, self.direction)


@dataclass(frozen=True, kw_only=True)
class TrendAlert(Alert):
    """A trend rule at a close: a value crossing its moving average (ma_cross), a change over N sessions (move_over)."""

    kind: ClassVar[str] = "trend"
    rule_kind: str  # ma_cross or move_over: the outbox kind
    rule_id: str
    symbol: str  # "^RUT", or "^RUT/^NDX" for an ma_cross on a ratio
    session: date
    direction: str  # above/below (ma_cross), up/down (move_over)
    value: float  # the value or ratio (ma_cross), the change in percent (move_over)
    threshold: float  # the average (ma_cross), the line reached in percent (move_over)
    sessions: int  # the average's window, or the sessions the change is over
    track_record: TrackRecord | None = None  # as SpreadAlert's

    @property
    def outbox_kind(self) -> str:
        return self.rule_kind

    def subject(self) -> tuple:
        return (self.rule_id, self.symbol, self.session, self.direction)


@dataclass(frozen=True, kw_only=True)
class SubscriptionAlert(Alert):
    """A subscriber's rule on one ticker: above/below a price, a day's move, a 52-week high or low."""

    kind: ClassVar[str] = "subscription"
    rule_kind: str  # above, below, move, high_52w, low_52w: the outbox kind, as rotobot 0.1 wrote it
    rule_id: str
    symbol: str
    trigger: str  # the session and what was crossed: unique per rule
    direction: str | None
    value: float
    threshold: float | None

    @property
    def outbox_kind(self) -> str:
        return self.rule_kind

    def subject(self) -> tuple:
        return (self.rule_id, self.symbol, self.trigger)


@dataclass(frozen=True, kw_only=True)
class FomcDecisionAlert(Alert):
    kind: ClassVar[str] = "fomc_decision"
    date: date
    action: str  # lower, raise, maintain, unknown
    lower: float | None
    upper: float | None
    change_bp: int | None
    statement_url: str | None = None

    def subject(self) -> tuple:
        return (self.date,)


@dataclass(frozen=True, kw_only=True)
class FomcReminderAlert(Alert):
    kind: ClassVar[str] = "fomc_reminder"
    date: date
    hours_before: float

    def subject(self) -> tuple:
        return (self.date, self.hours_before)


@dataclass(frozen=True, kw_only=True)
class FomcProjectionsAlert(Alert):
    """A meeting's Summary of Economic Projections: the median federal funds rate path (alerts/fomc/projections_text.py
    words it). The headline is one year's median: the meeting's own year, the next year at a December meeting."""

    kind: ClassVar[str] = "fomc_projections"
    meeting: date
    headline_year: int
    median: float  # the headline year's median, percent
    previous_median: float | None  # the previous round's median for that year; None if it did not project it
    implied_moves: int | None  # 25 bp moves from the midpoint of the range in force; negative: cuts; None: unknown
    lower: float | None  # the range in force when the projections were read
    upper: float | None
    source_url: str

    def subject(self) -> tuple:
        return (self.meeting,)


@dataclass(frozen=True, kw_only=True)
class TickerLookupAlert(Alert):
    """A pending subscription's ticker was found (its alerts are on) or is unknown (it was removed)."""

    kind: ClassVar[str] = "subscription_status"
    symbol: str
    found: bool

    def subject(self) -> tuple:
        return (self.symbol,)


@dataclass(frozen=True, kw_only=True)
class WrapAlert(Alert):
    kind: ClassVar[str] = "daily_wrap"
    date: date

    def subject(self) -> tuple:
        return (self.date,)


@dataclass(frozen=True, kw_only=True)
class NoticeAlert(Alert):
    """An alert for the operator or a server's admins (a source down, a target given up on); not one for traders."""

    kind: ClassVar[str] = "notice"
    topic: str  # "source_down", "gave_up", ...: what the notice is about, for filtering and tests

    def subject(self) -> tuple:
        return (self.topic,)


@dataclass(frozen=True, kw_only=True)
class LegacyAlert(Alert):
    """A payload queued by rotobot 0.1 (no version): delivered with its words and route, as it was meant to be."""

    kind: ClassVar[str] = "legacy"
    queued_kind: str

    @property
    def outbox_kind(self) -> str:
        return self.queued_kind


@dataclass(frozen=True, kw_only=True)
class UnreadableAlert(Alert):
    """A payload that is not JSON or not any kind rotobot knows: told to the operator, never silently dropped."""

    kind: ClassVar[str] = "unreadable"
    queued_kind: str

    @property
    def outbox_kind(self) -> str:
        return self.queued_kind


KINDS: dict[str, type[Alert]] = {cls.kind: cls for cls in (
    RecordAlert, SpreadAlert, TrendAlert, SubscriptionAlert, FomcDecisionAlert, FomcReminderAlert, FomcProjectionsAlert,
    TickerLookupAlert, WrapAlert, NoticeAlert,
)}


def same_alert(stored: Alert, new: Alert) -> bool:
    """Is `new` the alert `stored` already is (a repeat), rather than another alert under the same key?

    A row rotobot 0.1 wrote is read as a LegacyAlert, which knows only its kind and route: the same kind and route
    under the same key is the same alert (a reminder already sent, re-queued by the job after an upgrade).
    """
    if isinstance(stored, LegacyAlert):
        return (stored.outbox_kind, stored.route) == (new.outbox_kind, new.route)
    return stored.identity() == new.identity()


# --- reading alerts for people ------------------------------------------------------------------------------------


def seen_in_server(route: Route, guild_id: int) -> bool:
    """Would this server's members have seen the alert in one of its channels? (!alerts, the daily wrap)

    Server-wide alerts unless the server has its own rule for them, the server's own alerts, and subscriptions
    posted in one of its channels; never a direct message, never another server's.
    """
    if isinstance(route, Everyone):
        return guild_id not in route.exclude_guilds
    if isinstance(route, Server):
        return route.guild_id == guild_id
    if isinstance(route, Subscriber):
        return route.guild_id == guild_id and route.channel_id is not None
    return False
