"""The Summary of Economic Projections (SEP): Table 1 and the dot plot of the accessible projections page.

The Fed publishes the page at /monetarypolicy/fomcprojtablYYYYMMDD.htm, the date being the meeting's last day; it
has also spelled it fomcprojtableYYYYMMDD.htm (both in PAGE_PATHS). It is released at 2:00 p.m. with the
statement of every meeting that has an SEP.

Table 1 (markup in alerts.fomc.sep_tables) has three column groups, Median, Central Tendency and Range, each with
one column per year and one for "Longer run". Each variable's row is followed by the previous round's row,
labelled with that round's month ("September projection"). Cells are "3.6", a range "2.9–3.6" (en dash), one value
"2.0" where low and high agree, or empty: core PCE inflation has no longer-run projection. The federal funds rate is
under a "Memo: Projected appropriate policy path" row; its values are midpoints of the target range.

Assumed without a real sample: that a previous-round cell is left empty for a year the previous round did not
project (the September SEP adds a year; its "June projection" row cannot have it). Such a previous median is None.

The meeting is the date of the page's title and heading, "December 10, 2025: FOMC Projections materials".

The page is read whole or refused: ProjectionsLayoutChanged names what was missing (Table 1, a variable, a
horizon, a number, the dot plot or its counts). As a check against a misread column, each horizon's median of the
dot plot must round to Table 1's federal funds rate median. A page cut before the end of Table 1 or of the dot plot
is refused (the table has no </table>); one cut after them holds all that is read here and is accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from alerts.fomc.dot_plot import dots_median, find_dot_plot, read_dot_plot
from alerts.fomc.sep_tables import LONGER_RUN, Horizon, ProjectionsLayoutChanged, Table, parse_horizon, read_sep_page

__all__ = [
    "LONGER_RUN", "PAGE_PATHS", "Projections", "ProjectionsLayoutChanged", "Row", "implied_moves", "parse_projections",
    "to_json",
]  # fmt: skip

PAGE_PATHS = ("/monetarypolicy/fomcprojtabl{:%Y%m%d}.htm", "/monetarypolicy/fomcprojtable{:%Y%m%d}.htm")
# Table 1's row labels -> rotobot's names.
VARIABLES = {
    "change in real gdp": "gdp",
    "unemployment rate": "unemployment",
    "pce inflation": "pce",
    "core pce inflation": "core_pce",
    "federal funds rate": "funds_rate",
}
NOT_COLLECTED = {("core_pce", LONGER_RUN)}  # Table 1's footnote 4: "Longer-run projections ... are not collected."
GROUPS = {"median": "median", "central tendency": "central_tendency", "range": "range"}
PREVIOUS = re.compile(r"^(?P<month>[A-Za-z]+) projections?$")
NUMBER = r"[-\u2212]?\d{1,2}(?:\.\d{1,3})?"
VALUE = re.compile(rf"^(?P<low>{NUMBER})(?:\s*(?:[\u2013\u2014-]|to)\s*(?P<high>{NUMBER}))?$")
MEETING = re.compile(r"(?P<day>[A-Z][a-z]+ \d{1,2}, \d{4}): FOMC Projections materials")


@dataclass(frozen=True)
class Row:
    median: float  # percent
    central_tendency: tuple[float, float]  # (low, high); low == high where the page gives one value
    range: tuple[float, float]
    previous_median: float | None  # the previous round's median; None for a horizon it did not project


@dataclass(frozen=True)
class Projections:
    meeting: date  # the meeting's last day, as the page's heading gives it
    previous_round: str  # the month of the round the "... projection" rows come from, e.g. "September"
    horizons: tuple[Horizon, ...]  # e.g. (2025, 2026, 2027, 2028, "longer_run")
    variables: dict[str, dict[Horizon, Row]]  # "gdp", "unemployment", "pce", "core_pce" (no longer run), "funds_rate"
    dots: dict[Horizon, dict[float, int]]  # participants at each level (percent), levels with nobody left out
    participants: int  # per year column of the dot plot; the longer run may have fewer

    @property
    def funds_rate_median(self) -> dict[Horizon, float]:
        return {horizon: row.median for horizon, row in self.variables["funds_rate"].items()}

    @property
    def funds_rate_previous_median(self) -> dict[Horizon, float | None]:
        return {horizon: row.previous_median for horizon, row in self.variables["funds_rate"].items()}


def parse_projections(html: str) -> Projections:
    """Table 1 and the dot plot of an SEP page. Raises ProjectionsLayoutChanged, never returns a partial reading."""
    if not html.strip():
        raise ProjectionsLayoutChanged("empty page: no Summary of Economic Projections")
    page = read_sep_page(html)
    table = next((table for table in page.tables if re.match(r"^Table 1\b", table.title)), None)
    if table is None:
        raise ProjectionsLayoutChanged("no Table 1 (no table under a heading 'Table 1. Economic projections ...')")
    if not table.closed:
        raise ProjectionsLayoutChanged("Table 1 is cut off before its </table>: truncated download")
    horizons, columns, width = _columns(table)
    variables, previous_round = _variables(table, horizons, columns, width)
    dots, participants = read_dot_plot(find_dot_plot(page.tables), horizons)
    for horizon, row in variables["funds_rate"].items():
        # Table 1 rounds to one decimal: 3.625 is shown as 3.6, 3.375 as 3.4.
        if abs(dots_median(dots[horizon]) - row.median) > 0.05 + 1e-9:
            raise ProjectionsLayoutChanged(
                f"the dot plot's {horizon} median is {dots_median(dots[horizon]):.3f} but Table 1's federal funds "
                f"rate median is {row.median}: Table 1 and Figure 2 disagree (a column misread?)"
            )
    return Projections(
        meeting=_meeting([page.title, *page.headings]),
        previous_round=previous_round,
        horizons=horizons,
        variables=variables,
        dots=dots,
        participants=participants,
    )


def to_json(projections: Projections) -> dict:
    """The federal funds rate path: medians, previous medians and dots, keyed by "2025" ... "longer_run"."""
    funds = projections.variables["funds_rate"]
    return {
        "meeting": projections.meeting.isoformat(),
        "median": {str(horizon): row.median for horizon, row in funds.items()},
        "previous_median": {str(horizon): row.previous_median for horizon, row in funds.items()},
        "dots": {
            str(horizon): {f"{level:.3f}": count for level, count in levels.items()}
            for horizon, levels in projections.dots.items()
        },
    }


def implied_moves(median: float, lower: float, upper: float) -> int:
    """The number of 25 bp moves from the midpoint of the range in force (lower-upper) to a median; negative for cuts.

    Table 1's medians have one decimal, so the distance is rarely a whole number of moves: it is rounded to the
    nearest move, and exactly half a move rounds toward zero (a median half-way between two paths is not counted
    as the further one). 3.4 against 3.50-3.75 (midpoint 3.625) is -0.9 moves, so -1; 3.375 is exactly -1; 3.625
    is 0; 3.5 is -0.5 moves, so 0; 3.1 is -2.1, so -2.
    """
    if not lower < upper:
        raise ValueError(f"{lower}-{upper} is not a target range")
    # In 1/10,000 of a percentage point, so that 3.4 - 3.625 is exactly -2,250 and not -0.2250000000000001.
    distance = round(median * 10_000) * 2 - round(lower * 10_000) - round(upper * 10_000)  # twice the distance
    moves, rest = divmod(abs(distance), 5_000)
    moves += rest > 2_500
    return -moves if distance < 0 else moves


def _columns(table: Table) -> tuple[tuple[Horizon, ...], dict[str, list[int]], int]:
    """Table 1's horizons, for each group ("median", ...) the data column of each horizon, and the data columns."""
    if len(table.head) != 2:
        raise ProjectionsLayoutChanged(f"Table 1 has {len(table.head)} heading rows; expected 2 (groups, then years)")
    groups = [(" ".join(cell.text.lower().split()), cell.colspan) for cell in table.head[0][1:]]
    labels = [parse_horizon(cell.text) for cell in table.head[1] for _ in range(cell.colspan)]
    if sum(span for _, span in groups) != len(labels):
        raise ProjectionsLayoutChanged(
            f"Table 1's groups span {sum(span for _, span in groups)} columns but {len(labels)} horizons are named"
        )
    columns: dict[str, list[int]] = {}
    horizons: tuple[Horizon, ...] | None = None
    start = 0
    for name, span in groups:
        these = tuple(labels[start : start + span])
        if name in GROUPS:
            if horizons is not None and these != horizons:
                raise ProjectionsLayoutChanged(f"Table 1's {name!r} columns {these} differ from {horizons}")
            horizons = these
            columns[GROUPS[name]] = list(range(start, start + span))
        start += span
    missing = [group for group in GROUPS if GROUPS[group] not in columns]
    if missing or horizons is None:
        raise ProjectionsLayoutChanged(f"Table 1 has no {' or '.join(missing)} column group")
    if len(set(horizons)) != len(horizons) or not any(isinstance(horizon, int) for horizon in horizons):
        raise ProjectionsLayoutChanged(f"Table 1's horizons {horizons} are not distinct years and the longer run")
    return horizons, columns, len(labels)


def _variables(
    table: Table, horizons: tuple[Horizon, ...], columns: dict[str, list[int]], width: int
) -> tuple[dict[str, dict[Horizon, Row]], str]:
    rows: dict[str, tuple[list[str], list[str] | None]] = {}  # variable -> (its cells, the previous round's cells)
    months: set[str] = set()
    last: str | None = None  # the variable the next previous-round row belongs to; "" after a row not recognised
    unknown: list[str] = []
    for row in table.body:
        label = " ".join(row[0].text.split())
        cells = [cell.text for cell in row[1:] for _ in range(cell.colspan)]
        if not cells:
            continue  # "Memo: Projected appropriate policy path"
        if len(cells) != width:
            raise ProjectionsLayoutChanged(f"Table 1 row {label!r} has {len(cells)} cells; the heading names {width}")
        previous = PREVIOUS.match(label)
        if previous and last == "":
            continue  # the previous round of a row rotobot does not read
        if previous:
            if last is None or rows[last][1] is not None:
                raise ProjectionsLayoutChanged(f"Table 1 row {label!r} follows no variable's row")
            months.add(previous["month"].capitalize())
            rows[last] = (rows[last][0], cells)
        elif label.lower() in VARIABLES:
            last = VARIABLES[label.lower()]
            if last in rows:
                raise ProjectionsLayoutChanged(f"Table 1 has two rows {label!r}")
            rows[last] = (cells, None)
        else:
            unknown.append(label)
            last = ""
    missing = [name for name in VARIABLES if VARIABLES[name] not in rows]
    if missing:
        raise ProjectionsLayoutChanged(
            f"Table 1 has no row {', '.join(repr(name) for name in missing)}"
            + (f" (rows not recognised: {', '.join(map(repr, unknown))})" if unknown else "")
        )
    if len(months) != 1:
        raise ProjectionsLayoutChanged(f"Table 1's previous-round rows name {sorted(months) or 'no'} month(s)")
    variables: dict[str, dict[Horizon, Row]] = {}
    for name, (cells, previous_cells) in rows.items():
        if previous_cells is None:
            raise ProjectionsLayoutChanged(f"Table 1's {name} row is not followed by a previous-round row")
        variables[name] = {}
        for index, horizon in enumerate(horizons):
            median, central, spread = (cells[columns[group][index]] for group in GROUPS.values())
            where = f"Table 1 {name} {horizon}"
            if (name, horizon) in NOT_COLLECTED and not (median or central or spread):
                continue
            before = previous_cells[columns["median"][index]]
            variables[name][horizon] = Row(
                median=_single(median, f"{where} median"),
                central_tendency=_pair(central, f"{where} central tendency"),
                range=_pair(spread, f"{where} range"),
                previous_median=_single(before, f"{where} previous median") if before else None,
            )
    return variables, months.pop()


def _pair(text: str, where: str) -> tuple[float, float]:
    match = VALUE.match(text)
    if match is None:
        raise ProjectionsLayoutChanged(f"{where} is {text!r}, not a number or a range such as 2.9–3.6")
    low = float(match["low"].replace("\u2212", "-"))
    high = float(match["high"].replace("\u2212", "-")) if match["high"] else low
    if low > high:
        raise ProjectionsLayoutChanged(f"{where} {text!r} runs from high to low")
    return low, high


def _single(text: str, where: str) -> float:
    match = VALUE.match(text)
    if match is None or match["high"]:
        raise ProjectionsLayoutChanged(f"{where} is {text!r}, not a number")
    return float(match["low"].replace("\u2212", "-"))


def _meeting(texts: list[str]) -> date:
    for text in texts:
        if match := MEETING.search(text):
            try:
                return datetime.strptime(match["day"], "%B %d, %Y").date()
            except ValueError:
                continue
    raise ProjectionsLayoutChanged("no 'Month D, YYYY: FOMC Projections materials' title or heading: no meeting date")
