"""The !watch grammar, read into the rules the engine judges (alerts/watch_grammar.py, alerts/watches.py)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from alerts.rules.kinds import MaCross, MoveOver
from alerts.rules.model import RotationSpread, Signal
from alerts.watch_grammar import EXAMPLES, WatchError, parse_watch
from alerts.watches import OFF_ABOVE, OFF_BELOW, Watch, named_signal, watch_rule

NOW = datetime(2025, 12, 11, 21, 5, tzinfo=timezone.utc)


def rule_of(text: str, guild: int = 7, number: int = 3):
    return watch_rule(Watch(guild, number, parse_watch(text.split()), created_by=1, created_at=NOW))


@pytest.mark.parametrize("text, rule", [
    # the examples
    ("KRE/SPY spread 20 above 5", RotationSpread("watch:7:3", "KRE", "SPY", 20, 5.0, OFF_BELOW, 1.0)),
    ("^RUT ma 200", MaCross("watch:7:3", "^RUT", 200, 0.0)),
    ("^RUT/^NDX ma 50", MaCross("watch:7:3", "^RUT/^NDX", 50, 0.0)),
    ("^RUT move 15 12%", MoveOver("watch:7:3", "^RUT", 15, 12.0)),
    ("T10Y2Y ma 50", MaCross("watch:7:3", "T10Y2Y", 50, 0.0)),
    # the rest of the grammar
    ("kre/spy spread", RotationSpread("watch:7:3", "KRE", "SPY", 20, 5.0, -5.0, 1.0)),  # no line: both, at ±5
    ("KRE/SPY spread 20 below -4", RotationSpread("watch:7:3", "KRE", "SPY", 20, OFF_ABOVE, -4.0, 1.0)),
    ("RSP/SPY spread 10 above 3 below -2 band 0.5", RotationSpread("watch:7:3", "RSP", "SPY", 10, 3.0, -2.0, 0.5)),
    ("KRE/SPY spread 20 above 5%", RotationSpread("watch:7:3", "KRE", "SPY", 20, 5.0, OFF_BELOW, 1.0)),
    ("^RUT ma 50 band 1", MaCross("watch:7:3", "^RUT", 50, 1.0)),
    ("^RUT move 15 12", MoveOver("watch:7:3", "^RUT", 15, 12.0)),  # "12" and "12%" are the same percent
])
def test_each_watch_is_the_rule_its_words_say(text, rule):
    assert rule_of(text) == rule


def test_a_watch_is_named_the_same_way_however_it_was_typed():
    assert parse_watch("kre/spy SPREAD 20 above 5%".split()).text == "KRE/SPY spread 20 above 5"
    assert parse_watch("KRE/SPY spread".split()).text == "KRE/SPY spread 20 above 5 below -5"
    assert parse_watch("^rut move 15 12".split()).text == "^RUT move 15 12%"
    assert parse_watch("^RUT ma 50 band 0".split()).text == "^RUT ma 50"


GARBAGE = [
    ("", "needs a ticker"),
    ("KRE", "needs a ticker"),
    ("KRE/ spread 20", "on each side of '/'"),
    ("/SPY spread 20", "on each side of '/'"),
    ("KRE/KRE spread 20", "two different tickers"),
    ("A/B/C spread 20", "one ticker or a ratio of two"),
    ("$$$ ma 50", "is not a ticker"),
    ("@everyone ma 50", "is not a ticker"),
    ("KRE spread 20", "a spread compares two tickers"),
    ("KRE/SPY spread -5", "is not a number of sessions"),
    ("KRE/SPY spread 0", "at least 1"),
    ("KRE/SPY spread 99999999", "at most 2,520"),
    ("KRE/SPY spread 20.5", "is not a number of sessions"),
    ("KRE/SPY spread 20 above", "needs a number after it"),
    ("KRE/SPY spread 20 above 5 above 6", "given twice"),
    ("KRE/SPY spread 20 sideways 5", "is not understood here"),
    ("KRE/SPY spread 20 above 5 below 7", "must be higher than the below line"),
    ("KRE/SPY spread 20 above 1 below 0.5", "less than the gap between the lines"),
    ("KRE/SPY spread 20 above nan", "is not a number"),
    ("KRE/SPY spread 20 above inf", "is not a number"),
    ("KRE/SPY spread 20 above 1e3", "is not a number"),
    ("KRE/SPY spread 20 above 5000000", "at most 1,000,000"),
    ("^RUT sideways 15", "is not a kind of watch"),
    ("^RUT ma", "needs the number of sessions"),
    ("^RUT ma x", "is not a number of sessions"),
    ("^RUT ma 1", "at least 2"),
    ("^RUT ma 0", "at least 2"),
    ("^RUT ma -200", "is not a number of sessions"),
    ("^RUT ma 1e3", "is not a number of sessions"),
    ("^RUT ma ١٢", "is not a number of sessions"),  # Arabic-Indic digits: int() would take them
    ("^RUT ma 5000", "at most 2,520"),
    ("^RUT ma 50 band 150", "under 100"),
    ("^RUT ma 50 band -1", "at least 0"),
    ("^RUT ma 50 extra", "is not understood here"),
    ("^RUT move 15", "needs the sessions and the percent"),
    ("^RUT move 15 12% more", "needs the sessions and the percent"),
    ("^RUT move x 12%", "is not a number of sessions"),
    ("^RUT move 0 12%", "at least 1"),
    ("^RUT move 15 abc%", "is not a number"),
    ("^RUT move 15 12%%", "is not a number"),
    ("^RUT move 15 nan", "is not a number"),
    ("^RUT move 15 inf%", "is not a number"),
    ("^RUT move 15 1_000", "is not a number"),
    ("^RUT move 15 0%", "above 0"),
    ("^RUT move 15 -12%", "without a sign"),
    ("KRE/SPY move 15 12%", "move watches one ticker"),
]


@pytest.mark.parametrize("text, expected", GARBAGE)
def test_every_bad_watch_says_what_was_wrong_and_gives_a_watch_that_would_be_right(text, expected):
    with pytest.raises(WatchError) as refused:
        parse_watch(text.split())
    assert expected in str(refused.value)
    example = str(refused.value).split("For example: !watch ", 1)[1]
    parse_watch(example.split())  # the example given is itself a valid watch


def test_the_examples_shown_are_valid_watches():
    for text in EXAMPLES:
        parse_watch(text.split())


def test_a_watch_alert_names_the_watch_and_says_which_leg_leads():
    watch = Watch(7, 3, parse_watch("KRE/SPY spread 20 above 5".split()), created_by=1, created_at=NOW)
    signal = Signal(key="watch:7:3|KRE/SPY|2025-12-11", rule_id="watch:7:3", kind="rotation_spread",
                    symbol="KRE/SPY", trigger="2025-12-11", direction="small", value=5.21, threshold=5.0,
                    message="Rotation into small caps: KRE/SPY 20-session spread +5.21% crossed +5.00%",
                    occurred_at=NOW, details={"session": "2025-12-11"})
    assert named_signal(watch, signal).message == (
        "Watch #3 KRE/SPY spread 20 above 5: KRE/SPY 20-session spread +5.21% crossed +5.00%: KRE leads SPY")
    trend = Signal(key="watch:7:4|^RUT|2025-12-11", rule_id="watch:7:4", kind="ma_cross", symbol="^RUT",
                   trigger="2025-12-11", direction="above", value=2590.61, threshold=2400.0,
                   message="Russell 2000 (^RUT) crosses above its 200-session average", occurred_at=NOW)
    ma = Watch(7, 4, parse_watch("^RUT ma 200".split()), created_by=1, created_at=NOW)
    assert named_signal(ma, trend).message.startswith("Watch #4 ^RUT ma 200: Russell 2000 (^RUT) crosses above")
    assert named_signal(ma, trend).key == trend.key  # the same alert key on every run
