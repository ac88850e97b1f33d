"""Review 6: a rules-file percent too large for the grid must be a one-line refusal, not a traceback.

`pct = 1e300` is a finite TOML float, so checks.number passes it, and exact.pct_units then does
round(1e300 * 1_000_000_000) = round(inf), which raises OverflowError. The loader only turns RuleError into
RuleFileError, so the OverflowError escapes load_rules and `rotobot replay --rules` / start-up print a traceback
instead of "bad rules: <file>: rule 1 (move_over): pct = 1e+300: ..." and exit 78.
"""

from __future__ import annotations

import pytest

from alerts.rules.loader import RuleFileError, load_rules
from bot.cli import main


@pytest.mark.parametrize("table", [
    'kind = "move_over"\nsymbol = "^RUT"\nsessions = 15\npct = 1e300',
    'kind = "rotation_spread"\nsmall = "^RUT"\nlarge = "^NDX"\nupper = 1e300\nlower = -5.0',
    'kind = "move"\nsymbol = "^RUT"\npct = 1e300',
])
def test_a_huge_percent_is_refused_in_one_line(table):
    """Every huge-but-finite percent must end in RuleFileError naming the rule and the key."""
    with pytest.raises(RuleFileError) as refused:
        load_rules("[[rules]]\n" + table, source="rules.toml")
    assert "rules.toml: rule 1" in str(refused.value) and "\n" not in str(refused.value)


def test_replay_with_a_huge_move_over_pct_exits_78(tmp_path, monkeypatch, capsys):
    """The CLI path a user meets: exit 78 with one line, not a traceback."""
    import os
    for name in list(os.environ):
        if name.startswith(("ROTOBOT_", "DISCORD_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rules]]\nkind = "move_over"\nsymbol = "^RUT"\nsessions = 15\npct = 1e300\n')
    code = main(["replay", "--rules", str(rules), "--db", str(tmp_path / "r.db")])
    err = capsys.readouterr().err
    assert code == 78 and "pct" in err
