"""What the forward moves of a rule's signals add up to, beside what any session of the same range did.

A hit is a signal whose call came true over the horizon:
- two legs: "small" (into the first leg) hits when the spread is > 0, "large" when it is < 0. A ratio's moving-
  average cross ("^RUT/^NDX") is the same question asked of the same two legs, so "above" (the ratio rising
  through its average: the first leg, the numerator, taking the lead) is judged as "small", and "below" as
  "large";
- one symbol: a hit is a change > 0, whatever the direction (a record, an up move, a cross above or below): the
  hit rate of a "down" or "below" signal is then how often the symbol rose after it, to be read against the
  baseline's.

The baseline is every session of the rule's series from the range's first to its last whose t+h is stored:
its count, its hit rate judged as the direction's (spread > 0 for "small", < 0 for "large", change > 0), its
median move. Rates are fractions 0-1; moves are percent (points for a spread, and the series' own points for a
one-symbol series with a value at or under zero: forward.py's `in_points`, which `points` says). A summary with
no measured signal has count 0 and None for its rate and moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from alerts.backtest.forward import in_range
from alerts.rules.model import RotationSpread, Rule
from alerts.track_record import fold

if TYPE_CHECKING:
    from alerts.backtest.measure import Backtest

# Every direction each kind of rule can give a signal in (None: a record has none), so that a direction that never
# fired in the range still has its line, with count 0. tests/rules/test_backtest.py holds it to RULE_TYPES.
DIRECTIONS: dict[str, tuple[str | None, ...]] = {
    "rotation_spread": ("small", "large"), "ma_cross": ("above", "below"), "move_over": ("up", "down"),
    "move": ("up", "down"), "new_high": (None,), "above": ("above",), "below": ("below",), "high_52w": ("high",),
    "low_52w": ("low",),
}
LEADS = {"small": 1, "above": 1, "large": -1, "below": -1}  # two legs: the sign of the spread a hit has


@dataclass(frozen=True, slots=True)
class Summary:
    """One rule, direction and horizon: its signals' moves and the baseline's."""

    rule: str  # the rule's id
    symbol: str  # its symbol, or its pair "^RUT/^NDX"
    direction: str | None
    horizon: int
    count: int  # signals measured (t+h stored)
    hits: int
    hit_rate: float | None
    median: float | None
    mean: float | None
    min: float | None
    max: float | None
    baseline_count: int
    baseline_hit_rate: float | None
    baseline_median: float | None
    points: bool = False  # one symbol measured in its own points (X[t+h] - X[t]), not percent: forward.in_points

    def as_json(self) -> dict:
        """The summary line of `rotobot backtest --json`."""
        keys = ("rule", "symbol", "direction", "horizon", "count", "hit_rate", "median", "mean", "min", "max",
                "baseline_count", "baseline_hit_rate", "baseline_median")
        return {"type": "summary", **{key: getattr(self, key) for key in keys}}


@dataclass(frozen=True, slots=True)
class Record:
    """A rule's record in one direction at one horizon, for one line in an alert: "the last 12 crossings into
    small caps: small caps led over the next 20 sessions 8 times, median +2.1 pts; any session: 52%"."""

    count: int
    hits: int
    median: float | None
    baseline_hit_rate: float | None


def directions_of(rule: Rule) -> tuple[str | None, ...]:
    return DIRECTIONS.get(rule.kind, ())


def leads(rule: Rule, directions: pd.Series) -> np.ndarray | int:
    """The sign a hit's move has, per signal: +1 for a one-symbol rule; for two legs by direction (LEADS)."""
    if len(rule.symbols) == 1:
        return 1
    signs = directions.map(LEADS)
    if signs.isna().any():
        raise ValueError(f"rule {rule.id!r}: a two-leg signal's direction must be one of {', '.join(LEADS)}")
    return signs.to_numpy()


def baselines(ahead: dict[int, pd.DataFrame], start: date, end: date) -> dict[int, dict]:
    """Per horizon, over every session of the range whose t+h is stored: count, median, and the share of moves
    above and below zero."""
    found = {}
    for horizon, table in ahead.items():
        move = in_range(table, start, end)["move"].dropna()
        count = len(move)
        found[horizon] = {"count": count, "median": _number(move.median()) if count else None,
                          "up": float((move > 0).mean()) if count else None,
                          "down": float((move < 0).mean()) if count else None}
    return found


def summarise(rules: Sequence[Rule], moves: pd.DataFrame, base: dict[str, dict[int, dict]],
              horizons: tuple[int, ...], points: dict[str, bool]) -> list[Summary]:
    measured = moves[moves["move"].notna()]
    groups = measured.groupby(["rule", "direction", "horizon"], sort=False)
    stats = groups["move"].agg(["size", "median", "mean", "min", "max"]).assign(hits=groups["hit"].sum())
    found = stats.to_dict("index")  # (rule, direction, horizon) -> its figures
    seen = moves.groupby("rule", sort=False)["direction"].unique().to_dict()
    summaries = []
    for rule in rules:
        known = [d or "" for d in directions_of(rule)]
        extra = [d for d in seen.get(rule.id, ()) if d not in known]  # a direction the table does not know yet
        symbol = rule.pair if isinstance(rule, RotationSpread) else rule.symbol
        for direction in known + extra:
            falls = len(rule.symbols) == 2 and LEADS.get(direction) == -1
            for horizon in horizons:
                figures = found.get((rule.id, direction, horizon))
                baseline = base[rule.id][horizon]
                summaries.append(_summary(rule.id, symbol, direction or None, horizon, figures, baseline, falls,
                                          points[rule.id]))
    return summaries


def _summary(rule: str, symbol: str, direction: str | None, horizon: int, figures: dict | None, baseline: dict,
             falls: bool, points: bool) -> Summary:
    count = int(figures["size"]) if figures else 0
    hits = int(figures["hits"]) if figures else 0
    number = (lambda key: _number(figures[key])) if figures else (lambda key: None)
    return Summary(rule, symbol, direction, horizon, count, hits, hits / count if count else None,
                   number("median"), number("mean"), number("min"), number("max"), baseline["count"],
                   baseline["down" if falls else "up"], baseline["median"], points)


def record(result: Backtest, rule_id: str, direction: str | None, horizon: int, *,
           last: int | None = None) -> Record:
    """A rule's record in `direction` at `horizon`: every measured signal, or only the `last` of them (the latest
    signals whose t+h is stored), with the baseline's hit rate beside it."""
    summary = result.summary(rule_id, direction, horizon)
    if last is None:
        return Record(summary.count, summary.hits, summary.median, summary.baseline_hit_rate)
    if last < 1:
        raise ValueError(f"last must be a positive number of signals, not {last!r}")
    moves = result.moves
    mine = moves[(moves["rule"] == rule_id) & (moves["direction"] == (direction or ""))
                 & (moves["horizon"] == horizon) & moves["move"].notna()].sort_values("signal").tail(last)
    count, hits, median = fold(mine["move"].tolist(), mine["hit"].tolist())  # as the alerts' cached records fold
    return Record(count, hits, median, summary.baseline_hit_rate)


def _number(value) -> float | None:
    return None if pd.isna(value) else float(value)

