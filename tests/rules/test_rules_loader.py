"""The rules file: what loads, the ids it derives, and one line for every way a file can be wrong."""

from __future__ import annotations

import pytest

from alerts.rules.checks import RuleError
from alerts.rules.loader import RuleFileError, default_rules, load_rules
from alerts.rules.model import (Above, Below, FomcDecision, FomcReminder, High52w, Low52w, Move, NewHigh,
                                RotationSpread)

EVERY_KIND = """
[[rules]]
kind = "new_high"
symbol = "^RUT"
basis = "close"

[[rules]]
kind = "rotation_spread"
small = "^RUT"
large = "^NDX"
window = 20
upper = 5.0
lower = -5.0
hysteresis = 1.0

[[rules]]
kind = "above"
symbol = "IWM"
price = 250

[[rules]]
kind = "below"
symbol = "BRK-B"
price = 420.5
cooldown_seconds = 3600

[[rules]]
kind = "move"
symbol = "KRE"
pct = 3

[[rules]]
kind = "high_52w"
symbol = "ZION"

[[rules]]
kind = "low_52w"
id = "zion-low"
symbol = "ZION"

[[rules]]
kind = "fomc_decision"

[[rules]]
kind = "fomc_reminder"
hours_before = [48, 1.5]
"""


def test_every_kind_loads_with_ids_derived_from_kind_and_parameters():
    assert load_rules(EVERY_KIND, source="rules.toml") == [
        NewHigh("new_high:^RUT:close", "^RUT", "close"),
        RotationSpread("rotation_spread:^RUT/^NDX:20", "^RUT", "^NDX", 20, 5.0, -5.0, 1.0),
        Above("above:IWM:250", "IWM", 250.0),
        Below("below:BRK-B:420.5", "BRK-B", 420.5, 3600),
        Move("move:KRE:3", "KRE", 3.0),
        High52w("high_52w:ZION", "ZION"),
        Low52w("zion-low", "ZION"),
        FomcDecision("fomc_decision"),
        FomcReminder("fomc_reminder", (48.0, 1.5)),
    ]


def test_optional_keys_take_their_defaults():
    rules = load_rules('[[rules]]\nkind = "rotation_spread"\nsmall = "IWM"\nlarge = "QQQ"\n'
                       '[[rules]]\nkind = "new_high"\nsymbol = "^RUT"\n', source="r.toml")
    assert rules == [RotationSpread("rotation_spread:IWM/QQQ:20", "IWM", "QQQ", 20, 5.0, -5.0, 1.0),
                     NewHigh("new_high:^RUT:close", "^RUT", "close")]


def test_the_same_file_gives_the_same_ids_every_time():
    assert [r.id for r in load_rules(EVERY_KIND, source="a")] == [r.id for r in load_rules(EVERY_KIND, source="b")]


def test_default_rules_are_the_ruts_record_close_the_spread_and_the_fomc():
    assert default_rules() == [
        NewHigh("new_high:^RUT:close", "^RUT", "close"),
        RotationSpread("rotation_spread:^RUT/^NDX:20", "^RUT", "^NDX", 20, 5.0, -5.0, 1.0),
        FomcDecision("fomc_decision"),
        FomcReminder("fomc_reminder", (24.0, 1.0)),
    ]
    custom = default_rules("IWM", "QQQ", window=30, upper=6.0, lower=-4.0, hysteresis=0.5, remind_hours=(2.0,))
    assert custom[0] == NewHigh("new_high:IWM:close", "IWM")
    assert custom[1] == RotationSpread("rotation_spread:IWM/QQQ:30", "IWM", "QQQ", 30, 6.0, -4.0, 0.5)
    assert custom[3].hours_before == (2.0,)


RULE_2 = '[[rules]]\nkind = "fomc_decision"\n[[rules]]\n'
SPREAD = 'kind = "rotation_spread"\nsmall = "^RUT"\nlarge = "^NDX"\n'
ABOVE = 'kind = "above"\nsymbol = "AAPL"\n'

# (what is wrong, the file, the one line that says so)
BAD_FILES = [
    ("invalid TOML", "[[rules]\nkind = 'x'",
     "rules.toml: invalid TOML: Expected ']]' at the end of an array declaration (at line 1, column 8)"),
    ("empty file", "",
     'rules.toml: no [[rules]] tables: add at least one, such as [[rules]] kind = "new_high" symbol = "^RUT"'),
    ("a misspelled top-level table", '[[rule]]\nkind = "new_high"\nsymbol = "^RUT"\n',
     "rules.toml: rule: unknown top-level key (did you mean 'rules'?); rules go in [[rules]] tables"),
    ("rules not tables", "rules = [1, 2]", "rules.toml: rules: expected [[rules]] tables, not [1, 2]"),
    ("kind missing", '[[rules]]\nsymbol = "^RUT"\n',
     "rules.toml: rule 1: kind: missing; expected one of above, below, fomc_decision, fomc_reminder, high_52w, "
     "low_52w, move, new_high, rotation_spread"),
    ("unknown kind", RULE_2 + 'kind = "new_hihg"\nsymbol = "^RUT"\n',
     "rules.toml: rule 2: kind = 'new_hihg': unknown kind (did you mean 'new_high'?); expected one of above, "
     "below, fomc_decision, fomc_reminder, high_52w, low_52w, move, new_high, rotation_spread"),
    ("kind not a string", "[[rules]]\nkind = 3\n",
     "rules.toml: rule 1: kind = 3: unknown kind; expected one of above, below, fomc_decision, fomc_reminder, "
     "high_52w, low_52w, move, new_high, rotation_spread"),
    ("unknown key", RULE_2 + SPREAD + "windw = 30\n",
     "rules.toml: rule 2 (rotation_spread): windw = 30: unknown key (did you mean 'window'?)"),
    ("a field the rule works out is no key", RULE_2 + SPREAD + "upper_units = 5\n",
     "rules.toml: rule 2 (rotation_spread): upper_units = 5: unknown key (did you mean 'upper'?)"),
    ("missing key", RULE_2 + 'kind = "rotation_spread"\nsmall = "^RUT"\n',
     "rules.toml: rule 2 (rotation_spread): large: missing; expected the mega-cap ticker, such as '^NDX'"),
    ("missing price", RULE_2 + ABOVE,
     "rules.toml: rule 2 (above): price: missing; expected the price of the line, such as 150.0"),
    ("a string for a number", RULE_2 + SPREAD + 'upper = "five"\n',
     "rules.toml: rule 2 (rotation_spread): upper = 'five': expected a number"),
    ("a boolean is not a number", RULE_2 + SPREAD + "lower = true\n",
     "rules.toml: rule 2 (rotation_spread): lower = true: expected a number"),
    ("NaN", RULE_2 + SPREAD + "upper = nan\n",
     "rules.toml: rule 2 (rotation_spread): upper = nan: expected a finite number"),
    ("infinity", RULE_2 + ABOVE + "price = inf\n", "rules.toml: rule 2 (above): price = inf: expected a finite number"),
    ("upper at lower", RULE_2 + SPREAD + "upper = -5.0\n",
     "rules.toml: rule 2 (rotation_spread): upper = -5.0: must be above lower (-5)"),
    ("upper under lower", RULE_2 + SPREAD + "upper = 1.0\nlower = 2.0\n",
     "rules.toml: rule 2 (rotation_spread): upper = 1.0: must be above lower (2)"),
    ("window 0", RULE_2 + SPREAD + "window = 0\n",
     "rules.toml: rule 2 (rotation_spread): window = 0: expected a whole number of at least 1"),
    ("window a fraction", RULE_2 + SPREAD + "window = 20.5\n",
     "rules.toml: rule 2 (rotation_spread): window = 20.5: expected a whole number"),
    ("negative hysteresis", RULE_2 + SPREAD + "hysteresis = -1.0\n",
     "rules.toml: rule 2 (rotation_spread): hysteresis = -1.0: expected a number of at least 0"),
    ("hysteresis as wide as the gap", RULE_2 + SPREAD + "hysteresis = 10.0\n",
     "rules.toml: rule 2 (rotation_spread): hysteresis = 10.0: must be less than upper - lower (10)"),
    ("same leg twice", RULE_2 + 'kind = "rotation_spread"\nsmall = "^RUT"\nlarge = "^RUT"\n',
     "rules.toml: rule 2 (rotation_spread): large = '^RUT': must differ from small"),
    ("lower-case symbol", RULE_2 + 'kind = "new_high"\nsymbol = "^rut"\n',
     "rules.toml: rule 2 (new_high): symbol = '^rut': expected an upper-case ticker such as '^RUT', 'AAPL' or "
     "'BRK-B' (did you mean '^RUT'?)"),
    ("symbol with a space", RULE_2 + 'kind = "high_52w"\nsymbol = "BRK B"\n',
     "rules.toml: rule 2 (high_52w): symbol = 'BRK B': expected an upper-case ticker such as '^RUT', 'AAPL' or "
     "'BRK-B'"),
    ("symbol not a string", RULE_2 + 'kind = "low_52w"\nsymbol = 42\n',
     "rules.toml: rule 2 (low_52w): symbol = 42: expected a ticker string such as '^RUT' or 'AAPL'"),
    ("basis not close/intraday", RULE_2 + 'kind = "new_high"\nsymbol = "^RUT"\nbasis = "open"\n',
     "rules.toml: rule 2 (new_high): basis = 'open': expected 'close' or 'intraday'"),
    ("negative price", RULE_2 + ABOVE + "price = -1\n", "rules.toml: rule 2 (above): price = -1: expected a number above 0"),
    ("zero move", RULE_2 + 'kind = "move"\nsymbol = "KRE"\npct = 0\n',
     "rules.toml: rule 2 (move): pct = 0: expected a number above 0"),
    ("negative cooldown", RULE_2 + 'kind = "below"\nsymbol = "KRE"\nprice = 50\ncooldown_seconds = -60\n',
     "rules.toml: rule 2 (below): cooldown_seconds = -60: expected a number of at least 0"),
    ("no reminder hours", RULE_2 + 'kind = "fomc_reminder"\nhours_before = []\n',
     "rules.toml: rule 2 (fomc_reminder): hours_before = []: expected a list of positive hours such as [24.0, 1.0]"),
    ("a reminder hour twice", RULE_2 + 'kind = "fomc_reminder"\nhours_before = [1, 1.0]\n',
     "rules.toml: rule 2 (fomc_reminder): hours_before = [1, 1.0]: lists the same hour twice"),
    ("an id with the key separator", RULE_2 + 'kind = "fomc_decision"\nid = "a|b"\n',
     "rules.toml: rule 2 (fomc_decision): id = 'a|b': expected a non-empty string without '|' or surrounding spaces"),
    ("duplicate derived ids", '[[rules]]\nkind = "new_high"\nsymbol = "^RUT"\n' + RULE_2
     + 'kind = "new_high"\nsymbol = "^RUT"\nbasis = "close"\n',
     "rules.toml: rule 3 (new_high): id = 'new_high:^RUT:close': same id as rule 1; give one of them its own id"),
    ("duplicate given ids", '[[rules]]\nkind = "move"\nid = "x"\nsymbol = "A"\npct = 1\n[[rules]]\nkind = "move"\n'
     'id = "x"\nsymbol = "B"\npct = 1\n',
     "rules.toml: rule 2 (move): id = 'x': same id as rule 1; give one of them its own id"),
]


@pytest.mark.parametrize(("text", "message"), [case[1:] for case in BAD_FILES], ids=[case[0] for case in BAD_FILES])
def test_a_bad_file_is_refused_with_one_line_naming_file_rule_key_and_reason(text, message):
    with pytest.raises(RuleFileError) as caught:
        load_rules(text, source="rules.toml")
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


def test_rules_built_in_code_are_held_to_the_same_checks():
    with pytest.raises(RuleError, match=r"^upper = 5.0: must be above lower \(6\)$"):
        RotationSpread("r", "^RUT", "^NDX", upper=5.0, lower=6.0)
    with pytest.raises(RuleError, match="^price = true: expected a number$"):
        Above("a", "AAPL", True)
