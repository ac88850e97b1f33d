"""The signal cache, kept after each daily close: each close rule's backtest over all stored history (its ledger,
alerts/track_record.py), so an alert carries its track record and `!signals` answers from store.

The engine calls `refresh` after judging the sessions that just landed (its alerts are queued first, reading the
cache as it was), and `lookup` while it makes the alerts. A ledger is computed again only when its rule changed
(another fingerprint: a moved line, another horizon) or new sessions of its legs were stored, so a restart
computes nothing. The replay and pandas run on a worker thread, never on the event loop. Nothing here ever stops
an alert: a failure to compute or to read is logged, the cache stays as it was, the alert goes without its line.
Each rule's ledger is made on its own: one that fails costs the others nothing, and is tried again only once its
rule or its sessions move, taking its turn as if it had been computed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime

from alerts.payloads import Everyone, Route, Server
from alerts.rules.model import History, Rule, Signal
from alerts.track_record import Ledger, TrackRecord, fingerprint, last_session
from storage import signal_records
from storage.database import Database
from storage.signal_records import Ask, Audience

log = logging.getLogger(__name__)

HORIZON = 20  # sessions after a signal its move is measured over (rules.record_horizon)
LAST = 12  # signals a track record counts, the latest (rules.record_last)
SHOWN = 10  # firings `!signals RULE` lists
RECORDED = ("rotation_spread", "ma_cross", "move_over")  # the kinds whose alerts carry a track record
# Ledgers computed again after one close, at most (each is a replay of 40 years, about 0.25 s of a worker thread):
# 20 servers' watches each would otherwise cost minutes of CPU every day. The ledger computed longest ago goes
# first (one never computed, or of another rule under that id, first of all), shared rules first only among
# equals: every stale rule's turn comes within ceil(stale rules / BUDGET) closes, however many rules are shared;
# a ledger a few closes behind still gives its alerts the record of the signals before them.
BUDGET = 40


class SignalRecords:
    def __init__(self, database: Database, clock: Callable[[], datetime], *, horizon: int = HORIZON,
                 last: int = LAST, budget: int = BUDGET) -> None:
        self._db = database
        self.budget = budget
        self._clock = clock
        self.horizon = horizon
        self.last = last
        # Each direction keeps enough firings for the last `last` measured before any new alert: at most one
        # signal per session, so at most `horizon` of the latest are not measured yet.
        self.keep = max(last + horizon, SHOWN)
        self._turns = asyncio.Lock()  # two jobs landing bars at once compute once, one after the other
        # rule id -> (fingerprint, last session) of a ledger that could not be made: not tried again until either
        # moves, and it waits its turn as if computed then, so a rule that always fails never goes first for good
        self._failed: dict[str, tuple[str, date | None]] = {}

    async def lookup(self, signals: Iterable[Signal], rules: Sequence[Rule]) -> dict[str, TrackRecord]:
        """Signal key -> its track record, for the signals whose alerts carry one and whose rule (as it is now)
        has a cached ledger; {} when the cache cannot be read."""
        signals = [s for s in signals if s.kind in RECORDED]
        if not signals:
            return {}
        try:
            by_id = {rule.id: rule for rule in rules}
            asks = [Ask(s.key, s.rule_id, fingerprint(by_id[s.rule_id], self.horizon, self.keep), s.direction,
                        date.fromisoformat(s.trigger[:10])) for s in signals if s.rule_id in by_id]
            return await self._db.run(signal_records.earlier, asks, self.last)
        except Exception:
            log.exception("Could not read the signal cache; %d alerts go without their track record", len(signals))
            return {}

    async def refresh(self, rules: Sequence[Rule], routes: Mapping[str, Route], history: History) -> int:
        """Compute again the ledgers that are out of date; returns how many were. `routes`: where each rule's
        alerts go (a server's own rule: that server), which is who `!signals` shows it to."""
        async with self._turns:
            try:
                return await self._refresh(rules, routes, history)
            except Exception:
                log.exception("Could not bring the signal cache up to date; it stays as it was, and alerts go on")
                return 0

    async def _refresh(self, rules: Sequence[Rule], routes: Mapping[str, Route], history: History) -> int:
        cached = await self._db.run(signal_records.stamps)
        stale = []
        for rule in rules:
            through, mark = last_session(rule, history), fingerprint(rule, self.horizon, self.keep)
            found_mark, found_through = cached.get(rule.id, (None, None))
            # Out of date: another rule under this id, or older sessions than stored (a job that read its history
            # earlier and refreshes later must not take the cache back)
            if through is not None and (found_mark != mark or found_through < through):
                stale.append(rule)
        stale = [rule for rule in stale if self._failed.get(rule.id) != self._stamp(rule, history)]
        stale = _turns(stale, routes, {**cached, **self._failed}, lambda rule: self._stamp(rule, history)[0])
        stale = stale[:self.budget]
        mine = {s: history[s] for rule in stale for s in rule.symbols}  # the lists are replaced, never changed
        ledgers, failed = (await asyncio.to_thread(_compute, stale, mine, self.horizon, self.keep) if stale
                           else ([], []))
        ids = {rule.id for rule in rules}
        self._failed = {rule_id: stamp for rule_id, stamp in self._failed.items()  # of rules still run, not retried
                        if rule_id in ids and rule_id not in {rule.id for rule in stale}}
        self._failed.update({rule.id: self._stamp(rule, history) for rule in failed})
        audiences = {rule.id: _audience(routes.get(rule.id, Everyone())) for rule in rules}
        await self._db.run(signal_records.save, ledgers, audiences, self._clock())
        if ledgers:
            log.info("Signal cache: %s computed again over stored history through %s",
                     ", ".join(ledger.rule_id for ledger in ledgers), max(ledger.through for ledger in ledgers))
        return len(ledgers)

    def _stamp(self, rule: Rule, history: History) -> tuple[str, date | None]:
        return fingerprint(rule, self.horizon, self.keep), last_session(rule, history)


def _turns(stale: list[Rule], routes: Mapping[str, Route], cached: Mapping[str, tuple[str, date | None]],
           mark: Callable[[Rule], str]) -> list[Rule]:
    """The order stale ledgers are computed in: the one computed through the oldest session first (a rule never
    computed, or whose cached ledger is of other parameters, first of all); among equals rules every server hears,
    then the rules' own order (a stable sort). Never shared rules first outright: they are all stale again after
    every close, and as many of them as the budget would keep every server's rules from their turn for good."""
    def turn(rule: Rule) -> tuple[date, bool]:
        found, through = cached.get(rule.id, (None, None))
        return (through if found == mark(rule) and through is not None else date.min,
                isinstance(routes.get(rule.id), Server))

    return sorted(stale, key=turn)


def _compute(rules: list[Rule], history: History, horizon: int, keep: int) -> tuple[list[Ledger], list[Rule]]:
    """The rules' ledgers, and the rules whose ledger could not be made. Rules that differ only in their ids
    (servers that set the same lines) share one. Each is made on its own: one that fails is logged and left out,
    and every other is still saved."""
    from alerts.backtest.ledger import ledgers  # pandas: imported on this worker thread, not on the event loop

    alike: dict[str, list[Rule]] = {}
    for rule in rules:
        alike.setdefault(fingerprint(rule, horizon, keep), []).append(rule)
    found, failed = [], []
    for mark, same in alike.items():
        try:
            made = ledgers(same[:1], history, horizon, keep)
        except Exception:
            log.exception("Could not bring the signal cache up to date for %s; its record stays as it was, and "
                          "alerts go on", ", ".join(rule.id for rule in same))
            failed.extend(same)
            continue
        found.extend(dataclasses.replace(ledger, rule_id=rule.id) for ledger in made for rule in same)
    return found, failed


def _audience(route: Route) -> Audience:
    if isinstance(route, Server):
        return Audience(guild_id=route.guild_id)
    if isinstance(route, Everyone):
        return Audience(exclude_guilds=tuple(sorted(route.exclude_guilds)))
    return Audience(guild_id=-1)  # any other route (none today) is nobody's to browse: shown to no server
