"""The projections (SEP) alert's words, pinned on the real December 2025 page, and on copies of its reading with the
funds-rate medians, the meeting or the range in force changed inside each test; and the alert through the outbox
codec, beside a row older code queued."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from alerts.fomc.projections import LONGER_RUN, Projections, parse_projections
from alerts.fomc.projections_text import (
    headline_year, moves_text, path_line, percent, projections_alert, projections_body, projections_message,
)
from alerts.payload_json import decode, encode
from alerts.payloads import FomcDecisionAlert, FomcProjectionsAlert, UnreadableAlert

PAGE = Path(__file__).resolve().parents[1] / "fixtures" / "fomc" / "fomcprojtabl20251210.htm"
URL = "https://www.federalreserve.gov/monetarypolicy/fomcprojtabl20251210.htm"
IN_FORCE = (3.5, 3.75)  # after the cut of 10 December 2025
AT = datetime(2025, 12, 10, 19, 0, tzinfo=timezone.utc)
LR = LONGER_RUN


@pytest.fixture(scope="module")
def december() -> Projections:
    return parse_projections(PAGE.read_bytes().decode("utf-8"))


def with_path(sep: Projections, medians: dict, previous: dict | None = None, **changes) -> Projections:
    """The real reading with other funds-rate medians (and previous medians) for the horizons named."""
    funds = {h: dataclasses.replace(row, median=medians.get(h, row.median),
                                    previous_median=(previous or {}).get(h, row.previous_median))
             for h, row in sep.variables["funds_rate"].items()}
    return dataclasses.replace(sep, variables={**sep.variables, "funds_rate": funds}, **changes)


def test_the_real_december_2025_page(december):
    assert projections_message(december, IN_FORCE) == (
        "Fed projections: median funds rate 3.4% at end-2026 (one cut from today's 3.50–3.75%), 3.1% in 2027 and "
        "2028, 3.0% longer run; 2026 unchanged from September"
    )


def test_the_alert_for_the_real_page(december):
    alert = projections_alert(december, IN_FORCE, URL, AT)
    assert alert.key == "fomc_projections|2025-12-10"
    assert (alert.meeting, alert.headline_year, alert.median, alert.previous_median) == (date(2025, 12, 10), 2026,
                                                                                         3.4, 3.4)
    assert (alert.implied_moves, alert.lower, alert.upper, alert.source_url) == (-1, 3.5, 3.75, URL)
    assert alert.body == (
        "Median federal funds rate, end of year and longer run (September's in brackets): 2025 3.6% (3.6%), "
        "2026 3.4% (3.4%), 2027 3.1% (3.1%), 2028 3.1% (3.1%), longer run 3.0% (3.0%); 19 participants.\n" + URL
    )


def test_without_a_range_in_force_the_moves_are_left_out(december):
    message = projections_message(december, None)
    assert message.startswith("Fed projections: median funds rate 3.4% at end-2026, 3.1% in 2027")
    assert "cut" not in message and "today" not in message
    assert projections_alert(december, None, URL, AT).implied_moves is None
    # A single target (before December 2008) has no midpoint to count moves from either.
    assert "today" not in projections_message(december, (3.5, 3.5))


@pytest.mark.parametrize("meeting, year", [
    (date(2025, 12, 10), 2026),  # the year's last meeting: its own year is all but over
    (date(2025, 9, 17), 2025),
    (date(2026, 3, 18), 2026),
    (date(2026, 6, 17), 2026),
])
def test_the_headline_year(december, meeting, year):
    horizons = (2025, 2026, 2027, 2028, LR) if meeting.year == 2025 else (2026, 2027, 2028, 2029, LR)
    assert headline_year(dataclasses.replace(december, meeting=meeting, horizons=horizons)) == year


def test_a_september_meeting_leads_with_its_own_year(december):
    september = dataclasses.replace(december, meeting=date(2025, 9, 17), previous_round="June")
    assert projections_message(september, (4.0, 4.25)) == (
        "Fed projections: median funds rate 3.6% at end-2025 (two cuts from today's 4.00–4.25%), 3.4% in 2026, "
        "3.1% in 2027 and 2028, 3.0% longer run; 2025 unchanged from June"
    )


@pytest.mark.parametrize("median, previous, words, change", [
    (3.4, 3.6, "one cut", "2026 down from 3.6% in September"),
    (3.9, 3.4, "one hike", "2026 up from 3.4% in September"),
    (3.6, 3.4, "no change", "2026 up from 3.4% in September"),
    (3.1, 3.1, "two cuts", "2026 unchanged from September"),
    (2.4, 2.9, "five cuts", "2026 down from 2.9% in September"),
    (0.1, 0.4, "14 cuts", "2026 down from 0.4% in September"),
])
def test_moves_and_the_change_since_the_previous_round(december, median, previous, words, change):
    message = projections_message(with_path(december, {2026: median}, {2026: previous}), IN_FORCE)
    assert f"median funds rate {percent(median)} at end-2026 ({words} from today's 3.50–3.75%)" in message
    assert message.endswith("; " + change)


def test_a_year_the_previous_round_did_not_project(december):
    message = projections_message(with_path(december, {}, {2026: None}), IN_FORCE)
    assert message.endswith("; no September projection for 2026 to compare")
    assert "2026 3.4% (—)" in projections_body(with_path(december, {}, {2026: None}), URL)


def test_later_years_in_a_row_with_the_same_median_go_together(december):
    assert "3.1% in 2027 and 2028, 3.0% longer run" in projections_message(december, IN_FORCE)
    three = with_path(december, {2026: 3.1}, meeting=date(2025, 9, 17))
    assert "3.6% at end-2025 (no change from today's 3.50–3.75%), 3.1% in 2026, 2027 and 2028, 3.0% longer run" in \
        projections_message(three, IN_FORCE)
    apart = with_path(december, {2027: 3.1, 2028: 2.9})
    assert "3.4% at end-2026 (one cut from today's 3.50–3.75%), 3.1% in 2027, 2.9% in 2028, 3.0% longer run" in \
        projections_message(apart, IN_FORCE)
    funds = {h: row for h, row in december.variables["funds_rate"].items() if h != LR}
    no_longer_run = dataclasses.replace(december, horizons=(2025, 2026, 2027, 2028),
                                        variables={**december.variables, "funds_rate": funds})
    assert "longer run" not in projections_message(no_longer_run, IN_FORCE)


@pytest.mark.parametrize("moves, words", [(0, "no change"), (-1, "one cut"), (-2, "two cuts"), (1, "one hike"),
                                          (3, "three hikes"), (-10, "ten cuts"), (-11, "11 cuts")])
def test_moves_text(moves, words):
    assert moves_text(moves) == words


def test_percent_keeps_table_1s_one_decimal_and_more_only_where_there_is_more():
    assert [percent(v) for v in (3.4, 3.0, 3.375, 0.125, 4.25)] == ["3.4%", "3.0%", "3.375%", "0.125%", "4.25%"]


def test_the_compact_path_of_fomc(december):
    assert path_line(december) == "2025 3.6 (3.6) · 2026 3.4 (3.4) · 2027 3.1 (3.1) · 2028 3.1 (3.1) · longer run 3.0 (3.0)"
    assert path_line(with_path(december, {2027: 3.375}, {2028: None, 2026: 3.6})) == (
        "2025 3.6 (3.6) · 2026 3.4 (3.6) · 2027 3.375 (3.1) · 2028 3.1 (—) · longer run 3.0 (3.0)")


# --- through the outbox codec ---------------------------------------------------------------------------------


def test_the_alert_round_trips_through_the_outbox_json(december):
    alert = projections_alert(december, IN_FORCE, URL, AT)
    text = encode(alert)
    assert json.loads(text)["v"] == 3 and json.loads(text)["type"] == "fomc_projections"
    assert decode(text, "fomc_projections", alert.key, AT) == alert
    unknown = projections_alert(december, None, URL, AT)
    assert decode(encode(unknown), "fomc_projections", unknown.key, AT) == unknown


def test_a_row_older_code_queued_still_reads(december):
    """A decision alert as the code before the projections queued it, byte for byte: version 2, its own fields."""
    older = ('{"action": "lower", "body": "", "change_bp": -25, "date": "2025-12-10", "key": "fomc_decision|2025-12-10",'
             ' "lower": 3.5, "message": "FOMC lowers the target range 25 bp to 3.50%\u20133.75%", "occurred_at": '
             '"2025-12-10T19:00:00+00:00", "route": {"exclude_guilds": [], "to": "everyone"}, "statement_url": null, '
             '"type": "fomc_decision", "upper": 3.75, "v": 2}')
    alert = decode(older, "fomc_decision", "fomc_decision|2025-12-10", AT)
    assert isinstance(alert, FomcDecisionAlert) and (alert.lower, alert.upper, alert.change_bp) == (3.5, 3.75, -25)


@pytest.mark.parametrize("damage", [
    lambda d: {k: v for k, v in d.items() if k != "headline_year"},  # a field lost
    lambda d: {**d, "implied_moves": "one cut"},
    lambda d: {**d, "meeting": "December"},
    lambda d: {**d, "median": None},
])
def test_a_damaged_projections_row_is_read_as_one_for_the_operator(december, damage):
    data = damage(json.loads(encode(projections_alert(december, IN_FORCE, URL, AT))))
    alert = decode(json.dumps(data), "fomc_projections", "fomc_projections|2025-12-10", AT)
    assert isinstance(alert, UnreadableAlert) and not isinstance(alert, FomcProjectionsAlert)
