"""The one place where an alert becomes outbox JSON and back; nothing else in rotobot reads or writes payload JSON.

`encode` writes an alert as versioned JSON, every field of its type; `decode` reads it back, including the
unversioned payloads that rotobot 0.1 queued, so alerts still waiting in the outbox at an upgrade are delivered
as they were meant to be. A payload that cannot be read becomes an UnreadableAlert for the operator.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date, datetime, timezone
from typing import Union

from alerts.payloads import (
    KINDS,
    Alert,
    Everyone,
    LegacyAlert,
    Operator,
    Route,
    Server,
    Subscriber,
    UnreadableAlert,
)
from alerts.track_record import TrackRecord

# The payload version. It changes when the JSON of a kind that may already be queued changes (a field added,
# renamed, removed or given a new meaning: decode refuses a row that lacks a field), and decode must then go on
# reading every earlier version. A new kind needs no new version: no row older code queued names it
# (FomcProjectionsAlert came in at version 2). Version 3 added the track record of spread and trend alerts.
VERSION = 3
# Fields added since version 2, by the version that added them: a row queued before reads without them (their
# default); a row of that version or later that lacks one is damaged, like any other missing field.
ADDED_IN = {"track_record": 3}  # SpreadAlert and TrendAlert: what followed the rule's earlier signals
# A route's name in JSON ("to"); renaming one would strand the alerts queued under the old name.
_ROUTES: dict[str, type] = {"everyone": Everyone, "server": Server, "subscriber": Subscriber, "operator": Operator}
_ROUTE_NAMES = {cls: name for name, cls in _ROUTES.items()}

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
        version = data["v"]
        if version not in (2, VERSION) or data.get("type") not in KINDS:
            raise ValueError(f"payload version {version!r} of type {data.get('type')!r} is unknown here")
        cls = KINDS[data["type"]]
        hints = _hints(cls)
        # The writer writes every field: one missing means a damaged row, never a default (a lost route would
        # otherwise read as Everyone(), an alert for every server). Only a field newer than the row may be absent.
        fields = [item for item in dataclasses.fields(cls)
                  if item.name in data or ADDED_IN.get(item.name, 0) <= version]
        missing = [item.name for item in fields if item.name not in data]
        if missing:
            raise ValueError(f"the payload lacks {', '.join(missing)}")
        return cls(**{item.name: _from_json(data[item.name], hints[item.name]) for item in fields})
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
    if type(value) in _VALUES:  # a field added later is written only when it is not its default (_VALUE_ADDED)
        added = _VALUE_ADDED.get(type(value), frozenset())
        return {item.name: _to_json(getattr(value, item.name)) for item in dataclasses.fields(value)
                if item.name not in added or getattr(value, item.name) != item.default}
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
    if hint in _VALUES:
        return _value(value, hint)
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


# Plain values an alert may carry as one of its fields, written as a JSON object of their own fields.
_VALUES = (TrackRecord,)
# Fields a value gained after rows holding it may have been queued: such a row reads as the field's default, and
# the field is written only when it is not that default, so a value without it is the same JSON as before.
# TrackRecord.points (a record of one series in its own points): every record queued before it was in percent.
_VALUE_ADDED: dict[type, frozenset[str]] = {TrackRecord: frozenset({"points"})}


def _value(value, cls: type):
    if not isinstance(value, dict):
        raise ValueError(f"expected a {cls.__name__} object, not {value!r}")
    hints = _hints(cls)
    names = [item.name for item in dataclasses.fields(cls)]
    if not set(value) <= set(names) or not set(names) - set(value) <= _VALUE_ADDED.get(cls, frozenset()):
        raise ValueError(f"a {cls.__name__} has {', '.join(names)}, not {', '.join(sorted(value))}")
    return cls(**{name: _from_json(value[name], hints[name]) for name in names if name in value})  # its checks run


_HINTS: dict[type, dict] = {}


def _hints(cls: type) -> dict:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]
