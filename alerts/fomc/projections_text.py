"""The words of the projections (SEP) alert and of `!fomc`'s projections lines, from a Projections. Pure.

The alert's headline, on the real December 2025 page with 3.50-3.75% in force:

    Fed projections: median funds rate 3.4% at end-2026 (one cut from today's 3.50–3.75%), 3.1% in 2027 and 2028,
    3.0% longer run; 2026 unchanged from September

The headline year is the meeting's own year, except at the year's last meeting (December), whose own year is all
but over: there it is the next year. The later years follow, those in a row with the same median together; the
moves are 25 bp moves from the midpoint of the range in force (implied_moves); the last clause compares the headline
year with the previous round's median for it.
"""

from __future__ import annotations

from datetime import date, datetime

from alerts.fomc.projections import LONGER_RUN, Projections, implied_moves
from alerts.fomc.sep_tables import Horizon
from alerts.payloads import FomcProjectionsAlert

WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def headline_year(projections: Projections) -> int:
    """The meeting's year, the next at a December meeting; if the page does not project that year (never seen),
    the first later year it projects, else its last year."""
    wanted = projections.meeting.year + (projections.meeting.month == 12)
    years = [h for h in projections.horizons if isinstance(h, int)]
    return wanted if wanted in years else next((y for y in years if y > wanted), years[-1])


def moves_text(moves: int) -> str:
    """0 -> 'no change', -1 -> 'one cut', -2 -> 'two cuts', 1 -> 'one hike', -12 -> '12 cuts'."""
    if moves == 0:
        return "no change"
    count = abs(moves)
    return f"{WORDS[count] if count < len(WORDS) else count} {'cut' if moves < 0 else 'hike'}{'s' if count > 1 else ''}"


def percent(value: float) -> str:
    """A median as Table 1 gives it: '3.4%', '3.0%'; more decimals only where the value has them ('3.375%')."""
    return f"{value:.1f}%" if round(value, 1) == round(value, 6) else f"{value:.3f}".rstrip("0") + "%"


def range_text(lower: float, upper: float) -> str:
    """'3.50–3.75%'; a single target '3.50%'."""
    return f"{upper:.2f}%" if lower == upper else f"{lower:.2f}–{upper:.2f}%"


def headline_moves(projections: Projections, range_in_force: tuple[float, float] | None) -> int | None:
    """The 25 bp moves from the range in force to the headline year's median; None without a range to count from."""
    if range_in_force is None or not range_in_force[0] < range_in_force[1]:
        return None
    return implied_moves(projections.funds_rate_median[headline_year(projections)], *range_in_force)


def projections_alert(projections: Projections, range_in_force: tuple[float, float] | None, source_url: str,
                      occurred_at: datetime) -> FomcProjectionsAlert:
    """The alert for a meeting's projections, under the key fomc_projections|YYYY-MM-DD: said once per meeting."""
    year = headline_year(projections)
    lower, upper = range_in_force if range_in_force is not None else (None, None)
    return FomcProjectionsAlert(
        key=f"fomc_projections|{projections.meeting}", message=projections_message(projections, range_in_force),
        body=projections_body(projections, source_url), occurred_at=occurred_at, meeting=projections.meeting,
        headline_year=year, median=projections.funds_rate_median[year],
        previous_median=projections.funds_rate_previous_median.get(year),
        implied_moves=headline_moves(projections, range_in_force), lower=lower, upper=upper, source_url=source_url,
    )


def projections_message(projections: Projections, range_in_force: tuple[float, float] | None) -> str:
    medians = projections.funds_rate_median
    year = headline_year(projections)
    head = f"Fed projections: median funds rate {percent(medians[year])} at end-{year}"
    moves = headline_moves(projections, range_in_force)
    if moves is not None and range_in_force is not None:
        head += f" ({moves_text(moves)} from today's {range_text(*range_in_force)})"
    parts = [head] + [f"{percent(value)} in {_years(years)}" for value, years in _runs(projections, year)]
    if LONGER_RUN in medians:
        parts.append(f"{percent(medians[LONGER_RUN])} longer run")
    return ", ".join(parts) + "; " + change_text(projections, year)


def change_text(projections: Projections, year: int) -> str:
    """'2026 unchanged from September', '2026 up from 3.1% in September', 'down from ...', or that the previous
    round did not project the year."""
    now, before = projections.funds_rate_median[year], projections.funds_rate_previous_median.get(year)
    round_ = projections.previous_round
    if before is None:
        return f"no {round_} projection for {year} to compare"
    if round(now, 6) == round(before, 6):
        return f"{year} unchanged from {round_}"
    return f"{year} {'up' if now > before else 'down'} from {percent(before)} in {round_}"


def projections_body(projections: Projections, source_url: str) -> str:
    """The alert's details: every horizon's median with the previous round's, and the page."""
    return (f"Median federal funds rate, end of year and longer run ({projections.previous_round}'s in brackets): "
            + ", ".join(f"{_name(h)} {percent(now)} ({'—' if before is None else percent(before)})"
                        for h, now, before in _path(projections))
            + f"; {projections.participants} participants.\n{source_url}")


def path_line(projections: Projections) -> str:
    """`!fomc`'s compact line: each horizon's median with the previous round's in brackets, '—' for a horizon it
    did not project: '2025 3.6 (3.6) · 2026 3.4 (3.4) · ... · longer run 3.0 (3.0)'."""
    def number(value: float | None) -> str:
        return "—" if value is None else percent(value).rstrip("%")

    return " · ".join(f"{_name(h)} {number(now)} ({number(before)})" for h, now, before in _path(projections))


def meeting_text(meeting: date) -> str:
    return f"{meeting.day} {meeting:%b %Y}"


def _path(projections: Projections) -> list[tuple[Horizon, float, float | None]]:
    funds = projections.variables["funds_rate"]
    return [(h, funds[h].median, funds[h].previous_median) for h in projections.horizons if h in funds]


def _runs(projections: Projections, year: int) -> list[tuple[float, list[int]]]:
    """The years after the headline year, those in a row with the same median together."""
    runs: list[tuple[float, list[int]]] = []
    for horizon, median, _ in _path(projections):
        if not isinstance(horizon, int) or horizon <= year:
            continue
        if runs and round(runs[-1][0], 6) == round(median, 6):
            runs[-1][1].append(horizon)
        else:
            runs.append((median, [horizon]))
    return runs


def _years(years: list[int]) -> str:
    """'2027', '2027 and 2028', '2027, 2028 and 2029'."""
    named = [str(y) for y in years]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def _name(horizon: Horizon) -> str:
    return "longer run" if horizon == LONGER_RUN else str(horizon)
