"""The jump gate: an implausible move does not count until a second poll or a second source confirms it.

A single bad tick (a price scaled by 100, a stale reference, a glitch at the open) must not become a "record
high". Moves beyond the threshold are held as pending; they are accepted when a later observation (a later poll,
or another source) lands within `tolerance_pct` of the held price. A move back inside the threshold clears the
pending one. Real crashes and melt-ups are therefore announced one poll late, never lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
    def __init__(self, max_jump_pct: float, tolerance_pct: float = 1.0) -> None:
        self.max_jump_pct = max_jump_pct
        self.tolerance_pct = tolerance_pct
        self._pending: dict[str, _Pending] = {}

    def check(self, key: str, price: float, reference: float | None, source: str, observed_at: datetime) -> Verdict:
        """Judge `price` for `key` (a symbol, or symbol and date for daily bars) against `reference`."""
        if reference is None or reference <= 0:
            return Verdict(True, "no reference price to compare with")
        move = (price / reference - 1) * 100
        if abs(move) <= self.max_jump_pct:
            self._pending.pop(key, None)
            return Verdict(True)
        held = self._pending.get(key)
        later = held is not None and (source != held.source or observed_at > held.observed_at)
        if later and abs(price / held.price - 1) * 100 <= self.tolerance_pct:
            del self._pending[key]
            how = f"by {source}" if source != held.source else "by a second poll"
            return Verdict(True, f"{key} {move:+.1f}% from {reference:,.2f} confirmed {how}")
        self._pending[key] = _Pending(price, source, observed_at)
        return Verdict(
            False,
            f"{key} at {price:,.2f} is {move:+.1f}% from {reference:,.2f}, beyond {self.max_jump_pct:g}%: "
            "held until a second poll or source confirms it",
        )

    def pending(self) -> dict[str, float]:
        return {key: held.price for key, held in self._pending.items()}
