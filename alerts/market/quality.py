"""The jump gate: an implausible move does not count until a second poll or a second source confirms it.

A single bad tick (a price scaled by 100, a stale reference, a glitch at the open) must not become a "record
high". Moves beyond the threshold are held as pending; they are accepted when a later observation (a later poll,
or another source) lands within `tolerance_pct` of the held price. A move back inside the threshold clears the
pending one. Real crashes and melt-ups are therefore announced one poll late, never lost.

"Later" is the time the upstream's answer stands for, which the caller passes as `observed_at`: a quote's
exchange time, a daily bar's fetch time. The same answer seen twice (a quote polled again with nothing newer
traded) therefore never confirms itself. What is held is bounded: a held observation more than `max_age` older
than the one being judged confirms nothing and is forgotten, and at most `max_pending` are kept, the oldest
dropped first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.rules import exact


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    reason: str = ""


@dataclass(frozen=True)
class _Pending:
    price: float
    source: str
    observed_at: datetime


class JumpGate:
    def __init__(
        self,
        max_jump_pct: float,
        tolerance_pct: float = 1.0,
        *,
        max_age: timedelta = timedelta(days=1),
        max_pending: int = 1_000,  # far more than the symbols and recent sessions that can be held at once
    ) -> None:
        self.max_jump_pct = max_jump_pct
        self.tolerance_pct = tolerance_pct
        self.max_age = max_age
        self.max_pending = max_pending
        self._max_units = exact.pct_units(max_jump_pct)
        self._pending: dict[str, _Pending] = {}  # in the order they were held

    def check(self, key: str, price: float, reference: float | None, source: str, observed_at: datetime) -> Verdict:
        """Judge `price` for `key` (a symbol, or symbol and date for daily bars) against `reference`."""
        if reference is None or reference <= 0:
            return Verdict(True, "no reference price to compare with")
        move = exact.percent_change(price, reference)
        # On the rules' grid (alerts/rules/exact.py): a move of exactly max_jump_pct passes, as it reads.
        if abs(exact.change_units(exact.price_units(price), exact.price_units(reference))) <= self._max_units:
            self._pending.pop(key, None)
            return Verdict(True)
        held = self._pending.get(key)
        if held is not None and observed_at - held.observed_at > self.max_age:
            held = None  # too old to vouch for anything now
        later = held is not None and (source != held.source or observed_at > held.observed_at)
        if later and abs(price / held.price - 1) * 100 <= self.tolerance_pct:
            del self._pending[key]
            how = f"by {source}" if source != held.source else "by a second poll"
            return Verdict(True, f"{key} {move:+.1f}% from {reference:,.2f} confirmed {how}")
        self._hold(key, _Pending(price, source, observed_at))
        return Verdict(
            False,
            f"{key} at {price:,.2f} is {move:+.1f}% from {reference:,.2f}, beyond {self.max_jump_pct:g}%: "
            "held until a second poll or source confirms it",
        )

    def pending(self) -> dict[str, float]:
        return {key: held.price for key, held in self._pending.items()}

    def _hold(self, key: str, held: _Pending) -> None:
        self._pending.pop(key, None)  # held again: it moves to the end, the newest
        self._pending[key] = held
        # Only a new hold makes the dict grow, so tidying here bounds it.
        cutoff = held.observed_at - self.max_age
        for stale in [k for k, p in self._pending.items() if p.observed_at < cutoff]:
            del self._pending[stale]
        while len(self._pending) > self.max_pending:
            del self._pending[next(iter(self._pending))]
