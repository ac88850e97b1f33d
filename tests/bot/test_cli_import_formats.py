"""`rotobot import` of the formats pandas reads: a descending DD-Mon-YY CSV with quoted volume (derived in code from
the real KRE file, see tests/alerts/test_history_formats.py), a real FRED series, and the refusals."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from tests.alerts.test_history_formats import DFF, KRE, descending_dd_mon_yy, excel_dates, text_of
from tests.bot.test_cli_data import cli  # noqa: F401  (the fixture)
from tests.conftest import ROOT
from tests.upstream import FIXTURES


def test_import_a_descending_dd_mon_yy_csv_with_quoted_volume(cli, tmp_path):  # noqa: F811
    file = tmp_path / "KRE.csv"
    file.write_text(descending_dd_mon_yy(text_of(KRE)), newline="")
    code, out, _ = cli("import", str(file))
    assert code == 0
    assert f"Imported KRE from {file}: 753 rows read, 753 added, 0 updated, 0 unchanged, 0 rejected" in out
    code, out, _ = cli("prices", "KRE", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows[0] == {"symbol": "KRE", "date": "2023-07-03", "open": 41.0, "high": rows[0]["high"],
                       "low": rows[0]["low"], "close": 41.77000045776367, "volume": 10399700}
    assert rows[-1]["date"] == "2026-07-02"


def test_import_a_fred_series_under_its_id(cli, tmp_path):  # noqa: F811
    file = tmp_path / "download.csv"
    shutil.copy(FIXTURES / DFF, file)
    code, out, _ = cli("import", str(file))
    assert code == 0 and f"Imported DFF from {file}: 25832 rows read, 25832 added" in out
    code, out, _ = cli("prices", "DFF", "--last", "1")
    assert out.splitlines()[1].split() == ["2025-03-21", "4.33", "fred"]
    code, _, err = cli("import", str(file), "--symbol", "IWM")
    assert code == 1 and "is the FRED series DFF, not IWM" in err


def test_import_refuses_dates_that_read_both_ways(cli, tmp_path):  # noqa: F811
    file = tmp_path / "DFF.csv"
    file.write_text(excel_dates(text_of(DFF), rows=12))
    code, _, err = cli("import", str(file))
    assert code == 1 and "was not imported: ambiguous dates: '7/1/1954'" in err and "Traceback" not in err
    assert not (tmp_path / "rotobot.db").exists()


def test_import_of_a_file_whose_every_row_is_bad_exits_1_with_the_reasons(cli, tmp_path):  # noqa: F811
    header, *rows = text_of(KRE).splitlines()
    file = tmp_path / "KRE.csv"
    file.write_text("\n".join([header] + [r.replace(",", ",-", 5) for r in rows[:3]]) + "\n")
    code, _, err = cli("import", str(file))
    assert code == 1 and "nothing imported, every one of its 3 rows was rejected" in err
    assert "rejected line 2: 2023-07-03: close is -41.77000045776367 (prices must be positive)" in err
    assert not (tmp_path / "rotobot.db").exists()


def test_the_history_readers_import_pandas_only_when_they_parse():
    # (storage's sqlite_utils imports pandas by itself when it is installed: that is not these modules' doing.)
    code = ("import sys, alerts.market.bundled, alerts.market.history_csv, alerts.market.csv_dates; "
            "print('pandas' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "False"
