"""The HTML tables of a Summary of Economic Projections page, as text cells, each with the heading above it.

The accessible SEP page (fomcprojtablYYYYMMDD.htm) is a series of `div.data-table` blocks: an
`<h4 class="tablehead">Table 1. ...</h4>` or `<h4 ...>Figure 2. ...</h4>`, a unit line, then a plain
`<table class="pubtables">` with a `<thead>` of `th.colhead` cells (with colspan and rowspan) and a `<tbody>` of rows
that open with a `th.stub` label followed by `td.data` cells. Empty cells hold `&nbsp;` (class `emptydata` or
`emptystub`). Footnote marks are links around `<sup>1</sup>` inside a header or label; their text is left out, so
"Core PCE inflation<a><sup>4</sup></a>" reads "Core PCE inflation".

This module only turns the markup into text; what the cells mean is read by alerts.fomc.projections and
alerts.fomc.dot_plot. Only the standard library's html.parser is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from html.parser import HTMLParser

Horizon = int | str  # a year, or LONGER_RUN
LONGER_RUN = "longer_run"
YEAR = re.compile(r"^(?:19|20|21)\d\d$")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Spaces that are not plain spaces; &nbsp; alone in a cell means the cell is empty.
SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\ufeff": ""})


class ProjectionsLayoutChanged(ValueError):
    """The page is not an SEP page of the shape rotobot reads; the message says what was missing or unreadable."""


def parse_horizon(text: str) -> Horizon:
    """A column heading: "2026" -> 2026, "Longer run" (any case) -> "longer_run"; else ProjectionsLayoutChanged."""
    label = " ".join(text.split())
    if YEAR.match(label):
        return int(label)
    if label.lower() in ("longer run", "longer-run"):
        return LONGER_RUN
    raise ProjectionsLayoutChanged(f"column heading {text!r} is neither a year nor 'Longer run'")


@dataclass(frozen=True)
class Cell:
    text: str  # whitespace collapsed; "" for an empty (&nbsp;) cell
    header: bool  # a <th>
    colspan: int
    rowspan: int


@dataclass(frozen=True)
class Table:
    title: str  # the text of the last <h4> before the table, e.g. "Table 1. Economic projections of ..."
    head: list[list[Cell]]  # the rows of its <thead>
    body: list[list[Cell]]  # every other row
    closed: bool = False  # False when the page ends (or another table starts) before its </table>


@dataclass(frozen=True)
class SepPage:
    title: str  # the <title>, e.g. "The Fed - December 10, 2025: FOMC Projections materials, accessible version"
    headings: list[str]  # the text of every h1-h6, in page order
    tables: list[Table]


def read_sep_page(html: str) -> SepPage:
    """The page's title, headings and tables. Never raises on bad markup: it reads what html.parser sees."""
    reader = _SepReader()
    reader.feed(html)
    reader.close()
    return SepPage(title=_clean(reader.title), headings=reader.headings, tables=reader.tables)


def _clean(parts: list[str]) -> str:
    return " ".join("".join(parts).translate(SPACES).split())


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 100))
    except ValueError:
        return 1


class _SepReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: list[str] = []
        self.headings: list[str] = []
        self.tables: list[Table] = []
        self._in_title = False
        self._heading: tuple[str, list[str]] | None = None  # (tag, text so far)
        self._last_h4 = ""
        self._hidden = 0  # depth inside <script>, <style> or <sup>
        self._table: Table | None = None
        self._in_head = False
        self._row: list[Cell] | None = None
        self._cell: tuple[bool, int, int, list[str]] | None = None  # (header, colspan, rowspan, text so far)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "sup"):
            self._hidden += 1
        elif tag == "title" and not self.title:  # the page's; an inline <svg> has <title>s of its own
            self._in_title = True
        elif tag in HEADINGS:
            self._heading = (tag, [])
        elif tag == "table":
            self._end_table()
            self._table = Table(title=self._last_h4, head=[], body=[])
        elif self._table is None:
            return
        elif tag == "thead":
            self._in_head = True
        elif tag in ("tbody", "tfoot"):
            self._end_row()
            self._in_head = False
        elif tag == "tr":
            self._end_row()
            self._row = []
        elif tag in ("td", "th"):
            self._end_cell()
            if self._row is None:
                self._row = []
            values = dict(attrs)
            self._cell = (tag == "th", _span(values.get("colspan")), _span(values.get("rowspan")), [])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "sup"):
            self._hidden = max(0, self._hidden - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in HEADINGS and self._heading is not None and self._heading[0] == tag:
            text = _clean(self._heading[1])
            self._heading = None
            self.headings.append(text)
            if tag == "h4":
                self._last_h4 = text
        elif tag == "table":
            self._end_table(closed=True)
        elif tag == "thead":
            self._end_row()
            self._in_head = False
        elif tag == "tr":
            self._end_row()
        elif tag in ("td", "th"):
            self._end_cell()

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        if self._in_title:
            self.title.append(data)
        if self._heading is not None:
            self._heading[1].append(data)
        if self._cell is not None:
            self._cell[3].append(data)

    def close(self) -> None:
        super().close()
        self._end_table()

    def _end_cell(self) -> None:
        if self._cell is None:
            return
        header, colspan, rowspan, parts = self._cell
        self._cell = None
        if self._row is not None:
            self._row.append(Cell(text=_clean(parts), header=header, colspan=colspan, rowspan=rowspan))

    def _end_row(self) -> None:
        self._end_cell()
        if self._row is None or self._table is None:
            self._row = None
            return
        if self._row:
            (self._table.head if self._in_head else self._table.body).append(self._row)
        self._row = None

    def _end_table(self, closed: bool = False) -> None:
        self._end_row()
        if self._table is not None:
            self.tables.append(replace(self._table, closed=closed))
        self._table = None
        self._in_head = False
