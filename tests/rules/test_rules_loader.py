"""The rules file: what loads, the ids it derives, and one line for every way a file can be wrong."""

from __future__ import annotations

import pytest

from alerts.rules.checks import RuleError
from alerts.rules.loader import RuleFileError, default_rules, load_rules
from alerts.rules.model import Above, Below, High52w, Low52w, Move, NewHigh, RotationSpread

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
    ]


def test_optional_keys_take_their_defaults():
    rules = load_rules('[[rules]]\nkind = "rotation_spread"\nsmall = "IWM"\nlarge = "QQQ"\n'
                       '[[rules]]\nkind = "new_high"\nsymbol = "^RUT"\n', source="r.toml")
    assert rules == [RotationSpread("rotation_spread:IWM/QQQ:20", "IWM", "QQQ", 20, 5.0, -5.0, 1.0),
                     NewHigh("new_high:^RUT:close", "^RUT", "close")]


def test_the_same_file_gives_the_same_ids_every_time():
    assert [r.id for r in load_rules(EVERY_KIND, source="a")] == [r.id for r in load_rules(EVERY_KIND, source="b")]


def test_default_rules_are_the_ruts_record_close_and_the_spread():
    assert default_rules() == [
        NewHigh("new_high:^RUT:close", "^RUT", "close"),
        RotationSpread("rotation_spread:^RUT/^NDX:20", "^RUT", "^NDX", 20, 5.0, -5.0, 1.0),
    ]
    assert default_rules("IWM", "QQQ", window=30, upper=6.0, lower=-4.0, hysteresis=0.5) == [
        NewHigh("new_high:IWM:close", "IWM"),
        RotationSpread("rotation_spread:IWM/QQQ:30", "IWM", "QQQ", 30, 6.0, -4.0, 0.5),
    ]


RULE_2 = '[[rules]]\nkind = "high_52w"\nsymbol = "KRE"\n[[rules]]\n'
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
     "rules.toml: rule 1: kind: missing; expected one of above, below, high_52w, low_52w, ma_cross, move, "
     "move_over, new_high, rotation_spread"),
    ("unknown kind", RULE_2 + 'kind = "new_hihg"\nsymbol = "^RUT"\n',
     "rules.toml: rule 2: kind = 'new_hihg': unknown kind (did you mean 'new_high'?); expected one of above, "
     "below, high_52w, low_52w, ma_cross, move, move_over, new_high, rotation_spread"),
    ("kind not a string", "[[rules]]\nkind = 3\n",
     "rules.toml: rule 1: kind = 3: unknown kind; expected one of above, below, high_52w, low_52w, ma_cross, "
     "move, move_over, new_high, rotation_spread"),
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
    ("an id with the key separator", RULE_2 + 'kind = "move"\nsymbol = "KRE"\npct = 3\nid = "a|b"\n',
     "rules.toml: rule 2 (move): id = 'a|b': expected a non-empty string without '|' or surrounding spaces"),
    ("duplicate derived ids", '[[rules]]\nkind = "new_high"\nsymbol = "^RUT"\n' + RULE_2
     + 'kind = "new_high"\nsymbol = "^RUT"\nbasis = "close"\n',
     "rules.toml: rule 3 (new_high): id = 'new_high:^RUT:close': same id as rule 1; give one of them its own id"),
    ("duplicate given ids", '[[rules]]\nkind = "move"\nid = "x"\nsymbol = "A"\npct = 1\n[[rules]]\nkind = "move"\n'
     'id = "x"\nsymbol = "B"\npct = 1\n',
     "rules.toml: rule 2 (move): id = 'x': same id as rule 1; give one of them its own id"),
]

# FOMC alerts are not rules: the FOMC watch announces every decision and reminds [fomc] remind_hours_before of the
# settings ahead of it. A rules file that asks for them is refused and told where that is set, never read and ignored.
REMOVE_REMINDER = ("rules.toml: rule 2 (fomc_reminder): fomc_reminder rules are not read from a rules file: remove "
                   "this rule and set [fomc] remind_hours_before in the settings, such as remind_hours_before = ")
NOT_RULES = "FOMC alerts are not rules: rotobot always announces each decision; for its reminders set [fomc] " \
            "remind_hours_before in the settings, such as remind_hours_before = [24.0, 1.0]"
FOMC_FILES = [
    ("a reminder with its hours", RULE_2 + 'kind = "fomc_reminder"\nhours_before = [48, 1.5]\n',
     REMOVE_REMINDER + "[48, 1.5]"),
    ("a reminder without hours", RULE_2 + 'kind = "fomc_reminder"\n', REMOVE_REMINDER + "[24.0, 1.0]"),
    ("a reminder with hours no setting takes", RULE_2 + 'kind = "fomc_reminder"\nhours_before = "soon"\n',
     REMOVE_REMINDER + "[24.0, 1.0]"),
    ("a reminder with no hours in its list", RULE_2 + 'kind = "fomc_reminder"\nhours_before = []\n',
     REMOVE_REMINDER + "[24.0, 1.0]"),
    ("a reminder with true for an hour", RULE_2 + 'kind = "fomc_reminder"\nhours_before = [true, 1]\n',
     REMOVE_REMINDER + "[24.0, 1.0]"),
    ("a reminder with an hour of nan", RULE_2 + 'kind = "fomc_reminder"\nhours_before = [nan]\n',
     REMOVE_REMINDER + "[24.0, 1.0]"),
    ("a reminder with the setting's key", RULE_2 + 'kind = "fomc_reminder"\nremind_hours_before = [2]\n',
     REMOVE_REMINDER + "[2]"),
    ("a reminder with an id", RULE_2 + 'kind = "fomc_reminder"\nid = "fed"\nhours_before = [24]\n',
     REMOVE_REMINDER + "[24]"),
    ("a decision", RULE_2 + 'kind = "fomc_decision"\n',
     "rules.toml: rule 2 (fomc_decision): fomc_decision rules are not read from a rules file: rotobot always "
     "announces each FOMC decision; remove this rule"),
    ("a decision as the only rule", '[[rules]]\nkind = "fomc_decision"\nid = "fed"\n',
     "rules.toml: rule 1 (fomc_decision): fomc_decision rules are not read from a rules file: rotobot always "
     "announces each FOMC decision; remove this rule"),
    ("a kind that only sounds like the FOMC", RULE_2 + 'kind = "fomc"\n', "rules.toml: rule 2: kind = 'fomc': " + NOT_RULES),
    ("an FOMC kind in capitals", RULE_2 + 'kind = "FOMC_REMINDER"\nhours_before = [3]\n',
     "rules.toml: rule 2: kind = 'FOMC_REMINDER': " + NOT_RULES.replace("[24.0, 1.0]", "[3]")),
    ("hours_before on another rule", RULE_2 + SPREAD + "hours_before = [24]\n",
     "rules.toml: rule 2 (rotation_spread): hours_before = [24]: unknown key; FOMC reminders are not rules: set "
     "[fomc] remind_hours_before in the settings, such as remind_hours_before = [24.0, 1.0]"),
    ("the settings' [fomc] table in a rules file", '[fomc]\nremind_hours_before = [48, 2]\n',
     "rules.toml: [fomc]: belongs in the settings file (--config or ROTOBOT_CONFIG), not the rules file: set "
     "[fomc] remind_hours_before = [48, 2] there; rules go in [[rules]] tables"),
    ("an [fomc] table next to good rules", RULE_2 + SPREAD + '[fomc]\nremind_hours_before = "x"\n',
     "rules.toml: [fomc]: belongs in the settings file (--config or ROTOBOT_CONFIG), not the rules file: set "
     "[fomc] remind_hours_before = [24.0, 1.0] there; rules go in [[rules]] tables"),
]


@pytest.mark.parametrize(("text", "message"), [case[1:] for case in BAD_FILES + FOMC_FILES],
                         ids=[case[0] for case in BAD_FILES + FOMC_FILES])
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
