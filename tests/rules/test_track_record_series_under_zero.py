"""Review C: the track record of a watch on a FRED series that sits at or under zero (the README's own
`!watch T10Y2Y ma 50`). The rules refuse a percent move from a base at or under zero (alerts/rules/trends.py); the
backtest behind the signal cache, `!signals` and `!backtest N` still measures `(X[t+h] / X[t] - 1) * 100` from
such a base, so a yield curve that rose is counted as a fall."""

from __future__ import annotations

from datetime import date

from alerts.backtest.ledger import ledgers
from alerts.track_record import track_record_line
from alerts.watch_grammar import parse_watch
from alerts.watches import Watch, watch_rule
from tests.rules.rulekit import points, weekdays

DAYS = weekdays(date(2023, 3, 1), 10)


def test_a_yield_curve_that_rose_after_its_cross_is_never_counted_as_a_fall():
    # Inverted and falling, then it crosses above its 3-session average at -0.50 and keeps rising to -0.40.
    closes = [-0.60, -0.65, -0.70, -0.75, -0.80, -0.50, -0.45, -0.40, -0.30, -0.20]
    rule = watch_rule(Watch(1001, 1, parse_watch("T10Y2Y ma 3".split()), created_by=5, created_at=None))
    [ledger] = ledgers([rule], {"T10Y2Y": points(DAYS, closes)}, horizon=2, keep=10)
    [cross] = [f for f in ledger.firings if f.session == DAYS[5]]
    assert cross.direction == "above" and cross.value == -0.50
    line = track_record_line(ledger.kind, ledger.symbol, "above", ledger.records["above"])
    # -0.50 to -0.40 is a rise of 10 basis points; (-0.40 / -0.50 - 1) * 100 = -20% calls it a fall: the line reads
    # "T10Y2Y rose over the next 2 sessions 0 times, median -20.0%".
    assert cross.hit is not False and (cross.move is None or cross.move > 0), (cross, line)
