"""Figure 2 of the Summary of Economic Projections, the dot plot, as the accessible page encodes it.

The accessible page gives no dots and no per-participant list: Figure 2 is a table of counts.

    Midpoint of target range or target level (Percent) | 2025 | 2026 | 2027 | 2028 | Longer run
    4.000                                               |      |      |      |      |
    3.875                                               |  6   |  3   |  2   |  2   |  1
    3.625                                               | 12   |  4   |  2   |  2   |  1

Rows are levels 0.125 percentage point apart (each participant's midpoint rounded to the nearest 1/8 point), from
the highest to the lowest, with empty rows; a cell is the number of participants at that level, or `&nbsp;` for
none. Every year column adds up to the number of participants (19 in December 2025). The longer-run column may add
up to fewer: in March 2021, 18 participants per year but 17 for the longer run, since one participant submitted no
longer-run projection (as the Fed's footnote there said; that page is not among rotobot's fixtures).

The table is found by its first heading cell, "Midpoint of target range or target level", not by its number:
Figure 3.E (the histograms of the same projections) heads its first column "Percent Range".
"""

from __future__ import annotations

import re

from alerts.fomc.sep_tables import LONGER_RUN, Horizon, ProjectionsLayoutChanged, Table, parse_horizon

FIRST_HEADING = re.compile(r"^midpoint of (?:the )?(?:appropriate )?target range", re.IGNORECASE)
LEVEL = re.compile(r"^\d{1,2}\.\d{1,3}$|^\d{1,2}$")
COUNT = re.compile(r"^\d{1,3}$")


def find_dot_plot(tables: list[Table]) -> Table:
    found = [table for table in tables if table.head and table.head[0] and FIRST_HEADING.match(table.head[0][0].text)]
    if not found:
        raise ProjectionsLayoutChanged(
            "no dot plot: no table whose first heading cell is 'Midpoint of target range or target level' (Figure 2)"
        )
    if len(found) > 1:
        raise ProjectionsLayoutChanged(f"{len(found)} tables look like the dot plot (Figure 2); expected one")
    return found[0]


def read_dot_plot(table: Table, horizons: tuple[Horizon, ...]) -> tuple[dict[Horizon, dict[float, int]], int]:
    """The participants at each level per horizon (levels with nobody left out, highest first), and the number of
    participants. `horizons` are Table 1's; the figure must have the same columns in the same order."""
    if not table.closed:
        raise ProjectionsLayoutChanged("the dot plot is cut off before its </table>: truncated download")
    if len(table.head) != 1:
        raise ProjectionsLayoutChanged(f"the dot plot has {len(table.head)} heading rows; expected 1")
    columns = tuple(parse_horizon(cell.text) for cell in table.head[0][1:] for _ in range(cell.colspan))
    if columns != horizons:
        missing = [str(h) for h in horizons if h not in columns]
        raise ProjectionsLayoutChanged(
            f"the dot plot's columns {_names(columns)} are not Table 1's {_names(horizons)}"
            + (f": missing {', '.join(missing)}" if missing else "")
        )
    counts: dict[Horizon, dict[float, int]] = {horizon: {} for horizon in horizons}
    seen: set[float] = set()
    for row in table.body:
        label, cells = row[0].text, [cell.text for cell in row[1:] for _ in range(cell.colspan)]
        if not LEVEL.match(label):
            raise ProjectionsLayoutChanged(f"dot plot row {label!r} is not a level in percent such as 3.625")
        level = float(label)
        if level in seen:
            raise ProjectionsLayoutChanged(f"dot plot level {label} appears twice")
        seen.add(level)
        if len(cells) != len(horizons):
            raise ProjectionsLayoutChanged(
                f"dot plot row {label} has {len(cells)} cells for {len(horizons)} columns {_names(horizons)}"
            )
        for horizon, text in zip(horizons, cells):
            if text and not COUNT.match(text):
                raise ProjectionsLayoutChanged(f"dot plot cell {label}/{horizon} holds {text!r}, not a count")
            if text and int(text):
                counts[horizon][level] = int(text)
    if not seen:
        raise ProjectionsLayoutChanged("the dot plot has no level rows")
    participants = _participants(counts)
    return {h: dict(sorted(levels.items(), reverse=True)) for h, levels in counts.items()}, participants


def dots_median(levels: dict[float, int]) -> float:
    """The middle level (the mean of the two middle levels when the count is even), as Table 1 defines its median."""
    ordered = [level for level, count in sorted(levels.items()) for _ in range(count)]
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _participants(counts: dict[Horizon, dict[float, int]]) -> int:
    totals = {horizon: sum(levels.values()) for horizon, levels in counts.items()}
    years = {horizon: total for horizon, total in totals.items() if horizon != LONGER_RUN}
    described = ", ".join(f"{horizon}: {total}" for horizon, total in totals.items())
    if not years or len(set(years.values())) != 1 or not next(iter(years.values())):
        raise ProjectionsLayoutChanged(
            f"the dot plot's year columns do not add up to one participant count ({described})"
        )
    participants = next(iter(years.values()))
    if LONGER_RUN in totals and not 0 < totals[LONGER_RUN] <= participants:
        raise ProjectionsLayoutChanged(
            f"the dot plot's longer-run column adds up to {totals[LONGER_RUN]}, "
            f"more than the {participants} participants or none ({described})"
        )
    return participants


def _names(horizons: tuple[Horizon, ...]) -> str:
    return "[" + ", ".join(str(h) for h in horizons) + "]"
