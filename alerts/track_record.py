"""An alert's track record: what followed its rule's earlier signals in the same direction, as one line; and the
ledger the signal cache keeps of each rule to work it out.

"the last 12 crossings into small caps: small caps led over the next 20 sessions 8 times, median spread +2.1 pts;
any session: 52%". The numbers are the backtest's (alerts/backtest: the replay's signals over all stored history,
a hit and the baseline as alerts/backtest/summary.py defines them), cached after each daily close
(bot/jobs/records.py) and read when the alert is made. `fold` is the one way the last N signals are summed up, for
the backtest's `record(..., last=N)` and for the cache alike. Pure: no pandas (alerts/backtest/ledger.py computes
ledgers with it, off the event loop), no storage.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from alerts.rules.model import History, Rule

# Leg names a reader knows better than the tickers (the built-in rotation's legs and their ETFs).
_CAPS = {"^RUT": "small caps", "IWM": "small caps", "^NDX": "mega caps", "QQQ": "mega caps"}
_SECOND_LEG_LEADS = ("large", "below")  # two legs: the directions whose hit is the second leg leading


@dataclass(frozen=True, slots=True)
class TrackRecord:
    """The last `count` (at most the configured number) of a rule's earlier signals in one direction whose
    `horizon` sessions after them are stored; `hits` of them came true; `median` of their moves (percent, points
    for two legs; None when count is 0); and the share of any session whose move came true the same way. `points`:
    a one-symbol series with a value at or under zero, whose moves are in its own points (X[t+h] - X[t]), a
    percent of such a base meaning nothing (alerts/backtest/forward.py)."""

    horizon: int
    count: int
    hits: int
    median: float | None
    baseline_hit_rate: float | None
    points: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.hits <= self.count or self.horizon < 1:
            raise ValueError(f"not a track record: {self.hits} hits of {self.count} signals at horizon {self.horizon}")
        for name in ("median", "baseline_hit_rate"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                raise ValueError(f"not a track record: {name} {value!r}")


# Moves the fingerprint of every cached ledger when what a ledger means changes (the backtest's definitions, the
# ledger's choices), so each is computed again at the next close instead of being trusted. 2: a one-symbol series
# with a value at or under zero is measured in its own points.
LEDGER_VERSION = 2


@dataclass(frozen=True, slots=True)
class Firing:
    """One of a rule's signals: its session, direction, value (the spread, close, change or ratio the alert
    carried), the move over the horizon after it (None, and no hit, while that many sessions are not stored), and
    `ends`, the session that move was measured to (t+h; None with the move): an alert may count only the moves
    that ended before its own session, which it knew at its close."""

    session: date
    direction: str | None
    value: float
    move: float | None
    hit: bool | None
    ends: date | None = None


@dataclass(frozen=True)
class Ledger:
    """What the signal cache keeps of one rule's backtest over all its stored history, from fresh state."""

    rule_id: str
    kind: str
    symbol: str  # the symbol, or the pair "^RUT/^NDX"
    fingerprint: str  # fingerprint(rule, horizon, keep)
    horizon: int
    first: date  # the stored sessions it was computed over: from the first every leg has, to `through`
    through: date
    records: dict[str | None, TrackRecord]  # every direction the rule can fire in: all its measured signals
    firings: tuple[Firing, ...]  # oldest first: the last `keep` of each direction
    points: bool = False  # one symbol's moves in its own points, not percent (TrackRecord.points)


def fingerprint(rule: Rule, horizon: int, keep: int) -> str:
    """What a ledger depends on besides the stored sessions: the rule's every parameter (its id alone is not
    enough: the operator may move a spread's line and keep its name), the horizon and the count kept. A cached
    ledger with another fingerprint is not this rule's record. The id is left out: two rules that differ in it
    alone (servers that chose the same lines) give the same ledger, computed once."""
    text = f"{LEDGER_VERSION}|{rule.kind}|{dataclasses.replace(rule, id='-')!r}|{horizon}|{keep}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def last_session(rule: Rule, history: History) -> date | None:
    """The last stored session of the rule's legs (the oldest of them), None when a leg has nothing stored: with
    the fingerprint, what says whether a cached ledger is still the one stored history gives (a fix to an old bar
    aside)."""
    lasts = [points[-1].date if (points := history.get(symbol)) else None for symbol in rule.symbols]
    return None if None in lasts else min(lasts)


def fold(moves: Sequence[float], hits: Sequence[bool | float]) -> tuple[int, int, float | None]:
    """Signals' moves and whether each was a hit, oldest first, as (count, hits, median move)."""
    if len(moves) != len(hits):
        raise ValueError(f"{len(moves)} moves but {len(hits)} hits")
    count = len(moves)
    return count, sum(1 for hit in hits if hit), float(statistics.median(moves)) if count else None


_NOUNS = {  # kind -> (one, many) of its signals, by direction
    "rotation_spread": lambda d, legs: (f"crossing into {_leg(legs, d)}", f"crossings into {_leg(legs, d)}"),
    "ma_cross": lambda d, legs: (f"crossing {d} its average", f"crossings {d} its average"),
    "move_over": lambda d, legs: (f"move {d}", f"moves {d}"),
    "new_high": lambda d, legs: ("record close", "record closes"),
}


def track_record_line(kind: str, symbol: str, direction: str | None, record: TrackRecord) -> str:
    """The record as one line a phone shows whole. Two legs ("^RUT/^NDX"): who led and the median spread (first
    leg's move minus the second's, in points); one symbol: how often it rose and its median change, in percent, or
    in the series' own points ("pts") when `record.points`."""
    legs = tuple(symbol.split("/"))
    one, many = _NOUNS.get(kind, lambda d, legs: ("signal", "signals"))(direction, legs)
    base = "" if record.baseline_hit_rate is None else f"; any session: {record.baseline_hit_rate * 100:.0f}%"
    if record.count == 0:
        return f"no earlier {many} with {record.horizon} sessions after them in stored history{base}"
    if len(legs) == 2:
        leader = _leg(legs, "large" if direction in _SECOND_LEG_LEADS else "small")
        other = _leg(legs, "small" if direction in _SECOND_LEG_LEADS else "large")
        outcome = f"{leader} led" if leader in _CAPS.values() else f"{leader} led {other}"
        median = f"median spread {record.median:+.1f} pts"
    else:
        outcome = f"{legs[0]} rose"
        median = f"median {record.median:+.2f} pts" if record.points else f"median {record.median:+.1f}%"
    times = f"{record.hits} time" + ("" if record.hits == 1 else "s")
    which = f"the last {record.count} {many}" if record.count > 1 else f"the one earlier {one}"
    return f"{which}: {outcome} over the next {record.horizon} sessions {times}, {median}{base}"


def signal_name(kind: str, symbol: str, direction: str | None) -> str:
    """One signal of a rule, as the track record line names it: "crossing into small caps", "move up"."""
    return _NOUNS.get(kind, lambda d, legs: ("signal", "signals"))(direction, tuple(symbol.split("/")))[0]


def _leg(legs: tuple[str, ...], direction: str | None) -> str:
    """The leg a direction is about: the first for "small" (and "above"), the second for "large" ("below");
    named as small or mega caps when both legs are the built-in rotation's."""
    if len(legs) != 2:
        return legs[0]
    named = all(leg in _CAPS for leg in legs) and _CAPS[legs[0]] != _CAPS[legs[1]]
    leg = legs[1] if direction in _SECOND_LEG_LEADS else legs[0]
    return _CAPS[leg] if named else leg


def alert_track_record(alert) -> str:
    """The line of a spread or trend alert (alerts/payloads.py) that carries a track record; "" for any other."""
    record = getattr(alert, "track_record", None)
    if record is None:
        return ""
    symbol = getattr(alert, "pair", None) or alert.symbol
    return track_record_line(getattr(alert, "rule_kind", alert.kind), symbol, alert.direction, record)
