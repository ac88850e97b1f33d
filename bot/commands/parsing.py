"""Converters: what a user typed, turned into typed values or a CommandError that shows a valid example."""

from __future__ import annotations

import math
import re
from datetime import timedelta

from alerts.rules.checks import is_symbol
from bot.commands.reply import CommandError

_DURATION = re.compile(r"^(\d{1,4})\s*(m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)$")
MAX_SHOWN = 40  # what a user typed is echoed at most this long


def no_arguments(name: str, args: list[str]) -> None:
    """A command that takes nothing was given something: refuse it, naming the command."""
    if args:
        raise CommandError(f"{name} takes no arguments (got {' '.join(args)!r})")


def shown(text: str) -> str:
    """A user's input, shortened for an error message (mentions are disabled where it is rendered)."""
    text = text.replace("`", "'")
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def ticker(text: str) -> str:
    symbol = text.strip().upper()
    if not is_symbol(symbol):
        raise CommandError(f"'{shown(text)}' is not a ticker: try something like CFG, IWM, BRK-B or ^RUT")
    return symbol


def price(text: str) -> float:
    cleaned = text.strip().lstrip("$").replace(",", "")
    try:
        value = float(cleaned)
    except ValueError:
        raise CommandError(f"'{shown(text)}' is not a price: give a number such as 45.50") from None
    if not math.isfinite(value) or value <= 0:
        raise CommandError(f"'{shown(text)}' is not a usable price: it must be above zero, such as 45.50")
    return value


def percent(text: str, *, most: float = 50.0) -> float:
    cleaned = text.strip().rstrip("%")
    try:
        value = float(cleaned)
    except ValueError:
        raise CommandError(f"'{shown(text)}' is not a percentage: give one such as 3%") from None
    if not math.isfinite(value) or value <= 0 or value > most:
        raise CommandError(f"'{shown(text)}' is out of range: give a percentage above 0 and at most {most:g}, such as 3%")
    return value


def number(text: str, what: str, low: float, high: float) -> float:
    try:
        value = float(text.strip().rstrip("%"))
    except ValueError:
        raise CommandError(f"'{shown(text)}' is not a number: {what} takes one such as {low + (high - low) / 4:g}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise CommandError(f"{what} must be from {low:g} to {high:g}, not {shown(text)}")
    return value


def duration(text: str) -> timedelta:
    found = _DURATION.match(text.strip().lower())
    if not found:
        raise CommandError(f"'{shown(text)}' is not a duration: try 30m, 2h or 1d")
    amount, unit = int(found[1]), found[2][0]
    delta = {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]
    if not timedelta(minutes=1) <= delta <= timedelta(days=30):
        raise CommandError("a mute lasts from 1 minute to 30 days: try 30m, 2h or 1d")
    return delta


def channel_id(text: str) -> int:
    found = re.fullmatch(r"<#(\d{5,25})>|(\d{5,25})", text.strip())
    if not found:
        raise CommandError(f"'{shown(text)}' is not a channel: mention it like #alerts, or give its id")
    return int(found[1] or found[2])


def role_id(text: str) -> int:
    found = re.fullmatch(r"<@&(\d{5,25})>|(\d{5,25})", text.strip())
    if not found:
        raise CommandError(f"'{shown(text)}' is not a role: mention it like @traders, or give its id")
    return int(found[1] or found[2])
