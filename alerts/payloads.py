"""Every alert rotobot queues, as a typed value, and the one place where it becomes outbox JSON and back.

An alert is what a trader (or the operator) is told: a key that makes it exactly-once, a headline (`message`),
details (`body`), when it happened, and where it goes (its Route). Each kind has a type of its own with the facts
it carries. `encode` writes an alert as versioned JSON; `decode` reads it back, including the unversioned
payloads that rotobot 0.1 queued, so alerts still waiting in the outbox at an upgrade are delivered as they were
meant to be. Nothing else in rotobot reads or writes payload JSON.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import ClassVar, Union

VERSION = 2


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
_ROUTES: dict[str, type] = {"everyone": Everyone, "server": Server, "subscriber": Subscriber, "operator": Operator}
_ROUTE_NAMES = {cls: name for name, cls in _ROUTES.items()}


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

    def subject(self) -> tuple:
        return (self.rule_id, self.pair, self.session, self.direction)


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
    """For the operator (or a server's admins): a source down, a page that changed, an alert given up on."""

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
    RecordAlert, SpreadAlert, SubscriptionAlert, FomcDecisionAlert, FomcReminderAlert, TickerLookupAlert, WrapAlert,
    NoticeAlert,
)}


# --- writing and reading ----------------------------------------------------------------------------------------------


def encode(alert: Alert) -> str:
    """The alert as the outbox stores it: JSON with the payload version and the alert's own kind."""
    if type(alert) not in KINDS.values():
        raise TypeError(f"{type(alert).__name__} is read from old rows, never queued")
    data = {"v": VERSION, "type": alert.kind}
    for item in dataclasses.fields(alert):
        data[item.name] = _to_json(getattr(alert, item.name))
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def decode(text: str, outbox_kind: str, key: str, queued_at: datetime) -> Alert:
    """An outbox row's alert. Never raises: what cannot be read becomes an UnreadableAlert for the operator."""
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        if "v" not in data:
            return _legacy(data, outbox_kind, key, queued_at)
        if data["v"] != VERSION or data.get("type") not in KINDS:
            raise ValueError(f"payload version {data['v']!r} of type {data.get('type')!r} is unknown here")
        cls = KINDS[data["type"]]
        hints = _hints(cls)
        # The writer writes every field: one missing means a damaged row, never a default (a lost route would
        # otherwise read as Everyone(), an alert for every server).
        missing = [item.name for item in dataclasses.fields(cls) if item.name not in data]
        if missing:
            raise ValueError(f"the payload lacks {', '.join(missing)}")
        return cls(**{item.name: _from_json(data[item.name], hints[item.name]) for item in dataclasses.fields(cls)})
    except (ValueError, TypeError, KeyError) as exc:
        return UnreadableAlert(
            key=key, queued_kind=outbox_kind, occurred_at=queued_at, route=Operator(),
            message=f"An alert rotobot could not read ({outbox_kind}, key {key})",
            body=f"Its stored payload is damaged ({type(exc).__name__}: {exc}); it is not delivered to anyone else.",
        )


def _legacy(data: dict, outbox_kind: str, key: str, queued_at: datetime) -> LegacyAlert:
    """rotobot 0.1's payloads: the words at the top level, the route as loose guild/user/channel keys."""
    if "user_id" in data:
        route: Route = Subscriber(int(data.get("guild_id") or 0), int(data["user_id"]), _int_or_none(data.get("channel_id")))
    elif data.get("guild_id") is not None:
        route = Server(int(data["guild_id"]))
    else:
        route = Everyone(tuple(int(g) for g in data.get("exclude_guilds") or ()))
    occurred = data.get("occurred_at")
    moment = datetime.fromisoformat(occurred) if isinstance(occurred, str) and occurred else queued_at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)  # 0.1 always wrote an offset; a bare time is read as UTC
    return LegacyAlert(
        key=key, queued_kind=outbox_kind, route=route,
        message=str(data.get("message") or outbox_kind), body=str(data.get("body") or ""),
        occurred_at=moment,
    )


def _int_or_none(value) -> int | None:
    return None if value is None else int(value)


def _to_json(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} in an alert: pass an aware one")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if type(value) in _ROUTE_NAMES:
        return {"to": _ROUTE_NAMES[type(value)], **{k: _to_json(v) for k, v in dataclasses.asdict(value).items()}}
    if isinstance(value, tuple):
        return [_to_json(v) for v in value]
    return value


def _from_json(value, hint):
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if value is None:
        if (origin is Union or origin is types.UnionType) and type(None) in args:
            return None
        raise ValueError(f"null where {getattr(hint, '__name__', hint)} was written")
    if origin is Union or origin is types.UnionType:
        if set(args) == set(_ROUTES.values()):
            return _route(value)
        inner = [a for a in args if a is not type(None)]
        return _from_json(value, inner[0]) if len(inner) == 1 else value
    if hint is datetime:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError(f"naive instant {value!r}")
        return moment
    if hint is date:
        return date.fromisoformat(value)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected a number, not {value!r}")
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, not {value!r}")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, not {value!r}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, not {value!r}")
        return value
    return value


def _route(value: dict) -> Route:
    if not isinstance(value, dict) or value.get("to") not in _ROUTES:
        raise ValueError(f"not a route: {value!r}")
    cls = _ROUTES[value["to"]]
    fields = {item.name: item for item in dataclasses.fields(cls)}
    values = {}
    for name, item in fields.items():
        if name not in value:
            continue
        raw = value[name]
        values[name] = tuple(int(g) for g in raw) if name == "exclude_guilds" else (None if raw is None else int(raw))
    return cls(**values)


_HINTS: dict[type, dict] = {}


def _hints(cls: type) -> dict:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


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

