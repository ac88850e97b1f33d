"""Close-based rules judged on the sessions they have not judged yet, every server's watches among them: pure
CPU over what the engine read, which bot/jobs/engine.py runs on a worker thread (thousands of watches)."""

from __future__ import annotations

import logging
from bisect import bisect_right
from datetime import date

from alerts.rules.engine import evaluate_sessions
from alerts.rules.model import Rule, Signal
from alerts.watches import Watch, named_signal, watch_rule
from storage import watches

log = logging.getLogger(__name__)
STATE_KEY = "*"  # one state per rule (bot/jobs/engine.py stores them)


def judge_closes(rules: list[Rule], states: dict[str, dict], history: dict[str, list], calendar, announce_from: date,
                  own_watches: dict[str, tuple[Rule, Watch]]) -> tuple[list, list[Signal]]:
    """Each close rule judged on the sessions it has not judged yet: (new states, signals to announce)."""
    new_states, signals = [], []
    joint: dict[tuple[str, ...], list[date]] = {}  # once per set of symbols: thousands of watches share a few
    for rule in rules:
        # Sessions where every symbol of the rule has a close (the spread needs both legs).
        if rule.symbols not in joint:
            joint[rule.symbols] = sorted(set.intersection(*({p.date for p in history.get(s, ())}
                                                            for s in rule.symbols)))
        days = joint[rule.symbols]
        state = states.get(rule.id)
        if not state or "last_session" not in state:
            # A new rule (or one judged before its symbols had a close) starts at the latest stored session;
            # replay shows the past.
            days = days[-1:]
        else:  # only the sessions it has not judged (evaluate_sessions would pass over the others one by one)
            days = days[bisect_right(days, date.fromisoformat(state["last_session"])):]
        closes = {d: s.close for d in days if calendar.covers(d) and (s := calendar.session(d)) is not None}
        try:
            new_state, fired = evaluate_sessions(rule, state, history, days, close_times=closes)
        except Exception:  # noqa: BLE001 - a server's watch must never stop every other rule's alerts
            if rule.id not in own_watches:
                raise
            log.exception("%s (%s) could not be judged; its state is left as it was", rule.id,
                          own_watches[rule.id][1].name)
            continue
        if rule.id in own_watches:
            fired = [named_signal(own_watches[rule.id][1], e) for e in fired]
        if new_state != state:
            new_states.append((rule.id, STATE_KEY, new_state))
        skipped = [e for e in fired if date.fromisoformat(e.trigger[:10]) < announce_from]
        if skipped:
            log.info("%s: %d older sessions judged without announcing (before %s)", rule.id, len(skipped),
                     announce_from)
        signals += [e for e in fired if e not in skipped]
    return new_states, signals


def server_watches(watched: list[Watch]) -> dict[str, tuple[Rule, Watch]]:
    """Every server's active watches as the engine's rules (alerts/watches.py watch_rule), by rule id. A stored
    watch that no longer makes a rule (checks tightened since it was added) is logged and left out, never a reason
    to judge nothing for anyone."""
    found: dict[str, tuple[Rule, Watch]] = {}
    for watch in watched:
        try:
            rule = watch_rule(watch)
        except ValueError as problem:
            log.error("Server %s's %s is not a rule rotobot can judge (%s); it is skipped", watch.guild_id, watch.name,
                      problem)
            continue
        found[rule.id] = (rule, watch)
    return found


def watch_rules(db) -> dict[str, tuple[Rule, Watch]]:
    return server_watches(watches.active(db))
