"""SparkSwitch as a timeline: when spark stops being asked, the one notice, the retries, the way back."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from alerts.market.spark_switch import SparkSwitch

T0 = datetime(2025, 12, 11, 16, 0, tzinfo=timezone.utc)


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def test_three_failures_in_a_row_turn_it_off_with_one_notice():
    switch = SparkSwitch()
    assert switch.mode(T0) == "on"
    assert switch.failed("HTTP 500 after 4 tries", minutes(0)) is None
    assert switch.failed("HTTP 500 after 4 tries", minutes(1)) is None
    notice = switch.failed("expected JSON, got HTML (page title 'Yahoo')", minutes(2))
    assert (notice.source, notice.kind) == ("yahoo spark", "down")
    assert "failed 3 batches in a row" in notice.text and "got HTML" in notice.text
    assert "chart API alone" in notice.text and "every 30 min" in notice.text
    assert switch.mode(minutes(2)) == "off" and switch.mode(minutes(31.9)) == "off"
    # Batches sent before it went off and failing after it: no second notice, no later retry.
    assert switch.failed("HTTP 500", minutes(3)) is None
    assert switch.mode(minutes(32)) == "trial"


def test_a_success_between_failures_starts_the_count_again():
    switch = SparkSwitch()
    for _ in range(5):
        assert switch.failed("HTTP 500", T0) is None
        assert switch.failed("HTTP 500", T0) is None
        assert switch.succeeded(T0) is None
    assert switch.mode(T0) == "on"


def test_a_failed_trial_waits_another_half_hour_without_a_second_notice():
    switch = SparkSwitch()
    for n in range(3):
        switch.failed("HTTP 500", minutes(n))
    assert switch.mode(minutes(32)) == "trial"
    assert switch.failed("HTTP 500", minutes(32)) is None
    assert switch.mode(minutes(33)) == "off" and switch.mode(minutes(62)) == "trial"
    assert switch.failed("HTTP 500", minutes(62)) is None


def test_a_good_trial_turns_it_back_on_with_one_notice_and_a_later_outage_is_noticed_again():
    switch = SparkSwitch()
    for n in range(3):
        switch.failed("HTTP 500", minutes(n))
    back = switch.succeeded(minutes(32))
    assert (back.source, back.kind) == ("yahoo spark", "recovered") and "after 30 min" in back.text
    assert switch.mode(minutes(32)) == "on" and switch.succeeded(minutes(33)) is None
    for n in range(3):
        notice = switch.failed("HTTP 429", minutes(40 + n))
    assert notice.kind == "down"


def test_a_late_success_from_before_it_went_off_does_not_undo_the_verdict():
    switch = SparkSwitch()
    for n in range(3):
        switch.failed("HTTP 500", minutes(n))
    assert switch.succeeded(minutes(5)) is None
    assert switch.mode(minutes(5)) == "off"


@pytest.mark.parametrize("bad", [0, -1])
def test_a_threshold_below_one_is_refused(bad):
    with pytest.raises(ValueError, match="at least 1"):
        SparkSwitch(failures_to_stop=bad)


def test_failures_all_in_one_poll_hold_spark_back_for_that_poll_and_the_next_poll_decides():
    switch = SparkSwitch()
    for _ in range(5):  # one poll's batches: judged at the poll's time
        assert switch.failed("HTTP 500", T0) is None
    assert switch.mode(T0) == "off" and switch.mode(minutes(1)) == "trial"
    notice = switch.failed("HTTP 500", minutes(1))  # the next poll's one batch fails too: a pattern
    assert notice.kind == "down" and "failed 6 batches in a row" in notice.text
    assert switch.mode(minutes(1)) == "off" and switch.mode(minutes(31)) == "trial"


def test_a_blip_in_one_poll_is_forgotten_when_the_next_poll_s_batch_answers():
    switch = SparkSwitch()
    for _ in range(3):
        switch.failed("HTTP 500", T0)
    assert switch.succeeded(minutes(1)) is None and switch.mode(minutes(1)) == "on"
    for n in range(2):
        assert switch.failed("HTTP 500", minutes(2)) is None
    assert switch.mode(minutes(2)) == "on"  # two failures start a new count; the blip is not carried over
