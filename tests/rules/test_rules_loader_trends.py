"""The rules file for the trend rules (ma_cross, move_over) and for spreads of any pair, several at once."""

from __future__ import annotations

from datetime import date

import pytest

from alerts.rules.engine import replay
from alerts.rules.kinds import MaCross, MoveOver
from alerts.rules.loader import RuleFileError, load_rules
from alerts.rules.model import RotationSpread
from tests.rules.rulekit import read_points

TRENDS = """
[[rules]]
kind = "ma_cross"
symbol = "^RUT/^NDX"
window = 50
band = 1.0

[[rules]]
kind = "ma_cross"
id = "rut-200"
symbol = "^RUT"
window = 200

[[rules]]
kind = "move_over"
symbol = "^RUT"
sessions = 15
pct = 12
"""


def test_trend_rules_load_with_ids_derived_from_kind_and_parameters():
    ratio, rut, rally = load_rules(TRENDS, source="rules.toml")
    assert ratio == MaCross("ma_cross:^RUT/^NDX:50:1", "^RUT/^NDX", 50, 1.0)
    assert ratio.symbols == ("^RUT", "^NDX")
    assert rut == MaCross("rut-200", "^RUT", 200) and rut.band == 0.0
    assert rally == MoveOver("move_over:^RUT:15:12", "^RUT", 15, 12.0) and rally.symbols == ("^RUT",)


RULE = "[[rules]]\n"
MA = RULE + 'kind = "ma_cross"\n'
MOVE = RULE + 'kind = "move_over"\n'
BAD = [
    (MA + 'symbol = "^RUT"\n', "rules.toml: rule 1 (ma_cross): window: missing; expected the moving average's "
                               "length in sessions, such as 50"),
    (MA + 'symbol = "^RUT"\nwindow = 50\nwindw = 20\n',
     "rules.toml: rule 1 (ma_cross): windw = 20: unknown key (did you mean 'window'?)"),
    (MA + 'symbol = "^RUT"\nwindow = 50\nhysteresis = 1.0\n',
     "rules.toml: rule 1 (ma_cross): hysteresis = 1.0: unknown key"),
    (MA + 'window = 50\n', "rules.toml: rule 1 (ma_cross): symbol: missing; expected a ticker such as '^RUT' or "
                           "'AAPL'"),
    (MA + 'symbol = "^rut/^NDX"\nwindow = 50\n',
     "rules.toml: rule 1 (ma_cross): symbol = '^rut/^NDX': expected an upper-case ticker such as '^RUT', 'AAPL' or "
     "'BRK-B' (did you mean '^RUT'?) on each side of '/'"),
    (MA + 'symbol = "^RUT/"\nwindow = 50\n',
     "rules.toml: rule 1 (ma_cross): symbol = '^RUT/': expected an upper-case ticker such as '^RUT', 'AAPL' or "
     "'BRK-B' on each side of '/'"),
    (MA + 'symbol = "^RUT/^NDX/SPY"\nwindow = 50\n',
     "rules.toml: rule 1 (ma_cross): symbol = '^RUT/^NDX/SPY': expected one ticker or a ratio of two, such as "
     "'^RUT/^NDX'"),
    (MA + 'symbol = "^RUT/^RUT"\nwindow = 50\n',
     "rules.toml: rule 1 (ma_cross): symbol = '^RUT/^RUT': expected a ratio of two different tickers"),
    (MA + 'symbol = "^RUT"\nwindow = 1\n',
     "rules.toml: rule 1 (ma_cross): window = 1: expected a whole number of at least 2"),
    (MA + 'symbol = "^RUT"\nwindow = 50.0\n', "rules.toml: rule 1 (ma_cross): window = 50.0: expected a whole number"),
    (MA + 'symbol = "^RUT"\nwindow = 5000\n',
     "rules.toml: rule 1 (ma_cross): window = 5000: expected a whole number of at most 2520 sessions"),
    (MA + 'symbol = "^RUT"\nwindow = 50\nband = -1\n',
     "rules.toml: rule 1 (ma_cross): band = -1: expected a number of at least 0"),
    (MA + 'symbol = "^RUT"\nwindow = 50\nband = 100\n',
     "rules.toml: rule 1 (ma_cross): band = 100: expected a percent under 100"),
    (MA + 'symbol = "^RUT"\nwindow = 50\nband = "1%"\n',
     "rules.toml: rule 1 (ma_cross): band = '1%': expected a number"),
    (MOVE + 'symbol = "^RUT"\npct = 12\n', "rules.toml: rule 1 (move_over): sessions: missing; expected how many "
                                           "sessions the change is over, such as 15"),
    (MOVE + 'symbol = "^RUT"\nsessions = 15\n',
     "rules.toml: rule 1 (move_over): pct: missing; expected a percent move, such as 3.0"),
    (MOVE + 'symbol = "^RUT"\nsessions = 0\npct = 12\n',
     "rules.toml: rule 1 (move_over): sessions = 0: expected a whole number of at least 1"),
    (MOVE + 'symbol = "^RUT"\nsessions = 15\npct = 0\n',
     "rules.toml: rule 1 (move_over): pct = 0: expected a number above 0"),
    (MOVE + 'symbol = "^RUT"\nsessions = 15\npct = true\n',
     "rules.toml: rule 1 (move_over): pct = true: expected a number"),
    (MOVE + 'symbol = "^RUT/^NDX"\nsessions = 15\npct = 12\n',
     "rules.toml: rule 1 (move_over): symbol = '^RUT/^NDX': expected an upper-case ticker such as '^RUT', 'AAPL' "
     "or 'BRK-B'"),
    (MOVE + 'symbol = "^RUT"\nsessions = 15\npct = 12\nsesions = 3\n',
     "rules.toml: rule 1 (move_over): sesions = 3: unknown key (did you mean 'sessions'?)"),
    (MOVE + 'id = "sub:7"\nsymbol = "^RUT"\nsessions = 15\npct = 12\n',
     "rules.toml: rule 1 (move_over): id = 'sub:7': ids starting with 'sub:' or holding '@' are kept for "
     "subscriptions and servers' own lines: choose another, such as \"rut-records\""),
    (MA + 'id = "ma@1"\nsymbol = "^RUT"\nwindow = 50\n',
     "rules.toml: rule 1 (ma_cross): id = 'ma@1': ids starting with 'sub:' or holding '@' are kept for "
     "subscriptions and servers' own lines: choose another, such as \"rut-records\""),
]


@pytest.mark.parametrize("text, message", BAD, ids=[message.split(": ", 2)[-1][:40] for _, message in BAD])
def test_a_bad_trend_rule_is_refused_with_one_line_naming_file_rule_key_and_reason(text, message):
    with pytest.raises(RuleFileError) as caught:
        load_rules(text, source="rules.toml")
    assert str(caught.value) == message


# --- rotation_spread for any pair, several at once ---------------------------------------------------------------

SPREADS = """
[[rules]]
kind = "rotation_spread"
id = "kre-vs-ndx"
small = "KRE"
large = "^NDX"

[[rules]]
kind = "rotation_spread"
id = "rsp-vs-ndx"
small = "RSP"
large = "^NDX"
upper = 3.0
lower = -3.0
"""


def test_two_spread_rules_in_one_file_fire_under_their_own_names_on_real_history():
    """Regional banks (KRE) and the equal-weight S&P 500 (RSP) against the Nasdaq-100, November-December 2023."""
    rules = load_rules(SPREADS, source="rules.toml")
    assert rules == [RotationSpread("kre-vs-ndx", "KRE", "^NDX"), RotationSpread("rsp-vs-ndx", "RSP", "^NDX", 20, 3.0,
                                                                                 -3.0)]
    history = {"KRE": read_points("yahoo_daily_KRE_2023-07-03_to_2026-07-02.csv"),
               "RSP": read_points("yahoo_daily_RSP_2003-05-01_to_2024-01-24.csv"),
               "^NDX": read_points("stooq_daily_NDX_index_1938_to_2026-05-01.csv")}
    signals = replay(rules, history, date(2023, 11, 1), date(2023, 12, 31))
    assert [(e.key, e.direction, round(e.value, 2)) for e in signals] == [
        ("kre-vs-ndx|KRE/^NDX|2023-11-03", "small", 5.27),
        ("rsp-vs-ndx|RSP/^NDX|2023-11-10", "large", -3.12),
        ("kre-vs-ndx|KRE/^NDX|2023-11-17", "small", 6.30),
        ("rsp-vs-ndx|RSP/^NDX|2023-11-24", "large", -4.08),
        ("kre-vs-ndx|KRE/^NDX|2023-12-01", "small", 5.16),
        ("rsp-vs-ndx|RSP/^NDX|2023-12-11", "small", 3.31),
    ]
    assert {e.rule_id for e in signals} == {"kre-vs-ndx", "rsp-vs-ndx"}
    assert signals[1].message == "Rotation into mega caps: RSP/^NDX 20-session spread -3.12% crossed -3.00%"
