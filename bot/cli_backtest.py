"""`rotobot backtest`: what followed each of the replay's signals over stored history, rule by rule, against any
session of the same range. Reads only; changes no live state. The numbers are alerts/backtest's."""

from __future__ import annotations

import json
from pathlib import Path

from alerts.backtest.horizons import HorizonError, parse_horizons
from bot.cli_data import InputError
from bot.cli_replay import signal_object, stored_inputs
from bot.settings import Settings

_HEAD = ("direction", "horizon", "signals", "hit rate", "median", "mean", "min", "max")
_BASE = ("any session", "hit rate", "median")


def run_backtest(settings: Settings, start: str | None, end: str | None, rules_file: Path | None, horizons: str,
                 as_json: bool) -> str:
    try:
        chosen = parse_horizons(horizons)
    except HorizonError as error:
        raise InputError(f"--horizons {horizons!r}: {error}") from None
    rules, history, first, last = stored_inputs(settings, start, end, rules_file)
    from alerts.backtest import backtest  # pandas, only for the command that needs it

    result = backtest(rules, history, first, last, chosen)
    if as_json:
        lines = [json.dumps({"type": "signal", **signal_object(signal), "rule_id": signal.rule_id,
                             "forward": result.forward(i)}) for i, signal in enumerate(result.signals)]
        return "\n".join(lines + [json.dumps(summary.as_json()) for summary in result.summaries])
    span = f"{start or 'the first stored session'} to {end or 'the last'}"
    blocks = [_table(rule, [s for s in result.summaries if s.rule == rule.id], history) for rule in rules]
    closing = (f"{len(result.signals)} signals from {span}; horizons in sessions; any session: every session of "
               "the range")
    return "\n\n".join(blocks + [closing])


def _table(rule, summaries, history) -> str:
    two_legs = len(rule.symbols) == 2
    first = rule.symbols[0]
    if two_legs:
        about = (f"spread = {first} move - {rule.symbols[1]} move, in points; a hit: spread > 0 after "
                 f"{'small' if rule.kind == 'rotation_spread' else 'above'}, < 0 after "
                 f"{'large' if rule.kind == 'rotation_spread' else 'below'}")
    else:
        unit = ("in its own points, X[t+h] - X[t] (it has values at or under zero, where a percent means nothing)"
                if any(s.points for s in summaries) else "in percent")
        about = f"change of {first}, {unit}; a hit: a rise, whatever the direction"
    lines = [f"{rule.id}: {about}"]
    missing = [s for s in rule.symbols if not history.get(s)]
    if missing:
        lines.append(f"  no stored closes of {', '.join(missing)}: rotobot backfill {' '.join(missing)}")
    rows = [_HEAD + ("|",) + _BASE] + [
        (s.direction or "-", str(s.horizon), f"{s.count:,}", _rate(s.hit_rate), _move(s.median), _move(s.mean),
         _move(s.min), _move(s.max), "|", f"{s.baseline_count:,}", _rate(s.baseline_hit_rate),
         _move(s.baseline_median))
        for s in summaries]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [cell.ljust(width) if i == 0 else cell.rjust(width) for i, (cell, width) in enumerate(zip(row, widths))]
        lines.append("  " + "  ".join(cells).rstrip())
    return "\n".join(lines)


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _move(value: float | None) -> str:
    return "-" if value is None else f"{value:+.2f}"
