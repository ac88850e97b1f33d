"""The engine: (rule, state, observations) -> (new state, signals), and replay over stored history.

Pure: no clock (a session's time is its close, a tick's is its own), no I/O, no mutation of what it is given. The
caller stores each returned state (JSON) together with the signals' outbox rows, so a restart resumes exactly
where the last commit left off; a signal's key is the same on every run, so the outbox can refuse a repeat.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from alerts.rules import batch, closes, trends
from alerts.rules import ticks as tick_rules
from alerts.rules.model import History, MaCross, MoveOver, NewHigh, RotationSpread, Rule, Signal, Tick
from alerts.rules.ticks import SymbolView


def evaluate_sessions(rule: Rule, state: dict | None, history: History, sessions: Sequence[date], *,
                      close_times: Mapping[date, datetime] | None = None) -> tuple[dict, list[Signal]]:
    """Judge `rule` on each session's close, oldest first.

    Sessions on or before the state's `last_session` were judged already and are skipped, so calling twice with
    the same sessions announces nothing new. `close_times` gives a session's real close (an early close); else
    16:00 New York.
    """
    last = state.get("last_session") if state else None
    todo = sorted(day for day in set(sessions) if last is None or day.isoformat() > last)
    if isinstance(rule, RotationSpread):
        new, signals = closes.rotation(rule, state, history, todo, close_times)
    elif isinstance(rule, MaCross):
        new, signals = trends.ma_cross(rule, state, history, todo, close_times)
    elif isinstance(rule, MoveOver):
        new, signals = trends.move_over(rule, state, history, todo, close_times)
    elif isinstance(rule, NewHigh) and rule.basis == "close":
        new, signals = closes.new_high(rule, state, history, todo, close_times)
    else:
        new, signals = tick_rules.over_sessions(rule, state, history, todo, close_times)
    return (new if new is not None else {}), signals


def evaluate_tick(rule: Rule, state: dict | None, tick: Tick, history: History) -> tuple[dict, list[Signal]]:
    """Judge `rule` on one intraday tick of its symbol. A missing state (None) is the empty state {}."""
    apply = tick_rules.apply_for(rule)
    if apply is None:
        raise ValueError(f"rule {rule.id!r} ({rule.kind}) is judged on session closes, not on ticks")
    if tick.symbol != rule.symbol:
        raise ValueError(f"rule {rule.id!r} watches {rule.symbol}, not {tick.symbol}")
    return apply(rule, state, tick, SymbolView(history.get(tick.symbol, ()), tick.session), False)


def evaluate_ticks(rules: Sequence[Rule], states: Mapping[str, dict], ticks: Mapping[str, Tick],
                   history: History) -> tuple[dict[str, dict], list[Signal]]:
    """One poll: every tick-judged rule whose symbol has a tick, judged exactly as evaluate_tick would.

    Returns only the states that changed (rule id -> state; a missing state counts as {}), and the signals in
    rule order. Rules judged on closes (new_high by close, rotation_spread) are passed over.
    Given a batch.RuleSet (an index built once when the rules change) whole groups of rules that cannot change
    are skipped without being visited; given a plain list, each rule is visited once, nothing built per rule.
    """
    if isinstance(rules, batch.RuleSet):
        return batch.evaluate(rules, states, ticks, history)
    return batch.evaluate_in_order(rules, states, ticks, history)


def replay(rules: Sequence[Rule], history: History, start: date, end: date, *,
           close_times: Mapping[date, datetime] | None = None) -> list[Signal]:
    """Every signal the rules give over the stored sessions from `start` to `end` (inclusive), from fresh state.

    History before `start` still counts (a record must beat every earlier close, a spread looks back its window).
    Signals come in time order, rules in the order given within the same instant.
    """
    sessions = sorted({point.date for points in history.values() for point in points if start <= point.date <= end})
    found: list[tuple[datetime, int, Signal]] = []
    for order, rule in enumerate(rules):
        _, signals = evaluate_sessions(rule, None, history, sessions, close_times=close_times)
        found.extend((signal.occurred_at, order, signal) for signal in signals)
    found.sort(key=lambda item: (item[0], item[1]))  # stable: a rule's own signals keep their order
    return [signal for _, _, signal in found]
