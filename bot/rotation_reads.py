"""What `!rotation` reads from storage, on the database thread: bounded, because the answer has a time budget.

Forty years of ^RUT and ninety of ^NDX cost more to read than the whole answer is allowed to take. The all-time
high comes from the new_high rule's state (its record close, folded over every stored close up to the session it
last judged) plus the closes after it; only when that state is missing (a rules file without the built-in record
rule) is the small leg read in full. The chart, which marks every record close of the year, always reads the small
leg in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from alerts.fomc.models import Decision, Meeting
from alerts.market.bundled import is_adjusted
from alerts.market.models import Quote
from alerts.rotation_changes import PERIODS
from alerts.rotation_view import BASKET_MONTH, RecordClose
from alerts.rules.model import Point, RotationSpread
from bot.charts import CHART_DAYS
from storage import rule_state, fomc, prices, quotes

STATE_KEY = "*"  # as bot/jobs/engine.py stores one state per rule


@dataclass(frozen=True)
class RotationFacts:
    history: dict[str, list[Point]]
    quotes: dict[str, Quote]
    spread_state: dict | None
    small_record: RecordClose | None
    meetings: list[Meeting] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)  # newest first
    adjusted: dict[str, frozenset[date]] = field(default_factory=dict)  # basket sessions with adjusted closes


def load_rotation_facts(db, rule: RotationSpread, basket: Sequence[str], today: date, *,
                        chart: bool = False) -> RotationFacts:
    """Everything `!rotation` (and with `chart`, its picture) reads; run it on the database thread."""
    small_last, large_last = prices.last_bar(db, rule.small), prices.last_bar(db, rule.large)
    history: dict[str, list[Point]] = {}
    record = _record_from_state(rule_state.load_state(db, f"new_high:{rule.small}:close", STATE_KEY))
    if small_last is not None and large_last is not None:
        end = min(small_last.date, large_last.date, today)
        since = legs_since(end, rule.window, chart=chart)
        if chart or record is None or record.through < since:
            history[rule.small] = prices.history_points(db, [rule.small])[rule.small]
        else:
            history[rule.small] = _points(prices.daily_bars(db, rule.small, since))
        history[rule.large] = _points(prices.daily_bars(db, rule.large, since))
    else:  # a leg has nothing stored: the view says so, and there is nothing to bound the reads by
        for symbol, last in ((rule.small, small_last), (rule.large, large_last)):
            history[symbol] = [] if last is None else prices.history_points(db, [symbol])[symbol]
    adjusted: dict[str, frozenset[date]] = {}
    for symbol in basket:
        last = prices.last_bar(db, symbol)
        if last is None:
            history.setdefault(symbol, [])
            continue
        bars = prices.daily_bars(db, symbol, last.date - timedelta(days=BASKET_MONTH * 7 // 5 + 20))
        history.setdefault(symbol, _points(bars))  # a leg in the basket keeps the leg's longer read
        # Which of the line's closes are adjusted (the close-only bundled files): the line says so.
        adjusted[symbol] = frozenset(bar.date for bar in bars if is_adjusted(bar.source))
    wanted = {rule.small, rule.large, *basket}
    stored = {s: q for s, q in quotes.all_quotes(db).items() if s in wanted}
    return RotationFacts(
        history=history,
        quotes=stored,
        spread_state=rule_state.load_state(db, rule.id, STATE_KEY),
        small_record=record,
        meetings=fomc.meetings(db, since=today - timedelta(days=7)),
        decisions=fomc.decisions(db, limit=12),
        adjusted=adjusted,
    )


def legs_since(end: date, window: int, *, chart: bool = False) -> date:
    """The first date the legs must be read from for a view (or a chart) whose last joint session is `end`."""
    longest = max(max(n for _, n in PERIODS), window) + 1
    since = min(date(end.year, 1, 1), end) - timedelta(days=longest * 7 // 5 + 30)  # + holidays and gaps
    if chart:
        since = min(since, end - timedelta(days=CHART_DAYS + window * 7 // 5 + 30))
    return since


def _record_from_state(state: dict | None) -> RecordClose | None:
    if not state or state.get("record") is None or not state.get("record_date") or not state.get("last_session"):
        return None
    return RecordClose(float(state["record"]), date.fromisoformat(state["record_date"]),
                       date.fromisoformat(state["last_session"]))


def _points(bars) -> list[Point]:
    return [Point(bar.date, bar.close, bar.high, bar.low) for bar in bars]
