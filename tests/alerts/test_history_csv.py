"""parse_history_csv on real Yahoo/yfinance downloads of every header style, and on rows broken from them."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.market.history_csv import ParsedHistory, Rejected, looks_like_history_csv, parse_history_csv

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
KRE = "yahoo_daily_KRE_2023-07-03_to_2026-07-02.csv"  # Date,Open,High,Low,Close,Adj Close,Volume; LF
RUT = "yahoo_daily_RUT_index_1987-2026.csv"  # Date,Close,High,Low,Open,Volume (yfinance); CRLF
ROAD = "yahoo_close_only_ROAD_2018-05-04_to_2026-07-14.csv"  # Date,Close; LF
RSP = "yahoo_daily_RSP_2003-05-01_to_2024-01-24.csv"  # classic, no final newline
NOW = datetime(2026, 7, 20, 12, 0, tzinfo=timezone.utc)


def text_of(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode()  # bytes first: keep CRLF as it is in the file


def parse(text: str, now: datetime = NOW, symbol: str = "KRE") -> ParsedHistory:
    return parse_history_csv(text, symbol=symbol, source="import", fetched_at=NOW, now=now)


def with_lines(text: str, changes: dict[int, str]) -> str:
    """The text with its 1-based lines replaced (line ending kept)."""
    lines = text.splitlines(keepends=True)
    for number, content in changes.items():
        ending = lines[number - 1][len(lines[number - 1].rstrip("\r\n")) :]
        lines[number - 1] = content + ending
    return "".join(lines)


def line(text: str, number: int) -> str:
    return text.splitlines()[number - 1]


# --- the real header styles -------------------------------------------------------------------------------------


def test_classic_yahoo_with_adj_close_uses_close():
    parsed = parse(text_of(KRE))
    assert (len(parsed.bars), parsed.rejected) == (753, [])
    first = parsed.bars[0]
    assert (first.date, first.close, first.open, first.volume) == (date(2023, 7, 3), 41.77000045776367, 41.0, 10399700)
    assert (first.symbol, first.source, first.fetched_at) == ("KRE", "import", NOW)
    assert parsed.bars[-1].date == date(2026, 7, 2)


def test_yfinance_column_order_and_crlf():
    text = text_of(RUT)
    assert "\r\n" in text
    parsed = parse(text, symbol="^RUT")
    assert (len(parsed.bars), parsed.rejected) == (9686, [])
    record = {bar.date: bar for bar in parsed.bars}[date(2025, 12, 11)]
    assert round(record.close, 2) == 2590.61  # the record close of 11 December 2025
    assert (round(record.open, 2), round(record.high, 2), round(record.low, 2)) == (2560.98, 2593.89, 2558.46)
    assert record.volume == 5021060000
    assert parsed.bars[-1].volume == 0  # the provisional last row, stored as given


def test_close_only():
    parsed = parse(text_of(ROAD), symbol="ROAD")
    assert (len(parsed.bars), parsed.rejected) == (2058, [])
    first = parsed.bars[0]
    assert (first.date, first.close) == (date(2018, 5, 4), 12.100000381469727)
    assert (first.open, first.high, first.low, first.volume) == (None, None, None, None)


def test_no_final_newline():
    text = text_of(RSP)
    assert not text.endswith("\n")
    parsed = parse(text, symbol="RSP")
    assert (len(parsed.bars), parsed.rejected) == (5219, [])
    assert (parsed.bars[-1].date, parsed.bars[-1].close) == (date(2024, 1, 24), 155.910004)


def test_header_case_and_line_endings_do_not_matter():
    text = text_of(KRE)
    shouting = with_lines(text, {1: line(text, 1).upper().replace("ADJ CLOSE", "adj_close")})
    assert parse(shouting) == parse(text) == parse(text.replace("\n", "\r\n"))


def test_looks_like_history_csv():
    for name in (KRE, RUT, ROAD, RSP, "stooq_daily_NDX_index_1938_to_2026-05-01.csv"):
        assert looks_like_history_csv(text_of(name)), name
    assert not looks_like_history_csv("")
    assert not looks_like_history_csv((FIXTURES / "yahoo_v8_chart_TNX_5m_range1d_2026-02-02_raw.json").read_text())
    assert not looks_like_history_csv(with_lines(text_of(ROAD), {1: "Date,Price"}))


# --- files that are not daily history ---------------------------------------------------------------------------


def test_no_close_column_names_what_was_found():
    with pytest.raises(ValueError) as caught:
        parse(with_lines(text_of(ROAD), {1: "Date,Price"}))
    message = str(caught.value)
    assert "columns found 'Date', 'Price'" in message and "expected Date and Close" in message


def test_empty_file():
    with pytest.raises(ValueError, match="empty file"):
        parse("\r\n\r\n")


def test_a_column_twice():
    with pytest.raises(ValueError, match="'Close' appears twice"):
        parse(with_lines(text_of(ROAD), {1: "Date,Close,Close"}))


# --- bad rows are rejected one by one, with their line --------------------------------------------------------


def test_bad_rows_are_rejected_with_line_and_reason():
    text = text_of(KRE)
    broken = with_lines(
        text,
        {
            3: line(text, 3).replace("41.220001220703125", "0", 1),  # zero close (2023-07-05)
            5: line(text, 4),  # line 4 again: a duplicate date
            7: "2023-07-11,null,null,null,null,null,null",  # Yahoo's no-trade row
            9: line(text, 9).replace("2023-07-13", "2023-13-13"),
            11: line(text, 11).split(",", 1)[0] + ",NaN,NaN,NaN,NaN,NaN,1",
            # A row cut short before its Close: pandas reads the absent fields as empty, so Close is missing.
            13: ",".join(line(text, 13).split(",")[:3]),
            15: line(text, 15).replace(",", ",abc,", 1).rsplit(",", 1)[0],  # open 'abc'
        },
    )
    parsed = parse(broken)
    assert parsed.rejected == [
        Rejected(3, "2023-07-05: close is 0.0 (prices must be positive)"),
        Rejected(5, "2023-07-06: duplicate date 2023-07-06"),
        Rejected(7, "2023-07-11: no prices (every price is empty or null)"),
        Rejected(9, "date '2023-13-13' is not a calendar date"),
        Rejected(11, "2023-07-17: close is NaN; open is NaN; high is NaN; low is NaN"),
        Rejected(13, "2023-07-19: close is missing"),
        Rejected(15, "open 'abc' is not a number"),
    ]
    assert len(parsed.bars) == 753 - 7


def test_out_of_order_row():
    text = text_of(KRE)
    swapped = with_lines(text, {3: line(text, 4), 4: line(text, 3)})
    parsed = parse(swapped)
    assert parsed.rejected == [Rejected(4, "2023-07-05: date 2023-07-05 is out of order: it comes after 2023-07-06")]


def test_future_rows():
    # Noon UTC on 1 July 2026: the 2 July 2026 session (the last line) has not happened in New York.
    parsed = parse(text_of(KRE), now=datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc))
    reason = "2026-07-02: date 2026-07-02 is in the future (today in New York is 2026-07-01)"
    assert parsed.rejected == [Rejected(754, reason)]


def test_yfinance_aware_dates_keep_the_local_date():
    text = text_of(RUT)
    stamped = with_lines(text, {2: line(text, 2).replace("1987-09-10", "1987-09-10 00:00:00-04:00")})
    assert parse(stamped).bars[0].date == date(1987, 9, 10)


def test_fractional_volume_is_rounded():
    text = text_of(ROAD)
    with_volume = "Date,Close,Volume\n" + "".join(
        f"{row},{volume}\n" for row, volume in zip(text.splitlines()[1:3], ("958751963.17469", ""))
    )
    parsed = parse(with_volume)
    assert [bar.volume for bar in parsed.bars] == [958751963, None]


# --- property: any text either parses (bad rows rejected) or raises ValueError, never anything else -------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_raises_only_value_error(text):
    try:
        parse(text)
    except ValueError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("0123456789-.,eEnaNul \r\"x"), max_size=40), max_size=8))
def test_rows_under_a_real_header_are_parsed_or_rejected(rows):
    header = line(text_of(KRE), 1)
    try:
        parsed = parse("\n".join([header, *rows]))
    except ValueError as error:  # only the csv reader itself giving up (e.g. an unclosed quote)
        assert "not readable as CSV" in str(error)
        return
    assert all(bar.close > 0 for bar in parsed.bars)
    assert [r.line for r in parsed.rejected] == sorted(r.line for r in parsed.rejected)
