"""storage.fomc's projections: the real December 2025 SEP read whole, stored, and read back equal, latest first."""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from alerts.fomc.projections import parse_projections
from alerts.fomc.projections_json import from_json, to_full_json
from storage.fomc import StoredProjections, has_projections, projections, upsert_projections

PAGE = Path(__file__).resolve().parents[1] / "fixtures" / "fomc" / "fomcprojtabl20251210.htm"
URL = "https://www.federalreserve.gov/monetarypolicy/fomcprojtabl20251210.htm"
NOW = datetime(2025, 12, 10, 19, 0, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def december():
    return parse_projections(PAGE.read_bytes().decode("utf-8"))


def test_the_real_page_is_stored_and_read_back_equal(db, december):
    assert not db.call(has_projections, date(2025, 12, 10))
    db.call(upsert_projections, december, URL, NOW)
    assert db.call(has_projections, date(2025, 12, 10))
    assert db.call(projections) == [StoredProjections(december, URL, NOW)]
    (stored,) = db.call(projections)
    # Every figure, not only the funds rate: core PCE's missing longer run, one-value central tendencies, dots.
    assert stored.projections.variables["core_pce"] == december.variables["core_pce"]
    assert list(stored.projections.dots[2026]) == list(december.dots[2026])  # highest level first, as read


def test_latest_meeting_first_and_a_second_reading_replaces_the_first(db, december):
    september = dataclasses.replace(december, meeting=date(2025, 9, 17), previous_round="June")
    db.call(upsert_projections, december, URL, NOW)
    db.call(upsert_projections, september, "file:///tmp/sep.htm", NOW)
    assert [s.projections.meeting for s in db.call(projections)] == [date(2025, 12, 10), date(2025, 9, 17)]
    assert [s.projections.meeting for s in db.call(projections, 1)] == [date(2025, 12, 10)]
    later = NOW + timedelta(hours=1)
    db.call(upsert_projections, december, "file:///tmp/dec.htm", later)
    assert db.call(projections, 1) == [StoredProjections(december, "file:///tmp/dec.htm", later)]
    assert len(db.call(projections)) == 2


def test_a_damaged_row_is_passed_over_with_an_error_and_the_others_still_read(db, december, caplog):
    db.call(upsert_projections, december, URL, NOW)
    db.call(upsert_projections, dataclasses.replace(december, meeting=date(2026, 3, 18)), URL, NOW)
    db.call(lambda d: d.execute("UPDATE fomc_projections SET projections = '{\"format\": 1' "
                                "WHERE meeting = '2026-03-18'"))
    with caplog.at_level(logging.ERROR):
        assert [s.projections.meeting for s in db.call(projections)] == [date(2025, 12, 10)]
    assert "2026-03-18 cannot be read" in caplog.text


# --- the stored JSON itself ---------------------------------------------------------------------------------


def test_the_full_json_survives_text_and_keeps_years_as_numbers(december):
    document = json.loads(json.dumps(to_full_json(december)))
    assert document["format"] == 1 and document["horizons"] == [2025, 2026, 2027, 2028, "longer_run"]
    assert from_json(document) == december


@pytest.mark.parametrize("damage, reason", [
    (lambda d: "not a dict", "not a JSON object"),
    (lambda d: {**d, "format": 2}, "format 2"),
    (lambda d: {k: v for k, v in d.items() if k != "dots"}, "lack 'dots'"),
    (lambda d: {**d, "meeting": "10 December"}, "Invalid isoformat"),
    (lambda d: {**d, "horizons": ["2025"]}, "neither a year"),
    (lambda d: {**d, "participants": -1}, "not a count"),
    (lambda d: {**d, "participants": True}, "not a count"),
    (lambda d: {**d, "dots": [[2025, [[3.625, "12"]]]]}, "not a count"),
    (lambda d: {**d, "variables": [["funds_rate", [[2026, "3.4", [2.9, 3.6], [2.1, 3.9], 3.4]]]]}, "not a number"),
    (lambda d: {**d, "variables": [["funds_rate", [[2026, 3.4, [2.9], [2.1, 3.9], 3.4]]]]}, "not enough values"),
    (lambda d: {**d, "variables": [["funds_rate", [[2026, 3.4]]]]}, "not enough values"),
    (lambda d: {**d, "variables": [["funds_rate", 7]]}, "not a list"),
])
def test_a_damaged_document_is_refused_with_what_is_wrong(december, damage, reason):
    with pytest.raises(ValueError, match=reason):
        from_json(damage(to_full_json(december)))
