"""A spread watch with one line has the other side off, its line where no spread reaches (−100, or 1,000,000:
alerts/watches.py). A line or a band that cannot work against it is refused in words about the spread, with a
watch that would work, never as "above (-200) must be above below (-100)", a line nobody typed."""

from __future__ import annotations

import pytest

from alerts.watch_grammar import WatchError, parse_watch


@pytest.mark.parametrize("typed, said", [
    ("above -200", "the above line (-200) must be above -100: a spread is a percent change of the pair's ratio, "
                   "always above -100%"),
    ("above -100", "the above line (-100) must be above -100"),
    ("above -99", "band (1, the points the spread must retreat to re-arm) must be less than 1, the way from the "
                  "above line (-99) to -100"),
    ("above -99 band 5", "band (5, the points the spread must retreat to re-arm) must be less than 1"),
    ("below 1000000", "the below line (1000000) must be below 1000000: 1000000 is the largest line a watch takes"),
    ("below 999999.5", "must be less than 0.5, the way from the below line (999999.5) to 1000000"),
    ("below 999999.999999999", "must be less than 0.000000001"),
])
def test_a_line_or_band_that_cannot_work_with_one_line_is_said_without_the_line_that_is_off(typed, said):
    with pytest.raises(WatchError) as refused:
        parse_watch(f"KRE/SPY spread 20 {typed}".split())
    assert said in refused.value.reason
    hidden = "below (-100)" if typed.startswith("above") else "above (1000000)"
    assert hidden not in str(refused.value) and "above - below" not in str(refused.value)
    parse_watch(refused.value.example.split())


@pytest.mark.parametrize("typed", ["above -99 band 0.5", "below 999999.5 band 0.2", "above 5", "below -5 band 3"])
def test_a_single_line_with_room_for_its_band_is_taken(typed):
    spec = parse_watch(f"KRE/SPY spread 20 {typed}".split())
    assert parse_watch(spec.text.split()) == spec
