"""The daily-close trend rules: a value crossing its moving average (`ma_cross`), a change over N sessions
(`move_over`). Frozen values checked where they are built, like the rules of model.py (which lists them in
Rule and RULE_TYPES); their lines are read to the grid of exact.py once, here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from alerts.rules import checks, exact
from alerts.rules.checks import RuleError, number_text

MAX_WINDOW = 2520  # ten trading years: a longer average or look-back is a typo, not a trend


def _set(rule: object, name: str, value: object) -> None:
    object.__setattr__(rule, name, value)  # normalising a frozen value while it is being built


def _worked_out():
    return field(init=False, repr=False, compare=False)


def legs(key: str, value: object) -> tuple[str, ...]:
    """A symbol ("^RUT") or a ratio of two ("^RUT/^NDX") as its one or two tickers, checked."""
    if not isinstance(value, str):
        raise RuleError(key, "expected a ticker such as '^RUT', or a ratio of two such as '^RUT/^NDX'", value)
    parts = tuple(value.split("/"))
    if len(parts) > 2:
        raise RuleError(key, "expected one ticker or a ratio of two, such as '^RUT/^NDX'", value)
    for part in parts:
        try:
            checks.symbol(key, part)
        except RuleError as error:
            raise RuleError(key, error.reason + (" on each side of '/'" if len(parts) == 2 else ""), value) from None
    if len(parts) == 2 and parts[0] == parts[1]:
        raise RuleError(key, "expected a ratio of two different tickers", value)
    return parts


@dataclass(frozen=True, slots=True)
class MaCross:
    """A symbol's close, or a ratio of two closes, crossing its `window`-session simple moving average, with a
    hysteresis `band` (percent of the average)."""

    kind: ClassVar[str] = "ma_cross"
    id: str
    symbol: str  # "^RUT", or "^RUT/^NDX" for the ratio
    window: int
    band: float = 0.0
    band_units: int = _worked_out()  # pct units (exact.py)

    def __post_init__(self) -> None:
        checks.rule_id(self.id)
        legs("symbol", self.symbol)
        checks.whole("window", self.window, minimum=2)
        if self.window > MAX_WINDOW:
            raise RuleError("window", f"expected a whole number of at most {MAX_WINDOW} sessions", self.window)
        band = checks.number("band", self.band, minimum=0)
        if band >= 100:  # the edge under the average would be at or below zero: the value could never cross down
            raise RuleError("band", "expected a percent under 100", self.band)
        _set(self, "band", band)
        _set(self, "band_units", exact.pct_units(self.band))

    @property
    def natural_id(self) -> str:
        return f"ma_cross:{self.symbol}:{self.window}:{number_text(self.band)}"

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self.symbol.split("/"))


@dataclass(frozen=True, slots=True)
class MoveOver:
    """A symbol's change over `sessions` stored sessions reaching +`pct` or -`pct` percent."""

    kind: ClassVar[str] = "move_over"
    id: str
    symbol: str
    sessions: int
    pct: float
    pct_units: int = _worked_out()

    def __post_init__(self) -> None:
        checks.rule_id(self.id)
        checks.symbol("symbol", self.symbol)
        checks.whole("sessions", self.sessions, minimum=1)
        if self.sessions > MAX_WINDOW:
            raise RuleError("sessions", f"expected a whole number of at most {MAX_WINDOW}", self.sessions)
        _set(self, "pct", checks.number("pct", self.pct, positive=True))
        _set(self, "pct_units", exact.pct_units(self.pct))
        if self.pct_units < 1:
            raise RuleError("pct", f"expected a percent of at least {1 / exact.PCT_UNIT:g}", self.pct)

    @property
    def natural_id(self) -> str:
        return f"move_over:{self.symbol}:{self.sessions}:{number_text(self.pct)}"

    @property
    def symbols(self) -> tuple[str, ...]:
        return (self.symbol,)
