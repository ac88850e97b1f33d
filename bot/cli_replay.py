"""`rotobot replay`: what the rules would have said over stored history. Reads only; changes no live state."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import date
from pathlib import Path

from alerts.rules.engine import replay
from alerts.rules.model import History, Rule, Signal
from bot.cli_data import InputError, parse_day
from bot.settings import Settings
from bot.wiring import configured_rules
from storage import prices
from storage.database import Database


def run_replay(settings: Settings, start: str | None, end: str | None, rules_file: Path | None, as_json: bool) -> str:
    rules, history, first, last = stored_inputs(settings, start, end, rules_file)
    signals = replay(rules, history, first, last)
    lines = [_json(e) if as_json else _text(e) for e in signals]
    counts = Counter(e.kind for e in signals)
    shown = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items())) or "none"
    span = f"{start or 'the first stored session'} to {end or 'the last'}"
    lines.append(f"{len(signals)} alerts from {span}: {shown}")
    return "\n".join(lines)


def stored_inputs(settings: Settings, start: str | None, end: str | None,
                  rules_file: Path | None) -> tuple[list[Rule], History, date, date]:
    """The rules, their symbols' stored history and the range (--from, --to; open ends as date.min and date.max),
    each checked and refused with what would be right: what replay and backtest both start from."""
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
    _refuse_unmeasurable(history)
    return rules, history, first, last


def _refuse_unmeasurable(history: History) -> None:
    """A stored close that is not a finite number (a database repaired by hand, or written by another tool)
    would turn every move through it into Infinity, which JSON cannot carry: name it instead. A close at or under
    zero is a value a FRED series has (T10Y2Y): the rules judge it as the live engine does, and the backtest
    measures such a series in its own points."""
    for symbol, points in history.items():
        for point in points:
            if not math.isfinite(point.close):
                raise InputError(f"The stored close of {symbol} on {point.date} is {point.close!r}, not a price: "
                                 f"fetch that session again with `rotobot backfill {symbol} --since {point.date}`")


def _text(signal: Signal) -> str:
    return f"{signal.trigger[:10]}  {signal.kind:<15} {signal.message}"


def _json(signal: Signal) -> str:
    return json.dumps(signal_object(signal))


def signal_object(signal: Signal) -> dict:
    """A signal as `replay --json` prints it (and `backtest --json` builds on)."""
    return {
        "date": signal.trigger[:10],
        "rule": signal.kind,
        "symbol": signal.symbol,
        "direction": signal.direction,
        "value": signal.value,
        "threshold": signal.threshold,
        "message": signal.message,
    }
