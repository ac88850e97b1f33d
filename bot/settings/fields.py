"""How a setting is declared (default, help, check) and how a raw TOML or environment value becomes its type.

The sections declare their fields with `setting` and `secret`; the loader hands each raw value to `convert`, which
parses it by the field's type hint and then runs the field's own check, so every bad value fails the same way.
"""

from __future__ import annotations

import math
import typing
from collections.abc import Callable
from dataclasses import field
from pathlib import Path


class SettingsError(Exception):
    """A setting that cannot be used. `str(error)` is one line fit to show the operator."""


Check = Callable[[typing.Any], str | None]  # returns what was expected, or None when the value is fine


def setting(default, help: str, check: Check | None = None):
    return field(default=default, metadata={"help": help, "check": check})


def secret(env: str, help: str):
    return field(default=None, metadata={"help": help, "secret_env": env})


# --- parsing values -------------------------------------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, expected: str) -> None:
        self.expected = expected


def _as_int(raw, from_env: bool) -> int:
    if from_env:
        try:
            return int(raw.strip())
        except ValueError:
            raise _Bad("a whole number") from None
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise _Bad("a whole number")
    return raw


def _as_float(raw, from_env: bool) -> float:
    if from_env:
        try:
            value = float(raw.strip())
        except ValueError:
            raise _Bad("a number such as 5.0") from None
    elif isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise _Bad("a number such as 5.0")
    else:
        try:
            value = float(raw)
        except OverflowError:
            raise _Bad("a number of sensible size") from None
    if not math.isfinite(value):
        raise _Bad("a finite number")
    return value


def _as_bool(raw, from_env: bool) -> bool:
    if from_env:
        text = raw.strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise _Bad("true or false")
    if not isinstance(raw, bool):
        raise _Bad("true or false (without quotes)")
    return raw


def _as_str(raw, from_env: bool) -> str:
    if not isinstance(raw, str):
        raise _Bad("a string in quotes")
    value = raw.strip()
    if not value:
        raise _Bad("a non-empty string")
    return value


def _as_path(raw, from_env: bool) -> Path:
    return Path(_as_str(raw, from_env)).expanduser()


def _as_list(item: Callable, what: str) -> Callable:
    def parse(raw, from_env: bool) -> tuple:
        if from_env:
            raw = [part for part in raw.split(",") if part.strip()]
        if not isinstance(raw, list):
            raise _Bad(f"a list of {what}")
        return tuple(item(x, from_env) for x in raw)

    return parse


def _symbol_item(raw, from_env: bool) -> str:
    return _as_str(raw, from_env).upper()


_PARSERS: dict[object, Callable] = {
    bool: _as_bool,
    int: _as_int,
    float: _as_float,
    str: _as_str,
    Path: _as_path,
    Path | None: _as_path,
    tuple[str, ...]: _as_list(_symbol_item, "symbols such as [\"^RUT\", \"IWM\"]"),
    tuple[float, ...]: _as_list(_as_float, "numbers such as [24, 1]"),
}


def shown(raw) -> str:
    """A raw value as an error message quotes it: its repr, cut to 60 characters."""
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."


def convert(dotted: str, value, from_env: bool, origin: str, hint, check: Check | None):
    """The raw `value` of setting `dotted` parsed by its type `hint` and checked; SettingsError names what is wrong."""
    try:
        parsed = _PARSERS[hint](value, from_env)
    except _Bad as bad:
        raise SettingsError(f"Bad setting {dotted} = {shown(value)} (from {origin}): expected {bad.expected}") from None
    expected = check(parsed) if check else None
    if expected:
        raise SettingsError(f"Bad setting {dotted} = {shown(value)} (from {origin}): expected {expected}")
    return parsed
