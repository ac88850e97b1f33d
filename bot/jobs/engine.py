"""Runs the rules engine on what the market jobs store, and queues what fires through the outbox.

Close-based rules (records, the rotation spread, moving-average crosses, moves over N sessions) run after new daily bars land, over every session they have not
judged yet, in order: after downtime the back-filled sessions are judged one by one, so a record missed while
the bot was away is announced once (the dispatcher marks it late). Sessions older than CATCH_UP_SESSIONS only
advance the state: nobody wants a dozen months-old records on first start from the bundled history.
Every server's watches (alerts/watches.py) are close-based rules like these, routed to their server alone.
Subscriptions (and intraday records) run on every accepted quote. States and the alerts they give commit together.
A spread or trend alert carries its rule's track record from the signal cache (bot/jobs/records.py), which is
brought up to date right after the alerts of the sessions just judged are queued.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from alerts.market.calendar import NEW_YORK, TradingCalendar
from alerts.market.models import Quote
from alerts.payloads import Alert, Everyone, RecordAlert, Route, Server, SpreadAlert, Subscriber, SubscriptionAlert, TrendAlert
from alerts.rules.batch import RuleSet
from alerts.rules.engine import evaluate_ticks
from alerts.rules.packed_points import PackedPoints
from alerts.rules.model import (CLOSE_KINDS, Above, Below, High52w, Low52w, Move, Rule, Signal, Tick,
                                own_spread_rule)
from alerts.track_record import TrackRecord
from bot.jobs import close_judging
from bot.jobs.records import SignalRecords
from storage import rule_state, guild_settings, prices, subscriptions
from storage.database import Database

log = logging.getLogger(__name__)

REREAD_DAYS = 14  # the close job refreshes the last three sessions; two weeks covers them and any late fix
CATCH_UP_SESSIONS = 10  # two weeks: a longer absence announces only its last ten sessions
STATE_KEY = close_judging.STATE_KEY  # one state per rule

Publish = Callable[..., Awaitable[list[str]]]


def subscription_rule(sub: subscriptions.Subscription) -> Rule:
    """A stored subscription as the engine's rule; its id routes the alert back to the subscriber."""
    rule_id = subscriptions.rule_id(sub.id)
    if sub.kind == "above":
        return Above(rule_id, sub.symbol, sub.threshold, cooldown_seconds=sub.cooldown_seconds)
    if sub.kind == "below":
        return Below(rule_id, sub.symbol, sub.threshold, cooldown_seconds=sub.cooldown_seconds)
    if sub.kind == "move":
        return Move(rule_id, sub.symbol, sub.threshold, cooldown_seconds=sub.cooldown_seconds)
    if sub.kind == "high_52w":
        return High52w(rule_id, sub.symbol)
    return Low52w(rule_id, sub.symbol)


def alert_for(signal: Signal, route: Route, track_record: TrackRecord | None = None) -> Alert:
    """The engine's signal as the alert a reader gets, with where it goes; a spread or trend alert with its rule's
    track record (read from the signal cache by the caller), when there is one."""
    common = dict(key=signal.key, message=signal.message, occurred_at=signal.occurred_at, route=route)
    details = signal.details
    if signal.kind == "new_high":
        intraday = "previous_date" in details
        return RecordAlert(**common, rule_id=signal.rule_id, symbol=signal.symbol,
                           session=date.fromisoformat(details["session"]), price=signal.value,
                           previous_record=signal.threshold,
                           previous_record_date=date.fromisoformat(details["previous_date" if intraday
                                                                           else "previous_record_date"]),
                           intraday=intraday)
    if signal.kind == "rotation_spread":
        return SpreadAlert(**common, rule_id=signal.rule_id, pair=signal.symbol, session=date.fromisoformat(details["session"]),
                           direction=signal.direction, spread=signal.value, line=signal.threshold,
                           window=details["window"], small_close=details["small_close"],
                           large_close=details["large_close"], track_record=track_record)
    if signal.kind in ("ma_cross", "move_over"):
        return TrendAlert(**common, rule_kind=signal.kind, rule_id=signal.rule_id, symbol=signal.symbol,
                          session=date.fromisoformat(details["session"]), direction=signal.direction,
                          value=signal.value, threshold=signal.threshold,
                          sessions=details["window" if signal.kind == "ma_cross" else "sessions"],
                          track_record=track_record)
    return SubscriptionAlert(**common, rule_kind=signal.kind, rule_id=signal.rule_id, symbol=signal.symbol,
                             trigger=signal.trigger, direction=signal.direction, value=signal.value,
                             threshold=signal.threshold)


@dataclass
class _SubscriptionIndex:
    fingerprint: int
    rules: RuleSet
    routes: dict[str, Route]
    states: dict[str, dict]
    ids: set[int]  # the subscriptions in it


class RuleEngine:
    """The rules engine: judges stored sessions and fresh quotes, and queues the alerts they give."""

    def __init__(
        self,
        *,
        database: Database,
        rules: list[Rule],
        calendar: TradingCalendar,
        publish: Publish,
        clock: Callable[[], datetime],
        records: SignalRecords | None = None,
    ) -> None:
        self._db = database
        self._records = records  # the signal cache: read for each alert, brought up to date after each close
        self.rules = rules
        self._calendar = calendar
        self._publish = publish
        self._clock = clock
        # symbol -> points, packed (a few bytes a session, no object each); only the recent tail is read again
        self._history: dict[str, PackedPoints] = {}
        self._subs: _SubscriptionIndex | None = None
        self._watch_symbols: set[str] = set()  # what the watches read: kept in the history cache too

    async def _history_of(self, symbols: list[str]) -> dict[str, PackedPoints]:
        """Stored closes of `symbols`. The first call reads everything; later calls re-read only the last
        REREAD_DAYS (where the close job's refresh may have changed a bar) and anything newer."""
        missing = [s for s in dict.fromkeys(symbols) if s not in self._history]
        if missing:
            self._history.update(await self._db.run(prices.packed_history, missing))
        known = [s for s in dict.fromkeys(symbols) if s not in missing]
        if known:
            since = {s: (self._history[s][-1].date - timedelta(days=REREAD_DAYS)) if self._history[s] else date.min
                     for s in known}
            tails = await self._db.run(prices.packed_history_since, since)
            for symbol, tail in tails.items():
                self._history[symbol] = self._history[symbol].before(since[symbol]) + tail
        return {s: self._history[s] for s in symbols}

    async def judge_sessions(self) -> int:
        """Judge every close-based rule, every server's watches among them, on the sessions it has not judged yet;
        returns alerts queued."""
        rules = [r for r in self.rules if r.kind in CLOSE_KINDS and getattr(r, "basis", "close") == "close"]
        own_watches = await self._db.run(close_judging.watch_rules)  # thousands: built off the event loop too
        self._watch_symbols = {s for rule, _ in own_watches.values() for s in rule.symbols}
        rules += [rule for rule, _ in own_watches.values()]
        if not rules:
            if self._records:  # the cache keeps only rules still run: with none, !signals must show none
                await self._records.refresh([], {}, {})
            return 0
        # Servers that set their own spread lines (!set upper/lower/hysteresis) get their own rule and its alerts;
        # the shared rule's alerts skip them, so nobody hears both.
        overrides = await self._db.run(_spread_overrides)
        # A watch is its server's alone: its alerts go to that server's alert channel and nowhere else.
        routes: dict[str, Route] = {rule.id: Server(watch.guild_id) for rule, watch in own_watches.values()}
        for rule in [r for r in rules if r.kind == "rotation_spread" and r.id not in own_watches]:
            own = [mine for guild, values in overrides.items()
                   if (mine := own_spread_rule(rule, guild, values)) is not None]
            routes.update({r.id: Server(int(r.id.rsplit("@", 1)[1])) for r in own})
            if own:
                routes[rule.id] = Everyone(tuple(sorted(int(r.id.rsplit("@", 1)[1]) for r in own)))
            rules += own
        now = self._clock()
        calendar = self._calendar.around(now)
        last = calendar.last_closed(now)
        if last is None:
            return 0
        symbols = [s for rule in rules for s in rule.symbols]
        history = await self._history_of(symbols)
        states = await self._db.run(_states, [r.id for r in rules])
        recent = calendar.sessions_between(last.date - timedelta(days=30), last.date)
        announce_from = recent[-CATCH_UP_SESSIONS] if len(recent) >= CATCH_UP_SESSIONS else date.min
        # Pure CPU over what was read (every server's watches can be thousands of rules): on a worker thread, never
        # on the event loop. It only reads `history`, whose lists the cache replaces but never changes in place.
        new_states, signals = await asyncio.to_thread(close_judging.judge_closes, rules, states, history, calendar,
                                                      announce_from, own_watches)
        known = await self._records.lookup(signals, rules) if self._records else {}
        queued = await self._publish([alert_for(e, routes.get(e.rule_id, Everyone()), known.get(e.key))
                                      for e in signals], new_states)
        if self._records:  # after the alerts are queued: they never wait for the backtest
            await self._records.refresh(rules, routes, history)
        return len(queued)

    async def prepare(self) -> None:
        """Build the subscription index and read the history its rules need, as the first poll would. The app
        calls this at start-up, before it freezes what start-up made (bot/app.py): with 100,000 subscriptions
        these are 400,000 objects that live as long as the process, never to be walked by a full collection.
        Best effort: whatever fails here is logged, and the first poll tries again."""
        try:
            index = await self._subscription_index()
            await self._history_of(sorted(index.rules.groups))
        except Exception:  # noqa: BLE001 - a warm-up must not stop start-up; the poll that needs it says it again
            log.exception("could not prepare the subscription index at start-up; the first poll tries again")

    async def judge_quotes(self, quotes: list[Quote]) -> int:
        """Judge subscriptions and intraday records on fresh quotes; returns alerts queued.

        The rule index and the states are kept in memory between polls (this is the only writer of these states,
        and what it writes is committed before the cache is updated); the index is rebuilt only when the
        subscriptions change, which keeps a poll over 100,000 subscriptions near the engine's own cost.
        """
        if not quotes:
            return 0
        index = await self._subscription_index()
        watched = {q.symbol for q in quotes} & set(index.rules.groups)
        if not watched:
            return 0
        history = await self._history_of(sorted(watched))
        ticks = {
            q.symbol: Tick(q.symbol, q.price, q.exchange_time, q.exchange_time.astimezone(NEW_YORK).date(),
                           q.previous_close)
            for q in quotes if q.symbol in watched
        }
        # A fifth of a second over 100,000 subscriptions: on a worker thread, not the event loop. Nothing it reads
        # changes meanwhile: the states change only below, once it returns (polls are judged one at a time: the
        # poll job never runs twice at once), and an index or a history is replaced, never changed.
        changed, signals = await asyncio.to_thread(evaluate_ticks, index.rules, index.states, ticks, history)
        queued = await self._publish(
            [alert_for(e, index.routes.get(e.rule_id, Everyone())) for e in signals],
            [(rule_id, STATE_KEY, state) for rule_id, state in changed.items()],
        )
        index.states.update(changed)
        return len(queued)

    async def _subscription_index(self) -> _SubscriptionIndex:
        fingerprint = await self._db.run(subscriptions.fingerprint)
        if self._subs is not None and self._subs.fingerprint == fingerprint:
            return self._subs
        if self._subs is None:
            subs = await self._db.run(subscriptions.active)
            intraday = [r for r in self.rules if r.kind == "new_high" and r.basis == "intraday"]
            # 100,000 rules take a few hundred ms to build and index: on a worker thread, not the event loop.
            rule_set, routes = await asyncio.to_thread(_index, subs, intraday)
            states = await self._db.run(rule_state.load_states, [r.id for r in rule_set], STATE_KEY)
            self._subs = _SubscriptionIndex(fingerprint, rule_set, routes, states, {s.id for s in subs})
        else:
            self._subs = await self._changed_index(self._subs, fingerprint)
        # History is kept only for symbols a rule still reads: subscriptions come and go by the thousand.
        # (Every subscription is judged on ticks, so the index's groups name its symbols: no walk of every rule.)
        wanted = {s for rule in self.rules for s in rule.symbols} | set(self._subs.rules.groups) | self._watch_symbols
        for symbol in [s for s in self._history if s not in wanted]:
            del self._history[symbol]
        return self._subs

    async def _changed_index(self, index: _SubscriptionIndex, fingerprint: int) -> _SubscriptionIndex:
        """The index after people subscribed and unsubscribed: only the subscriptions that came are read, and
        only their symbols' part of the index is rebuilt (with 100,000 of them, reading and indexing them all
        again took four seconds of every poll and left as many objects for the garbage collector)."""
        ids = await self._db.run(subscriptions.active_ids)
        gone = {subscriptions.rule_id(i) for i in index.ids - ids}
        came = await self._db.run(subscriptions.active_among, sorted(ids - index.ids))
        states = await self._db.run(rule_state.load_states, [subscriptions.rule_id(s.id) for s in came], STATE_KEY)
        rule_set, routes, states = await asyncio.to_thread(_changed, index, gone, came, states)
        return _SubscriptionIndex(fingerprint, rule_set, routes, states, {s.id for s in came} | (index.ids & ids))


def _index(subs: list[subscriptions.Subscription], extra: list[Rule]) -> tuple[RuleSet, dict[str, Route]]:
    rules = [subscription_rule(s) for s in subs] + extra
    routes = {subscriptions.rule_id(s.id): Subscriber(s.guild_id, s.user_id, s.channel_id) for s in subs}
    return RuleSet(rules), routes


def _changed(index: _SubscriptionIndex, gone: set[str], came: list[subscriptions.Subscription],
             states: dict[str, dict]) -> tuple[RuleSet, dict[str, Route], dict[str, dict]]:
    """The index's rules, routes and states without the subscriptions gone and with those that came (and
    `states`, theirs): each a walk of every subscription, so on a worker thread."""
    rule_set = index.rules.changed(gone, [subscription_rule(s) for s in came])
    routes = {rule_id: route for rule_id, route in index.routes.items() if rule_id not in gone}
    routes.update((subscriptions.rule_id(s.id), Subscriber(s.guild_id, s.user_id, s.channel_id)) for s in came)
    kept = {rule_id: state for rule_id, state in index.states.items() if rule_id not in gone}
    return rule_set, routes, {**kept, **states}


def _states(db, rule_ids: list[str]) -> dict[str, dict]:
    return rule_state.load_states(db, rule_ids, STATE_KEY)


def _spread_overrides(db) -> dict[int, dict[str, float]]:
    """Each server's own spread lines, where its admins set any."""
    found: dict[int, dict[str, float]] = {}
    for key in ("upper", "lower", "hysteresis"):
        for guild in guild_settings.guilds_with(db, key):
            found.setdefault(guild, {})[key] = float(guild_settings.get(db, guild, key))
    return found


