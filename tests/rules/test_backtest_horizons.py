"""Horizons as a person types them ("5,20,60"): read exactly, or refused with what was wrong and an example."""

from __future__ import annotations

import pytest

from alerts.backtest import MAX_HORIZON, HorizonError, parse_horizons
from alerts.backtest.horizons import check_horizons


@pytest.mark.parametrize("text, expected", [
    ("5,20,60", (5, 20, 60)), ("60,5,20", (5, 20, 60)), (" 5, 20 ,60 ", (5, 20, 60)), ("1", (1,)),
    (str(MAX_HORIZON), (MAX_HORIZON,)), ("007", (7,)),
])
def test_horizons_are_read_smallest_first(text, expected):
    assert parse_horizons(text) == expected


@pytest.mark.parametrize("text, reason", [
    ("", "no horizons given"), ("   ", "no horizons given"),
    ("0", "0 is not a horizon: expected whole numbers of sessions from 1 to 2520"),
    ("-5", "'-5' is not a whole number"), ("+5", "'+5' is not a whole number"), ("a", "'a' is not a whole number"),
    ("5.5", "'5.5' is not a whole number"), ("1e3", "'1e3' is not a whole number"),
    ("٥", "'٥' is not a whole number"),
    ("1_000", "'1_000' is not a whole number"), ("5 20", "'5 20' is not a whole number"),
    ("5,,20", "an empty horizon between commas"), ("5,20,", "an empty horizon between commas"),
    (",5", "an empty horizon between commas"), ("5;20", "'5;20' is not a whole number"),
    ("5,5", "5 is given twice"), ("5,20,05", "5 is given twice"),
    (str(MAX_HORIZON + 1), f"{MAX_HORIZON + 1} is not a horizon"), ("9" * 40, "is not a horizon"),
    (",".join(str(n) for n in range(1, 14)), "13 horizons: expected at most 12"),
])
def test_bad_horizons_say_what_is_wrong_and_give_an_example(text, reason):
    with pytest.raises(HorizonError) as caught:
        parse_horizons(text)
    assert reason in str(caught.value) and "such as 5,20,60" in str(caught.value)


@pytest.mark.parametrize("values", [[], [0], [5, 5], [True], [5.0], ["5"], [None]])
def test_horizons_given_in_code_are_held_to_the_same_checks(values):
    with pytest.raises(HorizonError, match="such as 5,20,60"):
        check_horizons(values)
