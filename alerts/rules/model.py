"""Rules as data, and what the engine reads (stored sessions, intraday ticks) and writes (signals).

Every rule is a frozen value with a stable `id`: the engine keys its state and its signals by it, so renaming a rule
is the one thing that makes it forget. Fields are checked where the rule is built (see checks.py), so a rule from
code and a rule from a file are held to the same standard.

A rule with a line also carries it read to the grid of exact.py (`line_units`, `edges` and the like): worked out
once when the rule is built, not once per rule per poll, and never part of its equality, repr or constructor.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar, Union

from alerts.rules import checks, exact, lines
from alerts.rules.checks import RuleError, number_text
from alerts.rules.kinds import MaCross, MoveOver

log = logging.getLogger(__name__)


def _set(rule: object, name: str, value: object) -> None:
    object.__setattr__(rule, name, value)  # normalising a frozen value while it is being built


def _worked_out():
    """A field __post_init__ works out from the others: not an argument, not compared, not shown."""
    return field(init=False, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class NewHigh:
    """The symbol beats its record: every earlier stored close ("close"), or every earlier high ("intraday")."""

    kind: ClassVar[str] = "new_high"
    id: str
    symbol: str
    basis: str = "close"

    def __post_init__(self) -> None:
        checks.rule_id(self.id)
        checks.symbol("symbol", self.symbol)
        checks.choice("basis", self.basis, ("close", "intraday"))

    @property
    def natural_id(self) -> str:
        return f"new_high:{self.symbol}:{self.basis}"

    @property
    def symbols(self) -> tuple[str, ...]:
        return (self.symbol,)


@dataclass(frozen=True, slots=True)
class RotationSpread:
    """small/large against itself `window` joint sessions ago, in percent, crossing `upper` or `lower`."""

    kind: ClassVar[str] = "rotation_spread"
    id: str
    small: str
    large: str
    window: int = 20
    upper: float = 5.0
    lower: float = -5.0
    hysteresis: float = 1.0
    upper_units: int = _worked_out()  # pct units (exact.py), as the two below
    lower_units: int = _worked_out()
    hysteresis_units: int = _worked_out()

    def __post_init__(self) -> None:
        checks.rule_id(self.id)
        checks.symbol("small", self.small)
        checks.symbol("large", self.large)
        if self.large == self.small:
            raise RuleError("large", "must differ from small", self.large)
        checks.whole("window", self.window, minimum=1)
        _set(self, "upper", checks.number("upper", self.upper))
        _set(self, "lower", checks.number("lower", self.lower))
        _set(self, "hysteresis", checks.number("hysteresis", self.hysteresis, minimum=0))
        problem = checks.spread_lines(self.upper, self.lower, self.hysteresis)
        if problem:
            key, expected = problem
            raise RuleError(key, f"must be {expected}", getattr(self, key))
        _set(self, "upper_units", exact.pct_units(self.upper))
        _set(self, "lower_units", exact.pct_units(self.lower))
        _set(self, "hysteresis_units", exact.pct_units(self.hysteresis))

    @property
    def pair(self) -> str:
        return f"{self.small}/{self.large}"

    @property
    def natural_id(self) -> str:
        return f"rotation_spread:{self.pair}:{self.window}"

    @property
    def symbols(self) -> tuple[str, ...]:
        return (self.small, self.large)


@dataclass(frozen=True, slots=True)
class Above:
    """The price crosses up through `price`."""

    kind: ClassVar[str] = "above"
    id: str
    symbol: str
    price: float
    cooldown_seconds: float = 0
    edges: lines.Edges = _worked_out()  # the line read to the grid, for lines.step

    def __post_init__(self) -> None:
        _check_line(self)

    @property
    def natural_id(self) -> str:
        return f"{self.kind}:{self.symbol}:{number_text(self.price)}"

    @property
    def symbols(self) -> tuple[str, ...]:
        return (self.symbol,)


@dataclass(frozen=True, slots=True)
class Below:
    """The price crosses down through `price`."""

    kind: ClassVar[str] = "below"
    id: str
    symbol: str
    price: float
    cooldown_seconds: float = 0
    edges: lines.Edges = _worked_out()  # the line read to the grid, for lines.step

    def __post_init__(self) -> None:
        _check_line(self)

    natural_id = Above.natural_id
    symbols = Above.symbols


def _check_line(rule: Above | Below) -> None:
    checks.rule_id(rule.id)
    checks.symbol("symbol", rule.symbol)
    _set(rule, "price", checks.number("price", rule.price, positive=True))
    _set(rule, "cooldown_seconds", checks.number("cooldown_seconds", rule.cooldown_seconds, minimum=0))
    line = exact.price_units(rule.price)
    if line < 1:
        raise RuleError("price", f"expected a price of at least {1 / exact.PRICE_UNIT:g}", rule.price)
    _set(rule, "edges", lines.edges(line, rises=rule.kind == "above"))


@dataclass(frozen=True, slots=True)
class Move:
    """The day's change against the previous close reaches ±`pct` percent."""

    kind: ClassVar[str] = "move"
    id: str
    symbol: str
    pct: float
    cooldown_seconds: float = 0
    line_units: int = _worked_out()  # pct units (exact.py)

    def __post_init__(self) -> None:
        checks.rule_id(self.id)
        checks.symbol("symbol", self.symbol)
        _set(self, "pct", checks.number("pct", self.pct, positive=True))
        _set(self, "cooldown_seconds", checks.number("cooldown_seconds", self.cooldown_seconds, minimum=0))
        _set(self, "line_units", exact.pct_units(self.pct))
        if self.line_units < 1:
            raise RuleError("pct", f"expected a percent of at least {1 / exact.PCT_UNIT:g}", self.pct)

    @property
    def natural_id(self) -> str:
        return f"move:{self.symbol}:{number_text(self.pct)}"

    symbols = Above.symbols


@dataclass(frozen=True, slots=True)
class High52w:
    """The price is above the highest close of the previous 252 stored sessions."""

    kind: ClassVar[str] = "high_52w"
    id: str
    symbol: str

    def __post_init__(self) -> None:
        checks.rule_id(self.id)
        checks.symbol("symbol", self.symbol)

    @property
    def natural_id(self) -> str:
        return f"{self.kind}:{self.symbol}"

    symbols = Above.symbols


@dataclass(frozen=True, slots=True)
class Low52w:
    """The price is below the lowest close of the previous 252 stored sessions."""

    kind: ClassVar[str] = "low_52w"
    id: str
    symbol: str

    __post_init__ = High52w.__post_init__
    natural_id = High52w.natural_id
    symbols = Above.symbols


Rule = Union[NewHigh, RotationSpread, MaCross, MoveOver, Above, Below, Move, High52w, Low52w]
RULE_TYPES: dict[str, type] = {cls.kind: cls for cls in (NewHigh, RotationSpread, MaCross, MoveOver, Above, Below, Move,
                                                         High52w, Low52w)}
CLOSE_KINDS = ("new_high", "rotation_spread", "ma_cross", "move_over")  # judged on closes (new_high: by close basis)


@dataclass(frozen=True, slots=True)
class Point:
    """One stored session of one symbol."""

    date: date
    close: float
    high: float | None = None
    low: float | None = None


History = Mapping[str, Sequence[Point]]  # symbol -> points sorted by date, everything known


@dataclass(frozen=True, slots=True)
class Tick:
    """An intraday quote."""

    symbol: str
    price: float
    at: datetime  # aware
    session: date  # the exchange-local session date it belongs to
    previous_close: float | None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError(f"Tick.at must be aware: a naive {self.at} has no place on the session's clock")
        # A NaN would compare false with every line and slip through as "no change"; refuse it here, once.
        if not 0 < self.price < math.inf:
            raise ValueError(f"Tick.price must be a positive finite number, not {self.price!r}")


@dataclass(frozen=True)
class Signal:
    """What a rule says happened (a record close, a line crossed), before the engine makes it an Alert for a reader;
    not itself a message. `key` is the same for the same rule, symbol and trigger, on every run."""

    key: str
    rule_id: str
    kind: str
    symbol: str  # "^RUT"; for rotation_spread "^RUT/^NDX"
    trigger: str  # session date, plus for tick-style signals what was crossed; never a wall-clock instant
    direction: str | None  # small/large, above/below, up/down, high/low
    value: float  # the close, price, or percent metric (spread, day's move)
    threshold: float | None  # the crossed line; for new_high the previous record
    message: str
    occurred_at: datetime
    details: dict = field(default_factory=dict, hash=False)  # JSON-able extras


def own_spread_rule(rule: RotationSpread, guild_id: int, values: dict[str, float]) -> RotationSpread | None:
    """A server's own version of a spread rule, with the lines it set (!set upper/lower/hysteresis); None, and a
    warning, when they no longer fit together with the rule's own (the operator changed [rotation] since): the
    server then hears the shared rule, as if it had set nothing."""
    chosen = {name: values.get(name, getattr(rule, name)) for name in ("upper", "lower", "hysteresis")}
    problem = checks.spread_lines(**chosen)
    if problem:
        log.warning("Ignoring server %s's own spread lines (%s): %s must be %s; it hears the shared rule", guild_id,
                    ", ".join(f"{k} {v:g}" for k, v in chosen.items()), *problem)
        return None
    return dataclasses.replace(rule, id=f"{rule.id}@{guild_id}", **chosen)
