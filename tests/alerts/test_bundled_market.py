"""The bundled history of the seed's whole basket: RF and CFG from their close-only files, read by the one parser."""

from __future__ import annotations

from datetime import date, datetime, timezone
from importlib import resources

import pytest

from alerts.market.bundled import ADJUSTED_SOURCE, BUNDLED_FILES, bundled_history, is_adjusted
from alerts.market.history_csv import Rejected, parse_history_csv

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


def text_of(symbol: str) -> str:
    return resources.files("alerts.market").joinpath("data", BUNDLED_FILES[symbol]).read_text(encoding="utf-8")


@pytest.mark.parametrize("symbol, rows, first, last, first_close, last_close", [
    # Counts and dates as data/SOURCES.md records them; closes as the files hold them.
    ("RF", 11_675, date(1980, 3, 17), date(2026, 7, 14), 0.4076407253742218, 31.315000534057617),
    ("CFG", 2_966, date(2014, 9, 24), date(2026, 7, 13), 15.407262802124023, 70.36000061035156),
])
def test_a_close_only_file_loads_whole_with_adjusted_closes(symbol, rows, first, last, first_close, last_close):
    bars = bundled_history(symbol, now=NOW)
    assert len(bars) == rows
    assert (bars[0].date, bars[-1].date) == (first, last)
    assert (bars[0].close, bars[-1].close) == (first_close, last_close)
    assert all(b.open is None and b.high is None and b.low is None and b.volume is None for b in bars)
    assert {b.source for b in bars} == {ADJUSTED_SOURCE} and is_adjusted(bars[0].source)
    assert all(b.symbol == symbol for b in bars)


def test_each_symbol_ships_the_file_reaching_furthest():
    assert BUNDLED_FILES["CFG"] == "yahoo_close_only_CFG_2014-09-24_to_2026-07-13.csv"  # the daily file ends in 2021
    assert BUNDLED_FILES["RF"] == "yahoo_close_only_RF_1980-03-17_to_2026-07-14.csv"
    assert {"KRE", "CFG", "RF", "ZION", "AAON", "ROAD"} <= set(BUNDLED_FILES)  # the seed's whole default basket


def test_only_the_close_only_files_are_stamped_adjusted():
    sources = {symbol: bundled_history(symbol, now=NOW)[-1].source for symbol in ("KRE", "ZION", "^NDX", "AAON")}
    assert sources == {"KRE": "bundled:yahoo", "ZION": "bundled:yahoo", "^NDX": "bundled:stooq",
                       "AAON": ADJUSTED_SOURCE}
    assert not any(is_adjusted(s) for s in ("bundled:yahoo", "bundled:stooq", "import", "yahoo"))


def test_a_damaged_close_only_line_is_refused_like_any_other():
    lines = text_of("RF").splitlines(keepends=True)
    assert lines[1] == "1980-03-17,0.4076407253742218\n"
    lines[1] = "1980-03-17,0.40764O7253742218\n"  # a letter O for a zero
    lines[2] = "1980-03-18\n"  # cut short: no close
    lines[3] = "1980-13-19,0.41\n"  # no such month
    parsed = parse_history_csv("".join(lines), symbol="RF", source=ADJUSTED_SOURCE, fetched_at=NOW, now=NOW)
    assert parsed.rejected == [
        Rejected(2, "close '0.40764O7253742218' is not a number"),
        Rejected(3, "1980-03-18: no prices (every price is empty or null)"),
        Rejected(4, "date '1980-13-19' is not a calendar date"),
    ]
    assert len(parsed.bars) == 11_675 - 3 and parsed.bars[0].date > date(1980, 3, 18)
