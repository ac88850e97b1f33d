"""The quality gate: the stage between what a source says and what is stored.

Every quote and every recent daily bar passes here before the store sees it. A move beyond the jump gate's
threshold (alerts/market/quality.py) is held until a later observation or another source confirms it, so a single
bad tick never becomes a record. The gate is pure: the job reads the reference closes from the store and hands
them in; the gate says what is stored now and what is held.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from alerts.market.models import DailyBar, Quote
from alerts.market.quality import JumpGate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Admitted:
    """What passed the gate, and the keys held back (a symbol, or `symbol@date` for a daily bar)."""

    kept: list
    held: list[str]


class QualityGate:
    def __init__(self, jumps: JumpGate) -> None:
        self._jumps = jumps

    def admit_quotes(self, quotes: dict[str, Quote], references: dict[str, float]) -> Admitted:
        """Each quote against the stored close before today (the upstream's own previous close where nothing is
        stored), observed when the exchange stamped it: the same trade polled again confirms nothing."""
        kept, held = [], []
        for symbol, quote in quotes.items():
            reference = references.get(symbol) or quote.previous_close
            verdict = self._jumps.check(symbol, quote.price, reference, quote.source, quote.exchange_time)
            if verdict.accepted:
                kept.append(quote)
            else:
                log.warning("%s", verdict.reason)
                held.append(symbol)
        return Admitted(kept, held)

    def admit_bars(self, symbol: str, bars: list[DailyBar], reference: float | None, stored: dict[date, float],
                   gated_from: date | None) -> Admitted:
        """Bars from `gated_from` on must not jump implausibly from the bar before (`reference` is the stored
        close before the first); the first that does stops the batch. `stored`: the closes already stored for
        these dates."""
        if not bars or gated_from is None:
            return Admitted(list(bars), [])
        kept: list[DailyBar] = []
        for bar in bars:
            # A bar already stored with this close passed the gate before; judging it again on a refresh would
            # hold it (its confirmation is spent) and stop the newer bars behind it.
            if bar.date >= gated_from and stored.get(bar.date) != bar.close:
                # Observed when it was fetched: only a later fetch (or another source) confirms a held bar.
                verdict = self._jumps.check(f"{symbol}@{bar.date}", bar.close, reference, bar.source, bar.fetched_at)
                if not verdict.accepted:
                    log.warning("%s", verdict.reason)
                    return Admitted(kept, [f"{symbol}@{bar.date}"])
            kept.append(bar)
            reference = bar.close
        return Admitted(kept, [])
