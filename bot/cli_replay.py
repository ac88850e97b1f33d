"""`rotobot replay`: what the rules would have said over stored history. Reads only; changes no live state."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

from alerts.rules.engine import replay
from alerts.rules.model import Event
from bot.cli_data import InputError, parse_day
from bot.settings import Settings
from bot.wiring import configured_rules
from storage import prices
from storage.database import Database


def run_replay(settings: Settings, start: str | None, end: str | None, rules_file: Path | None, as_json: bool) -> str:
    rules = configured_rules(settings, rules_file)
    first = parse_day(start, "--from") if start else date.min
    last = parse_day(end, "--to") if end else date.max
    if first > last:
        raise InputError(f"--from {first} is after --to {last}: expected a range that runs forward")
    path = Path(settings.storage.database)
    if not path.exists():
        raise InputError(f"There is no database at {path} yet: run rotobot once (it seeds history), or pass --db")
    database = Database.open(path, busy_timeout_ms=settings.storage.busy_timeout_ms)
    try:
        history = database.call(prices.history_points, [s for rule in rules for s in rule.symbols])
    finally:
        database.close()
    events = replay(rules, history, first, last)
    lines = [_json(e) if as_json else _text(e) for e in events]
    counts = Counter(e.kind for e in events)
    shown = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items())) or "none"
    span = f"{start or 'the first stored session'} to {end or 'the last'}"
    lines.append(f"{len(events)} alerts from {span}: {shown}")
    return "\n".join(lines)


def _text(event: Event) -> str:
    return f"{event.trigger[:10]}  {event.kind:<15} {event.message}"


def _json(event: Event) -> str:
    return json.dumps({
        "date": event.trigger[:10],
        "rule": event.kind,
        "symbol": event.symbol,
        "direction": event.direction,
        "value": event.value,
        "threshold": event.threshold,
        "message": event.message,
    })
