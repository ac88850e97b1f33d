"""Projections as rotobot stores them, and back: every figure parse_projections read, not only the funds rate.

`to_full_json` writes a Projections as a JSON-ready dict (with a `format` number); `from_json` reads one back into
an equal Projections, or raises ValueError naming what is damaged. Everything is kept in lists, in the page's
order, so that no year turns into a string key and no dot level into a rounded one on the way.

This is the storage form (the `fomc_projections` table). The smaller shape that `rotobot fomc --json` prints, the
funds-rate path alone, is alerts.fomc.projections.to_json.
"""

from __future__ import annotations

import math
from datetime import date

from alerts.fomc.projections import LONGER_RUN, Projections, Row
from alerts.fomc.sep_tables import Horizon

FORMAT = 1  # bump only when the shape below changes; from_json then reads every format it knows


def to_full_json(projections: Projections) -> dict:
    return {
        "format": FORMAT,
        "meeting": projections.meeting.isoformat(),
        "previous_round": projections.previous_round,
        "horizons": list(projections.horizons),
        "participants": projections.participants,
        "variables": [
            [name, [[horizon, row.median, list(row.central_tendency), list(row.range), row.previous_median]
                    for horizon, row in rows.items()]]
            for name, rows in projections.variables.items()
        ],
        "dots": [[horizon, [[level, count] for level, count in levels.items()]]
                 for horizon, levels in projections.dots.items()],
    }


def from_json(document: object) -> Projections:
    """The Projections `to_full_json` wrote. Raises ValueError, naming the part, for anything else."""
    if not isinstance(document, dict):
        raise ValueError(f"stored projections are {type(document).__name__}, not a JSON object")
    if document.get("format") != FORMAT:
        raise ValueError(f"stored projections have format {document.get('format')!r}; this rotobot reads {FORMAT}")
    try:
        meeting = date.fromisoformat(_text(document["meeting"], "meeting"))
        horizons = tuple(_horizon(h) for h in _list(document["horizons"], "horizons"))
        variables = {
            _text(name, "variable name"): {
                _horizon(horizon): Row(
                    median=_number(median, f"{name} median"),
                    central_tendency=_pair(central, f"{name} central tendency"),
                    range=_pair(spread, f"{name} range"),
                    previous_median=None if before is None else _number(before, f"{name} previous median"),
                )
                for horizon, median, central, spread, before in _list(rows, f"{name} rows")
            }
            for name, rows in _list(document["variables"], "variables")
        }
        dots = {
            _horizon(horizon): {_number(level, "dot level"): _count(count) for level, count in _list(levels, "dots")}
            for horizon, levels in _list(document["dots"], "dots")
        }
        return Projections(
            meeting=meeting, previous_round=_text(document["previous_round"], "previous round"), horizons=horizons,
            variables=variables, dots=dots, participants=_count(document["participants"]),
        )
    except KeyError as exc:
        raise ValueError(f"stored projections lack {exc}") from None
    except TypeError as exc:  # a row of the wrong length or shape
        raise ValueError(f"stored projections are damaged ({exc})") from None


def _list(value: object, what: str) -> list:
    if not isinstance(value, list):
        raise ValueError(f"stored projections: {what} is {value!r}, not a list")
    return value


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"stored projections: {what} is {value!r}, not text")
    return value


def _horizon(value: object) -> Horizon:
    if value == LONGER_RUN or (isinstance(value, int) and not isinstance(value, bool) and 1900 <= value < 2200):
        return value
    raise ValueError(f"stored projections: {value!r} is neither a year nor {LONGER_RUN!r}")


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"stored projections: {what} is {value!r}, not a number")
    return float(value)


def _pair(value: object, what: str) -> tuple[float, float]:
    low, high = _list(value, what)
    return _number(low, what), _number(high, what)


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"stored projections: {value!r} is not a count of participants")
    return value
