"""parse_projections on the real December 2025 SEP page, and on damaged copies built from it inside each test.

Every damaged page below is derived from the real bytes in the test itself (a table removed, a column cut, a cell
replaced); no upstream document is edited on disk.
"""

from __future__ import annotations

import json
import random
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.fomc.projections import (
    LONGER_RUN,
    PAGE_PATHS,
    Projections,
    ProjectionsLayoutChanged,
    implied_moves,
    parse_projections,
    to_json,
)

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "fomc"
PAGE = FIXTURES / "fomcprojtabl20251210.htm"
LR = LONGER_RUN
TABLE_1 = '<table aria-labelledby="xt1 xt1p1b"'
FIGURE_2 = '<table aria-labelledby="xt6 xt6p1b"'
COLUMN_2027 = "9724fe45"  # the id of Figure 2's 2027 heading cell; each of its cells has headers="... 9724fe45"


@pytest.fixture(scope="module")
def page() -> str:
    # The saved page starts with a UTF-8 BOM and uses CRLF; both are passed on as they are.
    return PAGE.read_bytes().decode("utf-8")


@pytest.fixture(scope="module")
def sep(page) -> Projections:
    return parse_projections(page)


def without_table(page: str, opening: str) -> str:
    start = page.index(opening)
    end = page.index("</table>", start) + len("</table>")
    return page[:start] + page[end:]


def replace_once(page: str, old: str, new: str) -> str:
    assert page.count(old) == 1, old
    return page.replace(old, new)


def refused(page: str) -> str:
    with pytest.raises(ProjectionsLayoutChanged) as caught:
        parse_projections(page)
    return str(caught.value)


# --- the real page -------------------------------------------------------------------------------------------


def test_meeting_round_and_horizons(sep):
    assert sep.meeting == date(2025, 12, 10)
    assert sep.previous_round == "September"
    assert sep.horizons == (2025, 2026, 2027, 2028, LR)
    assert set(sep.variables) == {"gdp", "unemployment", "pce", "core_pce", "funds_rate"}


def test_federal_funds_rate_medians_and_the_september_medians(sep):
    assert sep.funds_rate_median == {2025: 3.6, 2026: 3.4, 2027: 3.1, 2028: 3.1, LR: 3.0}
    # The September round had the same path.
    assert sep.funds_rate_previous_median == {2025: 3.6, 2026: 3.4, 2027: 3.1, 2028: 3.1, LR: 3.0}


def test_federal_funds_rate_central_tendency_and_range(sep):
    funds = sep.variables["funds_rate"]
    assert funds[2026].central_tendency == (2.9, 3.6)
    assert funds[2026].range == (2.1, 3.9)
    assert funds[2025].central_tendency == (3.6, 3.9)


def test_core_pce_has_no_longer_run(sep):
    core = sep.variables["core_pce"]
    assert {horizon: row.median for horizon, row in core.items()} == {2025: 3.0, 2026: 2.5, 2027: 2.1, 2028: 2.0}
    assert core[2025].central_tendency == (2.9, 3.0)
    assert core[2025].range == (2.7, 3.1)
    assert core[2025].previous_median == 3.1
    assert LR not in core


def test_unemployment_gdp_and_pce(sep):
    unemployment = sep.variables["unemployment"]
    assert [unemployment[h].median for h in sep.horizons] == [4.5, 4.4, 4.2, 4.2, 4.2]
    assert unemployment[LR].range == (3.8, 4.5)
    assert unemployment[2027].previous_median == 4.3
    gdp = sep.variables["gdp"]
    assert (gdp[2026].median, gdp[2026].previous_median) == (2.3, 1.8)
    # A cell holding one value, "2.0", is a central tendency whose low and high agree.
    assert sep.variables["pce"][2028].central_tendency == (2.0, 2.0)
    assert sep.variables["pce"][2025].previous_median == 3.0


def test_dot_plot(sep):
    assert sep.participants == 19
    assert sep.dots[2025] == {3.875: 6, 3.625: 12, 3.375: 1}
    assert sep.dots[2026] == {3.875: 3, 3.625: 4, 3.375: 4, 3.125: 4, 2.875: 2, 2.625: 1, 2.125: 1}
    assert sep.dots[LR][3.0] == 5
    for horizon in sep.horizons:
        assert sum(sep.dots[horizon].values()) == 19, horizon
        assert list(sep.dots[horizon]) == sorted(sep.dots[horizon], reverse=True)
        assert all(count > 0 for count in sep.dots[horizon].values())


def test_to_json(sep):
    document = to_json(sep)
    assert set(document) == {"meeting", "median", "previous_median", "dots"}
    assert document["meeting"] == "2025-12-10"
    assert document["median"] == {"2025": 3.6, "2026": 3.4, "2027": 3.1, "2028": 3.1, "longer_run": 3.0}
    assert document["previous_median"] == document["median"]
    assert document["dots"]["2025"] == {"3.875": 6, "3.625": 12, "3.375": 1}
    assert document["dots"]["longer_run"]["3.000"] == 5
    assert list(document["dots"]) == ["2025", "2026", "2027", "2028", "longer_run"]
    assert json.loads(json.dumps(document)) == document


def test_page_paths_both_spellings():
    assert [path.format(date(2025, 12, 10)) for path in PAGE_PATHS] == [
        "/monetarypolicy/fomcprojtabl20251210.htm",
        "/monetarypolicy/fomcprojtable20251210.htm",
    ]


# --- implied moves -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("median", "moves"),
    [
        (3.4, -1),  # -0.9 moves from the midpoint 3.625
        (3.375, -1),  # exactly one cut
        (3.625, 0),  # the midpoint itself
        (3.6, 0),
        (3.5, 0),  # -0.5: half a move rounds toward zero
        (3.75, 0),  # +0.5
        (3.25, -1),  # -1.5
        (3.875, 1),
        (3.1, -2),  # -2.1
        (3.0, -2),  # -2.5
        (2.9, -3),  # -2.9
    ],
)
def test_implied_moves_against_3_50_to_3_75(median, moves):
    assert implied_moves(median, 3.5, 3.75) == moves


def test_implied_moves_from_the_real_page(sep):
    # The range in force after the December 2025 cut was 3-1/2 to 3-3/4 percent.
    assert {h: implied_moves(m, 3.5, 3.75) for h, m in sep.funds_rate_median.items()} == {
        2025: 0, 2026: -1, 2027: -2, 2028: -2, LR: -2
    }  # fmt: skip


def test_implied_moves_refuses_a_range_that_is_not_one():
    with pytest.raises(ValueError):
        implied_moves(3.4, 3.75, 3.5)


# --- pages rotobot refuses -----------------------------------------------------------------------------------


def test_page_without_table_1(page):
    assert "no Table 1" in refused(without_table(page, TABLE_1))


def test_page_without_the_dot_plot(page):
    assert "no dot plot" in refused(without_table(page, FIGURE_2))


def test_dot_plot_with_a_column_missing(page):
    # The 2027 column cut from Figure 2: its heading cell and every cell under it.
    start = page.index(FIGURE_2)
    end = page.index("</table>", start)
    figure = re.sub(rf'\s*<t[hd] [^>]*(?:id="{COLUMN_2027}"|headers="[^"]* {COLUMN_2027}")[^>]*>[^<]*</t[hd]>', "",
                    page[start:end])  # fmt: skip
    assert figure.count(COLUMN_2027) == 0
    reason = refused(page[:start] + figure + page[end:])
    assert "missing 2027" in reason


def test_dot_plot_row_with_a_cell_missing(page):
    damaged = replace_once(page, '\t\t\t<td class="data" headers="44819301 9724fe45">2</td>\r\n', "")
    assert "dot plot row 3.625 has 4 cells" in refused(damaged)


def test_dots_that_do_not_add_up_across_years(page):
    # One participant fewer at 3.625 in 2025: 18 for 2025, 19 for the other years.
    damaged = replace_once(page, '<td class="data" headers="44819301 90e3e283">12</td>', '<td class="data">11</td>')
    assert "do not add up" in refused(damaged)


def test_dots_whose_median_is_not_table_1s(page):
    # The twelve 2025 dots moved from 3.625 to 3.375: the columns still add up to 19, but the median is 3.375.
    damaged = replace_once(page, '<td class="data" headers="44819301 90e3e283">12</td>', "<td>&nbsp;</td>")
    damaged = replace_once(damaged, '<td class="data" headers="d614dfcc 90e3e283">1</td>', "<td>13</td>")
    assert "2025 median is 3.375" in refused(damaged)


def test_median_cell_holding_text(page):
    damaged = replace_once(page, '<td class="data" headers="xt1a2 xt1b2 xt1r9 xt1r10">3.4</td>', "<td>n.a.</td>")
    reason = refused(damaged)
    assert "funds_rate 2026 median" in reason and "'n.a.'" in reason


def test_variable_missing(page):
    start = page.index('<th class="stub" headers="xt1a1" id="xt1r7">Core PCE inflation')
    start = page.rindex("<tr>", 0, start)
    end = page.index('<th class="memogrey"')
    end = page.rindex("<tr>", 0, end)
    assert "no row 'core pce inflation'" in refused(page[:start] + page[end:])


def test_horizon_count_mismatch(page):
    damaged = replace_once(page, '<th class="colhead" headers="xt1a2" id="xt1b5">Longer run</th>', "")
    assert "span 15 columns but 14 horizons" in refused(damaged)


def test_no_meeting_date(page):
    damaged = page.replace(": FOMC Projections materials", " FOMC projections")
    assert "no meeting date" in refused(damaged)


def test_empty_page():
    assert "empty page" in refused("")
    assert "empty page" in refused(" \r\n\t")


def test_garbage_bytes_decoded_with_replacement():
    garbage = random.Random(2025).randbytes(50_000).decode("utf-8", errors="replace")
    assert "\ufffd" in garbage
    assert "no Table 1" in refused(garbage)


@pytest.mark.parametrize("fraction", [0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1.0])
def test_page_cut_before_the_end_of_the_dot_plot(page, fraction):
    # A download cut anywhere before Figure 2's </table> loses a table, a row or a cell: never a half-read result.
    # Even a cut in the last, empty row (2.000) is refused: the table is not closed, so its end is unknown.
    end = page.index("</table>", page.index(FIGURE_2))
    start = page.index(TABLE_1)
    refused(page[: start + int((end - start) * fraction)])


def test_a_cut_inside_the_dot_plot_is_named(page):
    end = page.index("</table>", page.index(FIGURE_2))
    assert "dot plot is cut off" in refused(page[:end])


def test_a_cut_after_the_dot_plot_loses_nothing_rotobot_reads(page, sep):
    end = page.index("</table>", page.index(FIGURE_2)) + len("</table>")
    assert parse_projections(page[:end]) == sep


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=400))
def test_any_text_is_read_or_refused_with_the_layout_error(text):
    try:
        parse_projections(text)
    except ProjectionsLayoutChanged:
        pass


def test_a_longer_run_with_fewer_participants_is_read(page):
    # In March 2021 one participant submitted no longer-run projection (18 per year, 17 for the longer run). Here
    # the highest longer-run dot (3.875) is taken away from the real page: the years still have 19 each, and the
    # longer-run median stays 3.0 (taking away a dot below it would move the median to 3.0625, shown as 3.1).
    damaged = replace_once(page, '<td class="data" headers="f99861e6 65c24084">1</td>', "<td>&nbsp;</td>")
    sep = parse_projections(damaged)
    assert sep.participants == 19
    assert sum(sep.dots[LR].values()) == 18


def test_a_longer_run_with_more_participants_than_the_years_is_refused(page):
    damaged = replace_once(page, '<td class="data" headers="f0925e53 65c24084">5</td>', "<td>6</td>")
    assert "longer-run column adds up to 20" in refused(damaged)


def test_a_row_rotobot_does_not_read_is_passed_over_with_its_previous_round(page, sep):
    # A variable the Fed might add: the real GDP rows, relabelled, inserted before the unemployment rows.
    start = page.rindex("<tr>", 0, page.index('id="xt1r1">Change in real GDP'))
    end = page.rindex("<tr>", 0, page.index('id="xt1r3">Unemployment rate'))
    added = page[start:end].replace("Change in real GDP", "Real potential output")
    assert parse_projections(page[:end] + added + page[end:]) == sep
