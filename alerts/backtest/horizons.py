"""How far ahead a backtest looks: horizons in sessions, read from text such as "5,20,60" and checked.

One reader for every place a person types horizons (the command line now, a command later), so each is refused
the same way: what was wrong, and a valid example.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from alerts.rules.kinds import MAX_WINDOW

DEFAULT_HORIZONS = (5, 20, 60)
MAX_HORIZON = MAX_WINDOW  # ten trading years: a longer look ahead is a typo, and no history would answer it
MAX_COUNT = 12  # one table row per horizon and direction: more than a dozen is no longer readable
EXAMPLE = "such as 5,20,60"
_WHOLE = re.compile(r"[0-9]+")  # ASCII digits only: int() would also take "٥" or "+5" or "1_000"


class HorizonError(ValueError):
    """Horizons that cannot be used; the message says what was wrong and gives a valid example."""


def parse_horizons(text: str) -> tuple[int, ...]:
    """"5,20,60" -> (5, 20, 60): whole numbers of sessions, 1 to MAX_HORIZON, each once, smallest first."""
    if not text.strip():
        raise HorizonError(f"no horizons given: expected whole numbers of sessions separated by commas, {EXAMPLE}")
    values = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            raise HorizonError(f"an empty horizon between commas: expected whole numbers separated by single "
                               f"commas, {EXAMPLE}")
        if not _WHOLE.fullmatch(item):
            raise HorizonError(f"{item!r} is not a whole number of sessions: expected {EXAMPLE}")
        values.append(int(item))
    return check_horizons(values)


def check_horizons(values: Iterable[int]) -> tuple[int, ...]:
    """The horizons sorted, after the checks parse_horizons makes; for horizons given in code, too."""
    values = list(values)
    if not values:
        raise HorizonError(f"no horizons given: expected at least one, {EXAMPLE}")
    seen: set[int] = set()
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int):
            raise HorizonError(f"{value!r} is not a whole number of sessions: expected {EXAMPLE}")
        if not 1 <= value <= MAX_HORIZON:
            raise HorizonError(f"{value} is not a horizon: expected whole numbers of sessions from 1 to "
                               f"{MAX_HORIZON}, {EXAMPLE}")
        if value in seen:
            raise HorizonError(f"{value} is given twice: give each horizon once, {EXAMPLE}")
        seen.add(value)
    if len(values) > MAX_COUNT:
        raise HorizonError(f"{len(values)} horizons: expected at most {MAX_COUNT}, {EXAMPLE}")
    return tuple(sorted(values))
