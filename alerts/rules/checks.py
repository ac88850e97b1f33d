"""Checks on one field of a rule, shared by the rule types themselves and the rules-file loader.

A rule is checked where it is built, so a rule made in code (a subscription from a command, the defaults) is held
to the same standard as one read from a file. Each failure names the key, the value and what would be right; the
loader adds the file and the rule number.
"""

from __future__ import annotations

import math
import re

# A Yahoo-style ticker: ^RUT, AAPL, BRK-B, BRK.B, 7203.T, EURUSD=X, GC=F. Upper case only: "aapl" in a file is
# far more likely a typo for a different list than a request we should silently rewrite. No "|": it separates
# the parts of an event key.
SYMBOL = re.compile(r"\^?[A-Z0-9][A-Z0-9.\-=]{0,19}")


def is_symbol(text: str) -> bool:
    """Is `text` a ticker rotobot takes (upper case)? The one test rules, settings, commands and the CLI share."""
    return SYMBOL.fullmatch(text) is not None
_NO_VALUE = object()


class RuleError(ValueError):
    """One bad field of one rule: `key = value: reason` (or `key: reason` when the key is missing)."""

    def __init__(self, key: str, reason: str, value: object = _NO_VALUE) -> None:
        self.key, self.reason, self.value = key, reason, value
        shown = key if value is _NO_VALUE else f"{key} = {show(value)}"
        super().__init__(f"{shown}: {reason}")


def show(value: object) -> str:
    """A value as the reader wrote it: TOML's true/false, strings quoted, lists in brackets."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(show(item) for item in value) + "]"
    return repr(value)


# Past any price or percent a market has seen; beyond it a rule's number is garbage, and its exact grid
# (alerts/rules/exact.py) would overflow.
LARGEST = 1e6


def number(key: str, value: object, *, minimum: float | None = None, positive: bool = False) -> float:
    # bool is an int in Python; `upper = true` is a mistake, never the number 1.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RuleError(key, "expected a number", value)
    if not math.isfinite(value):
        raise RuleError(key, "expected a finite number", value)
    if abs(value) > LARGEST:
        raise RuleError(key, f"expected a number of at most {LARGEST:,.0f} either way", value)
    if positive and value <= 0:
        raise RuleError(key, "expected a number above 0", value)
    if minimum is not None and value < minimum:
        raise RuleError(key, f"expected a number of at least {minimum:g}", value)
    return float(value)


def whole(key: str, value: object, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleError(key, "expected a whole number", value)
    if value < minimum:
        raise RuleError(key, f"expected a whole number of at least {minimum}", value)
    return value


def symbol(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise RuleError(key, "expected a ticker string such as '^RUT' or 'AAPL'", value)
    if not SYMBOL.fullmatch(value):
        hint = f" (did you mean {value.upper()!r}?)" if SYMBOL.fullmatch(value.upper()) else ""
        raise RuleError(key, f"expected an upper-case ticker such as '^RUT', 'AAPL' or 'BRK-B'{hint}", value)
    return value


def rule_id(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or "|" in value or value != value.strip():
        raise RuleError("id", "expected a non-empty string without '|' or surrounding spaces", value)
    return value


def choice(key: str, value: object, allowed: tuple[str, ...]) -> str:
    if value not in allowed or not isinstance(value, str):
        raise RuleError(key, "expected " + " or ".join(repr(a) for a in allowed), value)
    return value


def spread_lines(upper: float, lower: float, hysteresis: float) -> tuple[str, str] | None:
    """Why a rotation spread's lines cannot work together, as (the key at fault, what it must be: "above lower
    (-5)"), or None.

    The one rule the rules themselves, the [rotation] settings, `!set` and a server's own lines all follow: the
    upper line above the lower, and the re-arm distance less than the gap between them (wider, one side's re-arm
    line would lie beyond the other side's line).
    """
    if upper <= lower:
        return "upper", f"above lower ({lower:g})"
    if hysteresis >= upper - lower:
        return "hysteresis", f"less than upper - lower ({upper - lower:g})"
    return None


def number_text(value: float) -> str:
    """A number for ids and event keys: 150 not 150.0, 150.5 as is; the same text every run."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))
