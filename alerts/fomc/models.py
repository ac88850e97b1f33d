"""The FOMC as the domain sees it: meetings on the calendar and decisions on the target range."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Meeting:
    start: date
    end: date  # the decision day
    sep: bool  # a Summary of Economic Projections (and its dot plot) comes with it
    source: str
    unscheduled: bool = False
    notation_vote: bool = False


@dataclass(frozen=True)
class Decision:
    date: date
    action: str  # "raise", "lower", "maintain", or "unknown" when a released statement could not be read
    lower: float | None  # percent; None when unknown
    upper: float | None
    change_bp: int | None  # signed: -25 for a quarter-point cut
    source: str  # "statement", "fred", "statement+fred", "bundled"
    unscheduled: bool = False
    statement_url: str | None = None
    votes: dict = field(default_factory=dict)  # {"for": [...], "against": [...]} when the statement says


def size_agrees(action: str, change_bp: int | None) -> bool:
    """Whether a size can be the size of that action: a raise moves up, a cut down, a hold not at all. A size that
    disagrees (a raise of 0 bp or of -75 bp, measured against a phantom or across a gap) is never a fact."""
    if change_bp is None:
        return True
    if action == "raise":
        return change_bp > 0
    if action == "lower":
        return change_bp < 0
    if action == "maintain":
        return change_bp == 0
    return False
