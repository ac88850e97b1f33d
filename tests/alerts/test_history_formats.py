"""The date, number and row-order formats parse_history_csv reads, on real files and on forms derived from them.

No real file in the fixture set is saved as `DD-Mon-YY` newest first with quoted volumes, or with Excel's `7/1/1954`
dates: those are derived here, in code, from the real KRE and FRED DFF files (dates reformatted, order reversed,
volume quoted with thousands separators), so every value in them is real.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from alerts.market.history_csv import Rejected, fred_series_id, looks_like_history_csv, parse_history_csv

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
KRE = "yahoo_daily_KRE_2023-07-03_to_2026-07-02.csv"  # Date,Open,High,Low,Close,Adj Close,Volume
DFF = "fred_DFF_1954-07-01_to_2025-03-21.csv"  # observation_date,DFF
NOW = datetime(2026, 7, 20, 12, 0, tzinfo=timezone.utc)


def text_of(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode()


def parse(text: str, symbol: str = "KRE"):
    return parse_history_csv(text, symbol=symbol, source="import", fetched_at=NOW, now=NOW)


def descending_dd_mon_yy(text: str) -> str:
    """KRE as some sites save it: `27-Dec-24` dates, newest first, a Change column, volume quoted with commas."""
    header, *rows = text.splitlines()
    out = ["Date,Open,High,Low,Close,Change,Adj. Close,Volume"]
    previous = None
    for row in rows:
        day, open_, high, low, close, adj, volume = row.split(",")
        change = "" if previous is None else f"{float(close) - previous:.2f}"
        previous = float(close)
        stamp = date.fromisoformat(day).strftime("%d-%b-%y")
        out.append(f'{stamp},{open_},{high},{low},{close},{change},{adj},"{int(volume):,}"')
    return "\r\n".join([out[0], *reversed(out[1:])]) + "\r\n"


def excel_dates(text: str, rows: int | None = None) -> str:
    """DFF with its dates as Excel saves them in a US locale: month first, no leading zeros (7/1/1954)."""
    header, *lines = text.splitlines()
    out = [header]
    for row in lines[:rows]:
        day, value = row.split(",")
        d = date.fromisoformat(day)
        out.append(f"{d.month}/{d.day}/{d.year},{value}")
    return "\n".join(out) + "\n"


def test_descending_dd_mon_yy_with_quoted_volume_reads_as_the_original():
    original = parse(text_of(KRE))
    derived = descending_dd_mon_yy(text_of(KRE))
    assert derived.splitlines()[1].startswith('2-Jul-26,') or derived.splitlines()[1].startswith('02-Jul-26,')
    assert '"10,399,700"' in derived.splitlines()[-1]  # the first session, now the last line
    parsed = parse(derived)
    assert (len(parsed.bars), parsed.rejected) == (753, [])
    assert parsed.bars == original.bars  # same dates, prices and volumes, oldest first


def test_descending_file_rejects_a_bad_line_by_its_line_in_the_file():
    lines = descending_dd_mon_yy(text_of(KRE)).splitlines()
    lines[2] = "2026-07-01" + lines[2][lines[2].index(","):]  # line 3: an ISO date among DD-Mon-YY ones
    lines[4] = "31-Jun-26" + lines[4][lines[4].index(","):]  # line 5
    parsed = parse("\n".join(lines))
    assert [r.line for r in parsed.rejected] == [3, 5]
    assert parsed.rejected[0] == Rejected(
        3, "date '2026-07-01' is not DD-Mon-YY (like 27-Dec-24), the date format of this file"
    )
    assert parsed.rejected[1] == Rejected(5, "date '31-Jun-26' is not a calendar date")
    assert len(parsed.bars) == 751


def test_fred_series_of_any_id_reads_as_a_daily_series():
    text = text_of(DFF)
    assert looks_like_history_csv(text) and fred_series_id(text) == "DFF"
    parsed = parse(text, symbol="DFF")
    assert (len(parsed.bars), parsed.rejected, parsed.skipped) == (25832, [], 0)
    first = parsed.bars[0]
    assert (first.date, first.close, first.open, first.volume) == (date(1954, 7, 1), 1.13, None, None)
    assert parsed.bars[-1].date == date(2025, 3, 21)


def test_fred_date_header_and_missing_days():
    lines = text_of(DFF).splitlines()
    lines[0] = "DATE,DFF"  # FRED's older download header
    lines[3], lines[4] = lines[3].split(",")[0] + ",.", lines[4].split(",")[0] + ","
    parsed = parse("\n".join(lines), symbol="DFF")
    assert fred_series_id("\n".join(lines)) == "DFF"
    assert (len(parsed.bars), parsed.rejected, parsed.skipped) == (25830, [], 2)
    assert date(1954, 7, 3) not in {b.date for b in parsed.bars}


def test_excel_month_first_dates_read_as_the_iso_original():
    parsed = parse(excel_dates(text_of(DFF)), symbol="DFF")
    assert excel_dates(text_of(DFF)).splitlines()[1] == "7/1/1954,1.13"
    assert parsed.bars == parse(text_of(DFF), symbol="DFF").bars


def test_dates_that_read_both_ways_are_refused_not_guessed():
    # 1 to 12 July 1954: every date is a valid day/month and a valid month/day.
    with pytest.raises(ValueError) as caught:
        parse(excel_dates(text_of(DFF), rows=12), symbol="DFF")
    message = str(caught.value)
    assert message.startswith("ambiguous dates: '7/1/1954' reads as 1954-07-01 in M/D/YYYY")
    assert "1954-01-07 in D/M/YYYY" in message and "save the file with dates as YYYY-MM-DD" in message
    # One day above 12 settles it: 13 July can only be month first.
    assert len(parse(excel_dates(text_of(DFF), rows=13), symbol="DFF").bars) == 13


def test_quoted_thousands_in_prices_and_garbage_numbers():
    rows = ['Date,Close,Volume', '2024-12-26,"1,234.50","1,234,567"', '2024-12-27,"12,34",5', "2024-12-30,1_000,5"]
    parsed = parse("\n".join(rows))
    assert [(b.close, b.volume) for b in parsed.bars] == [(1234.5, 1234567)]
    assert parsed.rejected == [Rejected(3, "close '12,34' is not a number"), Rejected(4, "close '1_000' is not a number")]
