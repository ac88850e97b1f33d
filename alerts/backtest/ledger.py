"""The signal cache's ledgers (alerts/track_record.py `Ledger`) computed from the backtest: per rule, its record in
every direction and its last signals, each with what followed it at one horizon. bot/jobs/records.py computes them
after each daily close and storage/signal_records.py keeps them, so an alert and `!signals` read them in
milliseconds.

A rule's ledger is the backtest of that rule alone over all of its stored history, from fresh state, exactly as
`rotobot backtest` replays it. Pure and synchronous, with pandas: a few hundred milliseconds for forty years, so
run it off the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from alerts.backtest import forward
from alerts.backtest.measure import backtest
from alerts.backtest.summary import directions_of
from alerts.rules.model import History, RotationSpread, Rule
from alerts.track_record import Firing, Ledger, TrackRecord, fingerprint, last_session


def ledgers(rules: Sequence[Rule], history: History, horizon: int, keep: int) -> list[Ledger]:
    """One ledger per rule that has stored history, in the order given; a rule with a leg not stored is left out.
    `keep`: how many of the latest signals of each direction the ledger keeps."""
    found = []
    for rule in rules:
        through = last_session(rule, history)
        if through is None:
            continue
        mine = {symbol: history[symbol] for symbol in rule.symbols}
        first = max(points[0].date for points in mine.values())  # the first session every leg has stored
        result = backtest([rule], mine, first, max(points[-1].date for points in mine.values()), (horizon,))
        sessions = forward.series(mine, rule.symbols).index.to_numpy()  # the rule's series: t+h is h rows on
        firings = []
        for row in result.moves.sort_values("signal").itertuples(index=False):
            signal = result.signals[row.signal]
            day = date.fromisoformat(signal.trigger[:10])
            measured = row.move == row.move  # NaN is not equal to itself: t+h is not stored
            ends = (date.fromordinal(int(sessions[sessions.searchsorted(day.toordinal()) + horizon])) if measured
                    else None)
            firings.append(Firing(day, signal.direction, float(signal.value), float(row.move) if measured else None,
                                  bool(row.hit) if measured else None, ends))
        directions = directions_of(rule) + tuple(dict.fromkeys(  # and any a kind newer than DIRECTIONS fired in
            f.direction for f in firings if f.direction not in directions_of(rule)))
        kept = [f for d in directions for f in [f for f in firings if f.direction == d][-keep:]]
        records = {}
        for direction in directions:
            summary = result.summary(rule.id, direction, horizon)
            records[direction] = TrackRecord(horizon, summary.count, summary.hits, summary.median,
                                             summary.baseline_hit_rate, summary.points)
        symbol = rule.pair if isinstance(rule, RotationSpread) else rule.symbol
        points = any(summary.points for summary in result.summaries)
        found.append(Ledger(rule.id, rule.kind, symbol, fingerprint(rule, horizon, keep), horizon, first, through,
                            records, tuple(sorted(kept, key=lambda f: f.session)), points))
    return found
