"""Forward moves with pandas: for every session t of a rule's series and each horizon h, how the series moved from
t to the session h rows later in that same series.

A rule's series is what its signals were judged on: one symbol's stored closes, or for two legs (a rotation spread,
a ratio's moving-average cross) the joint series of sessions where both legs have a close, as the engine's own
`joint_closes` counts them. Counting h *rows* on, never h calendar days or h exchange sessions, is what makes t+h
"h sessions later" for both: a session one leg lacks is not in the joint series, so it is not counted.

A percent move from a base at or under zero means nothing (from -0.50 to -0.40 is "-20%"; from 0.00, "+inf%"),
so a one-symbol series that has any value at or under zero (a FRED yield spread such as T10Y2Y) is measured in its
own units, points: `X[t+h] - X[t]`, every session of it alike (`in_points`). Two legs stay percent, and a session
where either leg's value is at or under zero has no move (NaN), as the rules do not judge it either. No move is
ever infinite or NaN but for "not measured".

Sessions are indexed by their date's ordinal (a whole number): looked up and compared exactly and fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from alerts.rules.model import History, Point

TWO_LEG_MEASURES = ("small", "large", "spread")
ONE_LEG_MEASURES = ("change",)


def closes(points: Sequence[Point]) -> pd.Series:
    """One symbol's stored closes, oldest first, indexed by session ordinal."""
    values = np.fromiter((p.close for p in points), dtype=float, count=len(points))
    days = np.fromiter((p.date.toordinal() for p in points), dtype=np.int64, count=len(points))
    return pd.Series(values, index=pd.Index(days, name="session"))


def series(history: History, legs: tuple[str, ...], read: dict[str, pd.Series] | None = None) -> pd.DataFrame:
    """The closes a rule is judged on, one column per leg: the joint sessions for two legs (an inner join).
    `read` keeps each symbol's closes between calls: a symbol many rules share is read from history once."""
    read = {} if read is None else read
    for symbol in legs:
        if symbol not in read:
            read[symbol] = closes(history.get(symbol, ()))
    frames = [read[symbol] for symbol in legs]
    if len(frames) == 1:
        return frames[0].to_frame("value")
    joint = pd.concat(frames, axis=1, join="inner", keys=["small", "large"])
    return joint.sort_index()  # the inner join keeps the left order; sorted once more, not trusted


def in_points(frame: pd.DataFrame) -> bool:
    """Whether a series' moves are in its own points, not percent: one symbol with any value at or under zero."""
    return "value" in frame and bool((frame["value"] <= 0).any())


def moves(frame: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Every session's forward move over `horizon` rows; NaN where t+h is past the stored data, or where no move
    can be measured (never an infinity).

    One leg: `change = (X[t+h] / X[t] - 1) * 100`, in percent; or `X[t+h] - X[t]`, in the series' own points, when
    `in_points`. Two legs: `small` and `large` in percent (NaN from a base at or under zero), and `spread = small -
    large` in points. Each frame also has `move`, the one number a hit and a median are judged on (the spread, or
    the change).
    """
    later = frame.shift(-horizon)
    if in_points(frame):
        ahead = later - frame
    else:
        ahead = (later / frame.where(frame > 0) - 1) * 100
    ahead = ahead.where(np.isfinite(ahead))  # an infinite stored close, say: not a move anyone can use
    if "value" in frame:
        return pd.DataFrame({"change": ahead["value"], "move": ahead["value"]})
    spread = ahead["small"] - ahead["large"]
    return pd.DataFrame({"small": ahead["small"], "large": ahead["large"], "spread": spread, "move": spread})


def in_range(frame: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """The rows of sessions from `start` to `end`, both included (rows after `end` stay usable as t+h)."""
    index = frame.index
    return frame.iloc[index.searchsorted(start.toordinal(), "left"):index.searchsorted(end.toordinal(), "right")]


def positions(frame: pd.DataFrame, sessions: np.ndarray) -> np.ndarray:
    """Where each session (ordinal) is in the series; a session not in it is refused, never measured off by one."""
    found = frame.index.get_indexer(sessions)
    if (found < 0).any():
        missing = date.fromordinal(int(sessions[found < 0][0]))
        raise ValueError(f"a signal on {missing}, a session the rule's series has no close for: signals must come "
                         "from replay over this same history")
    return found
