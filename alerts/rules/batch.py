"""One poll over many subscriptions: the same apply() as evaluate_tick, skipping only what cannot change.

A poll brings one tick per symbol and may have 100,000 subscriptions to judge. Calling apply() for each would
build a state dict per subscription to find that almost none changed. What is the same for every rule of a
symbol is worked out once per symbol instead, and only the rules that can change go through apply():

- 52-week high/low and intraday record: whether the tick beats the extreme is one answer per symbol; when it
  does not, no rule of that kind can change, whatever its state.
- move: today's change is one integer per symbol (ticks.day_change); only rules whose line is at or under its size
  can fire.
- above/below: lines.step says, for each stretch of a symbol's lines sorted by their edges, whether the price
  changes an armed line there, a disarmed one, or neither; each rule's `armed` flag is the only per-rule work.
  (A plain list asks lines.step once per line.)

Each skip is decided by the very function apply() decides with, on the same integers (exact.py), so a rule
skipped here is one apply() would have left alone.

Two ways through: `evaluate_in_order` for a plain list (one pass, nothing built per rule), and `evaluate` for a
RuleSet, an index by symbol and kind built once when the rules change, which lets a poll skip whole groups
without visiting their rules. Whatever passes goes through the very apply() evaluate_tick uses; tests hold all
three equal.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Iterable, Mapping, Sequence

from alerts.rules import lines
from alerts.rules.model import Above, Below, High52w, History, Low52w, Move, NewHigh, Rule, Signal, Tick
from alerts.rules.ticks import SymbolView, _line, _move, _record_high, _year_high, _year_low, day_change


class _Group:
    """One symbol's tick-judged rules by kind, each with its position in the RuleSet (signals keep that order)."""

    __slots__ = ("above", "below", "moves", "pcts", "high", "low", "record")

    def __init__(self, lists: tuple[list, ...]) -> None:
        above, below, moves, self.high, self.low, self.record = lists
        self.above, self.below = lines.Lines(above), lines.Lines(below)
        self.moves = sorted(moves, key=lambda item: item[1].line_units)
        self.pcts = [rule.line_units for _, rule in self.moves]


# Each kind judged on ticks, as an index: into a group's lists, and into the apply functions.
_ABOVE, _BELOW, _MOVE, _HIGH, _LOW, _RECORD = range(6)
_KIND = {Above: _ABOVE, Below: _BELOW, Move: _MOVE, High52w: _HIGH, Low52w: _LOW, NewHigh: _RECORD}
_APPLY_BY_KIND = (_line, _line, _move, _year_high, _year_low, _record_high)
_SIDE = {_HIGH: "high", _LOW: "low", _RECORD: "record"}


class RuleSet(Sequence):
    """Rules, in order, with the index a poll needs: build it once when the rules change, poll with it often.
    Two rules with the same id are refused: they would share one state.

    Each rule has a position that orders its signals (rule order); `changed` keeps the positions of the rules it
    keeps and gives added rules larger ones, so positions stay in rule order without being indexes."""

    __slots__ = ("_rules", "_positions", "groups")

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._rules = tuple(rules)
        if len({rule.id for rule in self._rules}) != len(self._rules):
            raise ValueError("two rules share an id: they would share one state")
        self._positions = range(len(self._rules))
        self.groups = _groups(enumerate(self._rules))

    def changed(self, removed: Collection[str], added: Sequence[Rule]) -> RuleSet:
        """These rules without those whose ids are in `removed`, and `added` after them: polls exactly as
        RuleSet(those rules) does, but rebuilds only the groups of the symbols concerned. A few people
        subscribing and unsubscribing among 100,000 cost their symbols' groups, not a new index."""
        removed = set(removed)
        kept = [(position, rule) for position, rule in zip(self._positions, self._rules) if rule.id not in removed]
        ids = {rule.id for _, rule in kept}
        if len(ids | {rule.id for rule in added}) != len(ids) + len(added):
            raise ValueError("two rules share an id: they would share one state")
        start = self._positions[-1] + 1 if self._rules else 0
        fresh = list(zip(range(start, start + len(added)), added))
        touched = {s for _, rule in [*fresh, *((p, r) for p, r in zip(self._positions, self._rules)
                                                if r.id in removed)] for s in rule.symbols}
        rebuilt = _groups([(p, r) for p, r in kept if r.symbols[0] in touched] + fresh)
        result = RuleSet.__new__(RuleSet)
        result._rules = tuple(rule for _, rule in kept) + tuple(added)
        result._positions = tuple(position for position, _ in kept) + tuple(position for position, _ in fresh)
        result.groups = {**{s: g for s, g in self.groups.items() if s not in touched}, **rebuilt}
        return result

    def __getitem__(self, index):
        return self._rules[index]

    def __len__(self) -> int:
        return len(self._rules)


def _groups(rules: Iterable[tuple[int, Rule]]) -> dict[str, _Group]:
    """(position, rule) pairs indexed by symbol and kind; rules judged on closes only are left out."""
    lists: dict[str, tuple[list, ...]] = {}
    kind_of = _KIND.get
    for position, rule in rules:
        kind = kind_of(rule.__class__)
        if kind is None or (kind == _RECORD and rule.basis != "intraday"):
            continue  # judged on closes, or not by this engine
        found = lists.get(rule.symbol)
        if found is None:
            found = lists[rule.symbol] = ([], [], [], [], [], [])
        found[kind].append((position, rule))
    return {symbol: _Group(found) for symbol, found in lists.items()}


def evaluate(rules: RuleSet, states: Mapping[str, dict], ticks: Mapping[str, Tick],
             history: History) -> tuple[dict[str, dict], list[Signal]]:
    """A poll through the index; signals come back in rule order, as from evaluate_in_order."""
    changed: dict[str, dict] = {}
    found: list[tuple[int, Signal]] = []
    state_of = states.get

    def run(position: int, rule: Rule, apply, tick: Tick, view: SymbolView) -> None:
        state = state_of(rule.id)
        new, fired = apply(rule, state, tick, view, False)
        if new != (state or {}):  # a missing state is the empty state: {} for None is no change
            changed[rule.id] = new
        found.extend((position, signal) for signal in fired)

    for symbol, group in rules.groups.items():
        tick = ticks.get(symbol)
        if tick is None:
            continue
        view = SymbolView(history.get(symbol, ()), tick.session)
        price = tick.price
        for group_lines in (group.above, group.below):
            items = group_lines.items
            if not items:
                continue
            for start, end, answers in group_lines.stretches(price):
                if start == end:
                    continue
                armed_change, disarmed_change = answers
                for position, rule_id, rule in items[start:end]:
                    state = state_of(rule_id)
                    armed = state.get("armed") if state else None
                    if armed is None or (armed_change if armed else disarmed_change):
                        run(position, rule, _line, tick, view)
        if group.moves:
            change = day_change(tick)
            if change is not None:
                for position, rule in group.moves[: bisect_right(group.pcts, abs(change))]:
                    run(position, rule, _move, tick, view)
        for rules_of_kind, side, apply in ((group.high, "high", _year_high), (group.low, "low", _year_low),
                                           (group.record, "record", _record_high)):
            if rules_of_kind and view.beyond(side, price):
                for position, rule in rules_of_kind:
                    run(position, rule, apply, tick, view)
    found.sort(key=lambda item: item[0])
    return changed, [signal for _, signal in found]


def evaluate_in_order(rules: Sequence[Rule], states: Mapping[str, dict], ticks: Mapping[str, Tick],
                      history: History) -> tuple[dict[str, dict], list[Signal]]:
    """The same poll over a plain list, in one pass and without grouping: nothing is built per rule, so a list
    made fresh for each poll (as subscriptions loaded from the database are) costs no index first.

    What is the same for every rule of a symbol (its tick, the day's move, whether the tick beats the 52-week
    extremes or the record) is worked out once per symbol, the first time a rule asks.
    """
    changed: dict[str, dict] = {}
    signals: list[Signal] = []
    symbols: dict[str, _Symbol | None] = {}
    state_of, kind_of = states.get, _KIND.get
    for rule in rules:
        kind = kind_of(rule.__class__)
        if kind is None or (kind == _RECORD and rule.basis != "intraday"):
            continue  # judged on closes, or not by this engine
        symbol = symbols.get(rule.symbol, _UNSEEN)
        if symbol is _UNSEEN:
            tick = ticks.get(rule.symbol)
            symbol = symbols[rule.symbol] = None if tick is None else _Symbol(tick, history.get(rule.symbol, ()))
        if symbol is None:
            continue  # no tick for this symbol in this poll
        if kind <= _BELOW:
            state = state_of(rule.id)
            if lines.step(rule.edges, state.get("armed") if state else None, symbol.price) is None:
                continue
        elif kind == _MOVE:
            if symbol.change is None or abs(symbol.change) < rule.line_units:
                continue
        else:
            beyond = symbol.beyond[kind - _HIGH]
            if beyond is None:
                beyond = symbol.beyond[kind - _HIGH] = symbol.view.beyond(_SIDE[kind], symbol.price)
            if not beyond:
                continue
        state = state_of(rule.id)
        new, fired = _APPLY_BY_KIND[kind](rule, state, symbol.tick, symbol.view, False)
        if new != (state or {}):  # a missing state is the empty state: {} for None is no change
            changed[rule.id] = new
        signals.extend(fired)
    return changed, signals


_UNSEEN = object()


class _Symbol:
    """One symbol's tick and what every rule of it shares in this poll."""

    __slots__ = ("tick", "price", "change", "view", "beyond")

    def __init__(self, tick: Tick, points) -> None:
        self.tick, self.price, self.change = tick, tick.price, day_change(tick)
        self.view = SymbolView(points, tick.session)
        self.beyond: list[bool | None] = [None, None, None]  # high, low, record: asked at most once each
