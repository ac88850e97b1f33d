"""Above/below lines: where a price stands against a line and its re-arm band, decided one way on every path.

`edges()` turns a line on the grid (exact.py) into the floats where its answers turn, once, when its rule is built
(model.Above and model.Below keep them). `step()` is the whole rule of a line for one price, and every path asks
it: apply() (ticks._line) acts on its answer, and a poll (batch.py) skips a rule on it. `Lines` holds one
symbol's lines in order, so a poll over thousands of them asks step() a few times per index, not once per line.
"""

from __future__ import annotations

import math
from bisect import bisect_right

from alerts.rules import exact

# After an above/below alert the price must retreat this far (percent of the line) back past the line before the
# next crossing counts: a price hovering at 150.00 would otherwise alert on every 150.01. 0.25% is well above the
# poll-to-poll noise of a liquid stock or index and well under a typical day's range (1-2%). The first
# observation needs no band: it only learns the side.
REARM_BAND_PCT = 0.25

Edges = tuple[float, float, bool]  # (line_edge, band_edge, rises)
_BAND = exact.pct_units(REARM_BAND_PCT)


def edges(line: int, rises: bool) -> Edges:
    """A line (in price units; an above-line when `rises`) as the floats where the grid's answers turn.

    An above-line is past at or over line_edge and back past its band under band_edge; a below-line is past
    under line_edge and back at or over band_edge. Each edge is exact.least_price of the grid value, so comparing
    a tick's own float with it is comparing on the grid, with no reading per rule and per poll. At the line is
    not past it, on either side; the band's edge is line * (1 -/+ REARM_BAND_PCT%), exactly.
    """
    if rises:  # past: above the line's units; back: at or under the band's
        return exact.least_price(line + 1), exact.least_price(exact.band_under(line, _BAND) + 1), True
    return exact.least_price(line), exact.least_price(exact.band_over(line, _BAND)), False


def step(line: Edges, armed: bool | None, price: float) -> bool | None:
    """What `price` does to a line in this armed state: the new armed flag, or None when it changes nothing.

    - Side unknown (the first observation): armed when not past the line.
    - Armed: past the line disarms; that is the crossing the caller announces.
    - Disarmed: back past the re-arm band re-arms.
    """
    line_edge, band_edge, rises = line
    if armed is None:
        return price < line_edge if rises else price >= line_edge
    if armed:
        past = price >= line_edge if rises else price < line_edge
        return False if past else None
    back = price < band_edge if rises else price >= band_edge
    return True if back else None


class Lines:
    """One symbol's lines of one direction as (position, id, rule), in the order of their edges.

    Two bisections find where a price stands against every line at once and cut the lines into three stretches:
    the price at or over both of a line's edges, at or over only the lower one, under both. step() looks at a
    price only through those two comparisons, so within a stretch it answers alike for every line, at any
    price; and as a line's two edges lie the same way round for all lines of one direction (a band's edge on
    the near side of its line), the three answers are worked out once, from the first line, when the rules are
    indexed. A poll then does two bisections per symbol and direction, not one step() per line.

    The id is kept beside each rule: a poll reads it for every line, and reading it off a tuple costs less than off
    rules of two classes.
    """

    __slots__ = ("items", "line_edges", "band_edges", "answers")

    def __init__(self, items: list[tuple[int, object]]) -> None:
        ordered = sorted(items, key=_edges_of) if len(items) > 1 else items
        self.items = [(position, rule.id, rule) for position, rule in ordered]
        self.line_edges = [rule.edges[0] for _, rule in ordered]
        self.band_edges = [rule.edges[1] for _, rule in ordered]
        # For each stretch, (armed_change, disarmed_change): does a price there change an armed line, a disarmed
        # one? (A line not observed yet, armed None, always changes.)
        self.answers = _stretch_answers(self.items[0][2].edges) if self.items else ((False, False),) * 3

    def stretches(self, price: float) -> tuple[tuple[int, int, tuple[bool, bool]], ...]:
        """(start, end, answers) for each stretch of `items` at this price; a stretch may be empty."""
        past_cut, band_cut = bisect_right(self.line_edges, price), bisect_right(self.band_edges, price)
        low, high = (past_cut, band_cut) if past_cut <= band_cut else (band_cut, past_cut)
        answers = self.answers
        return (0, low, answers[0]), (low, high, answers[1]), (high, len(self.items), answers[2])


def _edges_of(item: tuple[int, object]) -> Edges:
    return item[1].edges


def _stretch_answers(line: Edges) -> tuple[tuple[bool, bool], ...]:
    """step()'s answers in each stretch, asked at a price inside it: at the higher edge (at or over both), at the
    lower (at or over it only; a stretch that is always empty when the edges are equal), and just under both."""
    lower, higher = sorted(line[:2])
    prices = higher, lower, math.nextafter(lower, -math.inf)
    return tuple((step(line, True, price) is not None, step(line, False, price) is not None) for price in prices)
