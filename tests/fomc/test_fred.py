"""parse_fred_csv and decisions_from_ranges on the real FRED DFEDTARU/DFEDTARL files, and faults built from them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from alerts.fomc.fred import FredSeries, decisions_from_ranges, parse_fred_csv

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"
UPPER_FILE = FIXTURES / "fomc" / "fred_DFEDTARU_2008-12-16_to_2025-12-10.csv"
LOWER_FILE = FIXTURES / "fomc" / "fred_DFEDTARL_2008-12-16_to_2025-12-10.csv"


@pytest.fixture(scope="module")
def upper_text() -> str:
    return UPPER_FILE.read_bytes().decode("utf-8")


@pytest.fixture(scope="module")
def lower_text() -> str:
    return LOWER_FILE.read_bytes().decode("utf-8")


@pytest.fixture(scope="module")
def upper(upper_text) -> FredSeries:
    return parse_fred_csv(upper_text)


@pytest.fixture(scope="module")
def lower(lower_text) -> FredSeries:
    return parse_fred_csv(lower_text)


def summary(decisions):
    return [(d.date, d.action, d.lower, d.upper, d.change_bp) for d in decisions]


# --- the real files ------------------------------------------------------------------------------------------


def test_real_series(upper, lower, upper_text):
    assert upper_text.startswith("observation_date,DFEDTARU\n")
    assert (upper.series_id, lower.series_id) == ("DFEDTARU", "DFEDTARL")
    assert len(upper.values) == len(lower.values) == 6204  # one row a day, weekends included
    assert (upper.skipped, lower.skipped) == (0, 0)  # the recorded files have no "." row
    assert min(upper.values) == date(2008, 12, 16) and max(upper.values) == date(2025, 12, 10)
    assert (lower.values[date(2025, 12, 10)], upper.values[date(2025, 12, 10)]) == (3.75, 4.0)


def test_decisions_of_2024_and_2025(upper, lower):
    recent = [d for d in decisions_from_ranges(upper, lower) if d.date.year >= 2024]
    assert summary(recent) == [
        (date(2024, 9, 19), "lower", 4.75, 5.0, -50),
        (date(2024, 11, 8), "lower", 4.5, 4.75, -25),
        (date(2024, 12, 19), "lower", 4.25, 4.5, -25),
        (date(2025, 9, 18), "lower", 4.0, 4.25, -25),
        (date(2025, 10, 30), "lower", 3.75, 4.0, -25),
    ]
    assert {d.source for d in recent} == {"fred"}


def test_every_decision_since_2008(upper, lower):
    decisions = decisions_from_ranges(upper, lower)
    assert len(decisions) == 30  # 2008-12-16 opens the series: no Decision for it
    assert all(d.action in ("raise", "lower") for d in decisions)
    assert all(d.upper - d.lower == 0.25 for d in decisions)
    by_date = {d.date: d for d in decisions}
    # The unscheduled cuts of 2020 take effect the next day, like scheduled ones.
    assert (by_date[date(2020, 3, 4)].change_bp, by_date[date(2020, 3, 16)].change_bp) == (-50, -100)
    assert [d.change_bp for d in decisions if d.date.year == 2022] == [25, 50, 75, 75, 75, 75, 50]
    # FRED dates the hikes of 2015-12-16 and 2016-12-14 on the decision day itself, not the day after.
    assert date(2015, 12, 16) in by_date and date(2016, 12, 14) in by_date
    assert date(2017, 3, 16) in by_date  # the meeting ended 2017-03-15


def test_old_date_header(upper_text, upper):
    old_style = upper_text.replace("observation_date,DFEDTARU", "DATE,DFEDTARU", 1)
    assert old_style.startswith("DATE,DFEDTARU\n")
    assert parse_fred_csv(old_style) == upper


def test_bytes_and_crlf(upper_text, upper):
    assert parse_fred_csv(UPPER_FILE.read_bytes()) == upper
    assert parse_fred_csv(upper_text.replace("\n", "\r\n")) == upper


# --- "." rows and dates in one series only --------------------------------------------------------------------


def test_dot_rows_are_skipped_and_counted(upper_text):
    altered = upper_text.replace("2024-09-19,5.00\n", "2024-09-19,.\n").replace("2024-09-21,5.00\n", "2024-09-21,.\n")
    series = parse_fred_csv(altered)
    assert series.skipped == 2
    assert date(2024, 9, 19) not in series.values and series.values[date(2024, 9, 20)] == 5.0


def test_a_date_without_a_value_in_one_series_is_not_compared(upper_text, lower):
    # The cut of 2024-09-18 took effect on 2024-09-19; with no upper value that day it is seen on 2024-09-20.
    upper = parse_fred_csv(upper_text.replace("2024-09-19,5.00\n", "2024-09-19,.\n"))
    cut = [d for d in decisions_from_ranges(upper, lower) if d.date.year == 2024][0]
    assert (cut.date, cut.change_bp) == (date(2024, 9, 20), -50)


def test_dates_missing_from_one_series_are_skipped(upper_text, lower):
    upper = parse_fred_csv(upper_text.replace("2024-11-08,4.75\n", ""))
    dates = [d.date for d in decisions_from_ranges(upper, lower) if d.date.year == 2024]
    assert dates == [date(2024, 9, 19), date(2024, 11, 9), date(2024, 12, 19)]


def test_series_given_the_wrong_way_round(upper, lower):
    with pytest.raises(ValueError, match="expected DFEDTARU .upper. and DFEDTARL .lower."):
        decisions_from_ranges(lower, upper)


# --- faults built from the real files ------------------------------------------------------------------------


def test_html_page_is_refused():
    page = (FIXTURES / "fomc" / "fed_fomccalendars_snapshot_lastupdate_2026-04-08.htm").read_bytes()
    with pytest.raises(ValueError, match="expected a FRED CSV, got HTML .page title 'The Fed - Meeting calendars"):
        parse_fred_csv(page.decode("utf-8"))


def test_another_csv_is_an_unknown_header():
    yahoo = (FIXTURES / "yahoo_daily_KRE_2023-07-03_to_2026-07-02.csv").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="unknown header 'Date,Open,High,Low,Close,Adj Close,Volume'"):
        parse_fred_csv(yahoo)


def test_lowercase_series_name_is_an_unknown_header(upper_text):
    with pytest.raises(ValueError, match="unknown header"):
        parse_fred_csv(upper_text.replace("DFEDTARU", "dfedtaru", 1))


def test_truncated_inside_a_value(upper_text):
    cut = upper_text[: upper_text.index("2024-09-19,5.00") + len("2024-09-19,")]
    with pytest.raises(ValueError, match=r"line \d+: DFEDTARU value '' on 2024-09-19 is not a number"):
        parse_fred_csv(cut)


def test_truncated_inside_a_date(upper_text):
    cut = upper_text[: upper_text.index("2024-09-19,5.00") + len("2024-0")]
    with pytest.raises(ValueError, match=r"line \d+: expected 2 fields \(date,value\), got 1: '2024-0'"):
        parse_fred_csv(cut)


def test_impossible_date(upper_text):
    with pytest.raises(ValueError, match="'2024-02-30' is not a calendar date"):
        parse_fred_csv(upper_text.replace("2024-02-28,5.50", "2024-02-30,5.50"))


def test_value_that_is_not_a_number(upper_text):
    with pytest.raises(ValueError, match="value 'nan' on 2024-09-19 is not a finite number"):
        parse_fred_csv(upper_text.replace("2024-09-19,5.00", "2024-09-19,nan"))


def test_duplicated_row(upper_text):
    doubled = upper_text.replace("2024-09-19,5.00\n", "2024-09-19,5.00\n2024-09-19,5.00\n")
    with pytest.raises(ValueError, match="2024-09-19 does not follow 2024-09-19"):
        parse_fred_csv(doubled)


def test_extra_column(upper_text):
    with pytest.raises(ValueError, match="expected 2 fields .date,value., got 3"):
        parse_fred_csv(upper_text.replace("2024-09-19,5.00", "2024-09-19,5.00,4.75"))


@pytest.mark.parametrize("body, reason", [("", "empty body"), ("observation_date,DFEDTARU\n", "no observation")])
def test_empty(body, reason):
    with pytest.raises(ValueError, match=reason):
        parse_fred_csv(body)


def test_decision_day_maps_a_change_to_its_meeting_even_when_fred_dates_it_the_same_day():
    from alerts.fomc.fred import decision_day

    ends = [date(2015, 10, 28), date(2015, 12, 16), date(2024, 9, 18)]
    assert decision_day(date(2024, 9, 19), ends) == date(2024, 9, 18)  # the usual next-day change
    assert decision_day(date(2015, 12, 16), ends) == date(2015, 12, 16)  # FRED shows the 2015 hike that day
    assert decision_day(date(2020, 3, 16), ends) == date(2020, 3, 15)  # unscheduled: no meeting near it
