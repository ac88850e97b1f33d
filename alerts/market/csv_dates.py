"""The date format of a history file, inferred once per file and checked on every row: never guessed row by row.

A file whose every date reads two ways (7/1/1954: 1 July or 7 January?) is refused, not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DateFormat:
    strptime: str  # the explicit format handed to pandas.to_datetime
    shape: str  # a regular expression the cell must match before it is parsed
    name: str  # what a user reads in a refusal


# The order breaks ties between formats that read different rows (a mixed file): ISO first.
FORMATS = (
    DateFormat("%Y-%m-%d", r"\d{4}-\d{2}-\d{2}", "YYYY-MM-DD"),
    DateFormat("%Y/%m/%d", r"\d{4}/\d{1,2}/\d{1,2}", "YYYY/MM/DD"),
    DateFormat("%Y%m%d", r"\d{8}", "YYYYMMDD"),
    DateFormat("%d-%b-%y", r"\d{1,2}-[A-Za-z]{3}-\d{2}", "DD-Mon-YY (like 27-Dec-24)"),
    DateFormat("%d-%b-%Y", r"\d{1,2}-[A-Za-z]{3}-\d{4}", "DD-Mon-YYYY (like 27-Dec-2024)"),
    DateFormat("%d %b %Y", r"\d{1,2} [A-Za-z]{3} \d{4}", "DD Mon YYYY (like 27 Dec 2024)"),
    DateFormat("%b %d, %Y", r"[A-Za-z]{3} \d{1,2}, \d{4}", "Mon DD, YYYY (like Dec 27, 2024)"),
    DateFormat("%m/%d/%Y", r"\d{1,2}/\d{1,2}/\d{4}", "M/D/YYYY, month first (like 12/27/2024)"),
    DateFormat("%d/%m/%Y", r"\d{1,2}/\d{1,2}/\d{4}", "D/M/YYYY, day first (like 27/12/2024)"),
    DateFormat("%m/%d/%y", r"\d{1,2}/\d{1,2}/\d{2}", "M/D/YY, month first (like 12/27/24)"),
    DateFormat("%d/%m/%y", r"\d{1,2}/\d{1,2}/\d{2}", "D/M/YY, day first (like 27/12/24)"),
    DateFormat("%d.%m.%Y", r"\d{1,2}\.\d{1,2}\.\d{4}", "DD.MM.YYYY (like 27.12.2024)"),
)
ISO = FORMATS[0]


def parse_dates(cells, fmt: DateFormat):
    """(shaped, days): which cells have the format's shape, and their datetimes (NaT where not a calendar date)."""
    import pandas as pd

    shaped = cells.str.fullmatch(fmt.shape)
    days = pd.to_datetime(cells.where(shaped), format=fmt.strptime, errors="coerce")
    return shaped, days


def infer_format(cells) -> tuple[DateFormat, object, object]:
    """The one format that reads the most of `cells` (a pandas Series of str), with parse_dates' answer for it.

    Raises ValueError when two formats read the same cells as different dates and nothing in the file settles it.
    """
    best: list[tuple[DateFormat, object, object]] = []
    best_count = 0
    for fmt in FORMATS:
        shaped, days = parse_dates(cells, fmt)
        count = int(days.notna().sum())
        if count > best_count:
            best, best_count = [(fmt, shaped, days)], count
        elif count and count == best_count:
            best.append((fmt, shaped, days))
    if not best:
        return ISO, *parse_dates(cells, ISO)
    chosen, _, days = best[0]
    for other, _, other_days in best[1:]:
        both = days.notna() & other_days.notna()
        differ = both & (days != other_days)
        if differ.any():
            sample = cells[differ].iloc[0]
            one, two = days[differ].iloc[0].date(), other_days[differ].iloc[0].date()
            raise ValueError(
                f"ambiguous dates: {sample!r} reads as {one} in {chosen.name} and as {two} in {other.name},"
                f" and no date in the file settles which; save the file with dates as YYYY-MM-DD"
            )
    return best[0]
