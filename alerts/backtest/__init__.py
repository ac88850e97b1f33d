"""The signal lab: what followed each signal before, measured with pandas over stored history.

The signals are the replay's (alerts.rules.engine.replay), never worked out again here: one implementation of
each rule's meaning. For each signal on session t and each horizon h (in sessions of the rule's own series):

- a two-leg rule (a rotation spread of any pair; a moving-average cross of a ratio "A/B"), on the joint series of
  sessions where both legs have a close: `small = (S[t+h] / S[t] - 1) * 100` for the first leg (the ratio's
  numerator), `large` likewise for the second, `spread = small - large` in points;
- a one-symbol rule (every other): `change = (X[t+h] / X[t] - 1) * 100` on that symbol's sessions; or, for a
  series with any value at or under zero (a FRED yield spread), `X[t+h] - X[t]` in its own points, a percent of
  such a base meaning nothing (forward.py `in_points`; `Summary.points` says which);
- nothing (None, NaN in the frame) where t+h is past the stored data; such a signal is left out of that
  horizon's summary. Sessions after the range's end serve as t+h when they are stored.

The summaries (summary.py says what a hit and the baseline are) come one per rule, direction and horizon.

The API:
- `backtest(rules, history, start, end, horizons=(5, 20, 60)) -> Backtest`: replay, then `measure`;
- `measure(signals, rules, history, start, end, horizons) -> Backtest`: for signals already replayed;
- `Backtest.signals`, `.moves` (a DataFrame, one row per signal and horizon), `.summaries` (`Summary`, with
  `as_json()`), `.forward(i)` (signal i's moves by horizon, as JSON shows them), `.summary(rule, direction, h)`;
- `record(result, rule_id, direction, horizon, last=None) -> Record(count, hits, median, baseline_hit_rate)`:
  the one line of record an alert or a `!backtest N` answer carries;
- `parse_horizons("5,20,60") -> (5, 20, 60)`, refusing anything else with a `HorizonError` that gives an example.

History is what storage.prices.history_points returns (symbol -> points, oldest first). Pure and synchronous; a
backtest of forty years takes a fraction of a second beyond the replay (python -m bench backtest): off the loop.
"""

from alerts.backtest.horizons import DEFAULT_HORIZONS, MAX_HORIZON, HorizonError, parse_horizons
from alerts.backtest.measure import Backtest, backtest, measure
from alerts.backtest.summary import DIRECTIONS, Record, Summary, record

__all__ = ["DEFAULT_HORIZONS", "DIRECTIONS", "MAX_HORIZON", "Backtest", "HorizonError", "Record", "Summary",
           "backtest", "measure", "parse_horizons", "record"]
