"""The backtest itself: the replay's signals, each measured forward over stored history, and the summaries.

`backtest` runs the replay (alerts.rules.engine.replay, the one implementation of each rule's meaning) and hands
its signals to `measure`; `measure` takes signals someone already has (a bench timing the two apart, a job that
replayed anyway). Both are pure and synchronous: run them off the event loop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd

from alerts.backtest import forward
from alerts.backtest.horizons import DEFAULT_HORIZONS, check_horizons
from alerts.backtest.summary import Summary, baselines, leads, summarise
from alerts.rules.engine import replay
from alerts.rules.model import History, Rule, Signal

_COLUMNS = ["signal", "rule", "direction", "horizon", "small", "large", "spread", "change", "move", "hit"]


@dataclass(frozen=True)
class Backtest:
    """What `backtest` found.

    `signals` are the replay's, in its order. `moves` has one row per signal and horizon: `signal` (the position in
    `signals`), `rule` (its id), `direction` ("" for none), `horizon`, the measures (`small`, `large`, `spread` for
    two legs, `change` for one; NaN for what does not apply and past the stored data), `move` (the spread or the
    change) and `hit`. `summaries` has one per rule, direction and horizon, in rule order.
    """

    signals: list[Signal]
    horizons: tuple[int, ...]
    moves: pd.DataFrame
    summaries: list[Summary]
    _forward: dict[int, dict[str, dict | None]] = field(default_factory=dict, repr=False, compare=False)

    def forward(self, position: int) -> dict[str, dict | None]:
        """Signal `position`'s forward moves by horizon, as the JSON shows them: {"5": {"small": ..., "large": ...,
        "spread": ...}} for two legs, {"5": {"change": ...}} for one, None for a horizon past the stored data."""
        if not self._forward:
            self._forward.update(_forward_by_signal(self.moves, len(self.signals), self.horizons))
        return self._forward[position]

    def summary(self, rule_id: str, direction: str | None, horizon: int) -> Summary:
        for found in self.summaries:
            if (found.rule, found.direction, found.horizon) == (rule_id, direction, horizon):
                return found
        raise KeyError(f"no summary for rule {rule_id!r}, direction {direction!r}, horizon {horizon}: the backtest "
                       f"ran horizons {', '.join(map(str, self.horizons))} over its own rules")


def backtest(rules: Sequence[Rule], history: History, start: date, end: date,
             horizons: Sequence[int] = DEFAULT_HORIZONS, *,
             close_times: Mapping[date, datetime] | None = None) -> Backtest:
    """Replay `rules` over `history` from `start` to `end` and measure what followed each signal."""
    signals = replay(rules, history, start, end, close_times=close_times)
    return measure(signals, rules, history, start, end, horizons)


def measure(signals: Sequence[Signal], rules: Sequence[Rule], history: History, start: date, end: date,
            horizons: Sequence[int] = DEFAULT_HORIZONS) -> Backtest:
    """The forward moves of `signals` (the replay's, of these `rules` over this `history`), and the summaries with
    their baselines over every session from `start` to `end`. Sessions after `end` serve as t+h when stored."""
    horizons = check_horizons(horizons)
    by_id = {rule.id: rule for rule in rules}
    if len(by_id) < len(rules):  # a file's ids are checked by its loader; rules made in code are checked here
        twice = sorted({rule.id for rule in rules if sum(other.id == rule.id for other in rules) > 1})
        raise ValueError(f"two rules with the same id ({', '.join(twice)}): their signals could not be told apart")
    strangers = sorted({s.rule_id for s in signals} - by_id.keys())
    if strangers:
        raise ValueError(f"signals of rules not given: {', '.join(strangers)}")
    table = pd.DataFrame({
        "rule": [s.rule_id for s in signals],
        "direction": [s.direction or "" for s in signals],
        "session": np.array([date.fromisoformat(s.trigger[:10]).toordinal() for s in signals], dtype=np.int64),
    })
    members = table.groupby("rule", sort=False).indices  # rule id -> positions of its signals
    parts, base, points = [], {}, {}
    cache: dict[tuple[str, ...], tuple[pd.DataFrame, dict[int, pd.DataFrame]]] = {}
    read: dict[str, pd.Series] = {}
    for rule in rules:
        legs = rule.symbols
        if legs not in cache:  # rules on the same legs share one series and its moves
            frame = forward.series(history, legs, read)
            cache[legs] = frame, {h: forward.moves(frame, h) for h in horizons}
        frame, ahead = cache[legs]
        base[rule.id] = baselines(ahead, start, end)
        points[rule.id] = forward.in_points(frame)
        mine = members.get(rule.id)
        if mine is not None:
            parts.extend(_rule_moves(rule, table.iloc[mine], forward.positions(frame, table["session"].values[mine]),
                                     ahead))
    moves = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_COLUMNS)
    return Backtest(list(signals), horizons, moves, summarise(rules, moves, base, horizons, points))


def _rule_moves(rule: Rule, signals: pd.DataFrame, rows: np.ndarray,
                ahead: dict[int, pd.DataFrame]) -> list[pd.DataFrame]:
    """One frame per horizon: the rows of this rule's signals taken out of that horizon's forward moves."""
    sign = leads(rule, signals["direction"])
    found = []
    for horizon, table in ahead.items():
        taken = table.iloc[rows].reset_index(drop=True)
        part = pd.DataFrame({"signal": signals.index.to_numpy(), "rule": rule.id,
                             "direction": signals["direction"].to_numpy(), "horizon": horizon})
        for name in ("small", "large", "spread", "change"):
            part[name] = taken[name].to_numpy() if name in taken else np.nan
        part["move"] = taken["move"].to_numpy()
        measured = part["move"].notna().to_numpy()
        part["hit"] = np.where(measured, (part["move"].to_numpy() * sign > 0).astype(float), np.nan)
        found.append(part)
    return found


def _forward_by_signal(moves: pd.DataFrame, count: int, horizons: tuple[int, ...]) -> dict[int, dict]:
    shown: dict[int, dict[str, dict | None]] = {i: {str(h): None for h in horizons} for i in range(count)}
    for row in moves.itertuples(index=False):
        if pd.isna(row.move):
            continue  # past the stored data: stays None
        values = ({"small": row.small, "large": row.large, "spread": row.spread} if pd.isna(row.change)
                  else {"change": row.change})
        shown[row.signal][str(row.horizon)] = {k: float(v) for k, v in values.items()}
    return shown



