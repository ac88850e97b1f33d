"""parse_stooq_csv on Stooq's real ^NDX download, on Stooq's text answers, and on rows broken from the real file."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from alerts.market.errors import UpstreamError
from alerts.market.stooq_csv import parse_stooq_csv, stooq_symbol

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
NDX = FIXTURES / "stooq_daily_NDX_index_1938_to_2026-05-01.csv"  # Stooq's ^ndx_d.csv, CRLF
NOW = datetime(2026, 5, 2, 12, 0, tzinfo=timezone.utc)


def parse(body, now: datetime = NOW):
    return parse_stooq_csv(body, symbol="^NDX", fetched_at=NOW, now=now)


def refused(body, now: datetime = NOW) -> UpstreamError:
    with pytest.raises(UpstreamError) as caught:
        parse(body, now)
    assert (caught.value.source, caught.value.symbol) == ("stooq", "^NDX")
    return caught.value


def ndx_lines(count: int = 40) -> list[bytes]:
    """The header and the first rows of the real file: enough for a fault, and quick to parse."""
    return NDX.read_bytes().splitlines(keepends=True)[: count + 1]


def with_line(number: int, old: bytes, new: bytes) -> bytes:
    """The real file with one value on its 1-based line `number` replaced."""
    lines = ndx_lines()
    assert old in lines[number - 1]
    lines[number - 1] = lines[number - 1].replace(old, new, 1)
    return b"".join(lines)


# --- the real download ------------------------------------------------------------------------------------------


def test_the_real_ndx_download():
    bars = parse(NDX.read_bytes())
    assert len(bars) == 22_809
    first, last = bars[0], bars[-1]
    assert (first.date, first.open, first.high, first.low, first.close, first.volume) == (
        date(1938, 1, 3), 2.25, 2.29, 2.22, 2.24, 0,  # the back-filled early series: volume 0, stored as given
    )
    assert (last.date, last.close, last.volume) == (date(2026, 5, 1), 27672.863, 249909517)
    assert (first.symbol, first.source, first.fetched_at) == ("^NDX", "stooq", NOW)
    by_date = {bar.date: bar for bar in bars}
    assert by_date[date(2025, 12, 11)].close == 25686.68
    # Stooq's file has two fractional volumes (2022-08-31 and 2022-09-01); a share count is whole.
    assert by_date[date(2022, 8, 31)].volume == 958751963


def test_text_and_bytes_give_the_same_bars():
    raw = b"".join(ndx_lines())
    assert parse(raw.decode()) == parse(raw)


# --- Stooq's answers that are not a CSV ---------------------------------------------------------------------------
# The two texts are as quoted by projects that parse Stooq (e.g. `if (data === 'No data')`, `'Exceeded the daily hits
# limit'`); no recorded Stooq response with them was found, so the tests accept the variants seen in those projects.


@pytest.mark.parametrize("body", [b"Exceeded the daily hits limit", b"Exceeded the daily hits limit!\n"])
def test_rate_limited_is_retryable(body):
    error = refused(body)
    assert error.retryable is True
    assert error.reason.startswith("rate limited: Stooq answered 'Exceeded the daily hits limit")


@pytest.mark.parametrize("body", [b"No data", b"No data\r\n"])
def test_no_data(body):
    error = refused(body)
    assert error.retryable is False
    assert error.reason == "Stooq answered 'No data': unknown symbol or no bars in the range"


def test_html_instead_of_csv():
    # The first bytes of Stooq's browser-check page as a public probe report recorded them (HTTP 200, 796 bytes).
    page = (
        b'<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="robots" content="noindex,nofollow"></head>'
        b"<body><noscript>This site requires JavaScript to verify your browse"
    )
    error = refused(page)
    assert error.retryable is False
    assert error.reason.startswith("expected CSV, got HTML (starts '<!DOCTYPE html>")
    assert error.reason.endswith("an API key page or a browser check?")


@pytest.mark.parametrize("body", [b"", b"\r\n  \r\n"])
def test_empty_body(body):
    assert refused(body).reason == "empty body: expected a CSV"


def test_unknown_header():
    body = with_line(1, b"Volume", b"Vol")
    assert refused(body).reason == (
        "unexpected header 'Date,Open,High,Low,Close,Vol': expected Date,Open,High,Low,Close,Volume"
    )


def test_php_warning_before_the_header():
    # Stooq has been seen to put PHP warnings above the header (noted in jjttcc/market-analysis-system).
    warning = b"Warning: Division by zero in /home/stooq/www/makro/lib/download.inc on line 102\r\n\r\n"
    body = warning + b"".join(ndx_lines())
    assert refused(body).reason.startswith("unexpected header 'Warning: Division by zero")


def test_header_only():
    assert refused(ndx_lines()[0]).reason == "the CSV has a header but no rows"


def test_not_utf8():
    assert "not UTF-8" in refused(b"\xff\xfe" + NDX.read_bytes()[:200]).reason


# --- one bad row refuses the whole download -------------------------------------------------------------------


def test_zero_price():
    body = with_line(3, b",2.34,", b",0,")  # 1938-01-04 close
    error = refused(body)
    assert (error.retryable, error.reason) == (False, "line 3: 1938-01-04: close is 0.0 (prices must be positive)")


def test_nan_price():
    assert refused(with_line(3, b",2.34,", b",NaN,")).reason == "line 3: 1938-01-04: close is NaN"


def test_duplicate_row():
    lines = ndx_lines()
    body = b"".join([*lines[:3], lines[2], *lines[3:]])
    assert refused(body).reason == "line 4: 1938-01-04: duplicate date 1938-01-04"


def test_out_of_order_rows():
    lines = ndx_lines()
    body = b"".join([lines[0], lines[2], lines[1], *lines[3:]])
    assert refused(body).reason == "line 3: 1938-01-03: date 1938-01-03 is out of order: it comes after 1938-01-04"


def test_future_row():
    lines = NDX.read_bytes().splitlines(keepends=True)
    body = b"".join([lines[0], *lines[-3:]])  # the header and the last three sessions
    error = refused(body, now=datetime(2026, 4, 30, 20, 0, tzinfo=timezone.utc))
    assert error.reason == "line 4: 2026-05-01: date 2026-05-01 is in the future (today in New York is 2026-04-30)"


def test_several_bad_rows_are_counted():
    body = with_line(3, b",2.34,", b",0,").replace(b"2.25,2.29,2.22,2.24,0", b"2.25,2.29,2.22,-1,0")
    assert refused(body).reason.endswith("(and 1 more bad rows)")


# --- symbols -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "expected"),
    [
        ("^NDX", "^ndx"),  # confirmed: the recorded file is ^ndx_d.csv
        ("^ndx", "^ndx"),
        ("^SPX", "^spx"),
        ("^DJI", "^dji"),
        ("IWM", "iwm.us"),
        ("CFG", "cfg.us"),
        ("KRE", "kre.us"),
        ("BRK-B", "brk-b.us"),
        ("^RUT", None),  # no recorded Stooq download confirms a Russell 2000 symbol
        ("^GSPC", None),
        ("^VIX", None),
        ("EURUSD=X", None),
        ("BRK.B", None),
        ("", None),
    ],
)
def test_stooq_symbol(symbol, expected):
    assert stooq_symbol(symbol) == expected
