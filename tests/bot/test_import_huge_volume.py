"""Review 6: `rotobot import` of a CSV whose Volume is a finite number too big for SQLite ends in a traceback.

history_csv._volume only refuses a non-finite volume and rounds the rest, so a volume of 1e20 (a typo, a unit
mix-up, a spreadsheet's overflow) becomes the int 100000000000000000000, above SQLite's 2**63 - 1. The row is
not rejected with its line; prices.store_bars raises OverflowError ("Python int too large to convert to SQLite
INTEGER"), which no handler in the CLI catches: the whole import dies with a traceback and the good rows are
not stored either.
"""

from __future__ import annotations

from tests.bot.test_cli_data import cli  # noqa: F401  (the fixture)


def test_a_too_big_volume_is_a_rejected_row_not_a_traceback(cli, tmp_path):  # noqa: F811
    file = tmp_path / "XYZ.csv"
    file.write_text("Date,Close,Volume\n2024-01-02,10,1e20\n2024-01-03,11,100\n")
    code, out, err = cli("import", str(file))
    assert code == 0 and "1 rejected" in out, (code, out, err)
    assert "rejected line 2" in out + err
