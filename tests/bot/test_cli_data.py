"""`rotobot import`, `prices` and `backfill`: real files in, real SQLite, a loopback upstream for the fetch."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from datetime import date

import pytest

from bot.cli import main
from tests.conftest import clean_env
from tests.upstream import FIXTURES, NDX, RUT, FakeUpstream, between, history, ok_json, yahoo_daily


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """Run `rotobot ARGS` in this process on tmp_path's database; returns (exit code, stdout, stderr)."""
    for name in list(__import__("os").environ):
        if name.startswith(("ROTOBOT_", "DISCORD_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)

    def run(*args: str):
        code = main([*args, "--db", str(tmp_path / "rotobot.db")])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_import_a_stooq_download_by_its_own_file_name_and_again_changes_nothing(cli, tmp_path):
    file = tmp_path / "^ndx_d.csv"  # the name Stooq gives the download
    shutil.copy(FIXTURES / NDX, file)
    code, out, _ = cli("import", str(file))
    assert code == 0
    assert f"Imported ^NDX from {file}: 22809 rows read, 22809 added, 0 updated, 0 unchanged, 0 rejected" in out
    code, out, _ = cli("import", str(file))
    assert "0 added, 0 updated, 22809 unchanged, 0 rejected" in out


def test_import_a_yahoo_chart_response_takes_the_symbol_from_its_meta(cli, tmp_path):
    envelope = json.loads((FIXTURES / "yahoo_v8_chart_AAPL_1d_2020-08-31_to_2020-11-07_recorded_envelope.json").read_text())
    file = tmp_path / "chart.json"
    file.write_text(json.dumps(envelope["response"]["bodyJson"]))
    code, out, _ = cli("import", str(file))
    assert code == 0 and "Imported AAPL" in out and "49 added" in out
    code, out, _ = cli("prices", "AAPL", "--last", "1", "--json")
    assert json.loads(out)["date"] == "2020-11-06"


def test_a_chart_whose_meta_spells_the_symbol_in_lower_case_is_stored_under_the_ticker(cli, tmp_path):
    envelope = json.loads((FIXTURES / "yahoo_v8_chart_AAPL_1d_2020-08-31_to_2020-11-07_recorded_envelope.json").read_text())
    body = envelope["response"]["bodyJson"]
    body["chart"]["result"][0]["meta"]["symbol"] = "aapl"
    file = tmp_path / "chart.json"
    file.write_text(json.dumps(body))
    code, out, _ = cli("import", str(file))
    assert code == 0 and "Imported AAPL" in out and "49 added" in out
    code, out, _ = cli("prices", "AAPL", "--last", "1", "--json")
    assert json.loads(out)["date"] == "2020-11-06"
    code, out, _ = cli("import", str(file), "--symbol", "AAPL")
    assert code == 0 and "49 unchanged" in out
    body["chart"]["result"][0]["meta"]["symbol"] = "not a symbol!"
    file.write_text(json.dumps(body))
    code, _, err = cli("import", str(file))
    assert code == 1 and "which is no ticker symbol: pass --symbol, e.g. --symbol ^RUT" in err


def test_import_reports_each_rejected_row_with_its_line_and_keeps_the_rest(cli, tmp_path):
    lines = (FIXTURES / "yahoo_daily_KRE_2023-07-03_to_2026-07-02.csv").read_text().splitlines()
    lines[5] = lines[5].replace(lines[5].split(",")[4], "0", 1)  # a zero close
    lines[9] = ",".join(lines[9].split(",")[:4] + ["abc"] + lines[9].split(",")[5:])
    lines.insert(12, lines[11])  # a duplicate row
    file = tmp_path / "KRE.csv"
    file.write_text("\n".join(lines) + "\n")
    code, out, _ = cli("import", str(file))
    assert code == 0
    assert "754 rows read, 751 added" in out and "3 rejected" in out
    assert "rejected line 6:" in out and "rejected line 10:" in out and "rejected line 13:" in out


def test_import_a_file_whose_name_is_no_symbol_asks_for_one(cli, tmp_path):
    file = tmp_path / "yahoo_daily_RUT_index_1987-2026.csv"
    shutil.copy(FIXTURES / RUT, file)
    code, _, err = cli("import", str(file))
    assert code == 1 and "pass --symbol" in err
    code, out, _ = cli("import", str(file), "--symbol", "^rut")
    assert code == 0 and "Imported ^RUT" in out


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "neither a Yahoo chart JSON nor a CSV"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "is not text"),
        (b"# notes\nnothing here\n", "neither a Yahoo chart JSON nor a CSV"),
        (b'{"chart": {"result": null, "error": {"code": "Not Found", "description": "No data found"}}}', "Not Found"),
        (b'{"chart": {"result": [', "not a usable Yahoo chart response"),
    ],
    ids=["empty", "binary", "markdown", "chart-error", "truncated-json"],
)
def test_import_refuses_garbage_with_a_message_and_stores_nothing(cli, tmp_path, content, expected):
    file = tmp_path / "IWM.csv"
    file.write_bytes(content)
    code, _, err = cli("import", str(file))
    assert code == 1 and expected in err and "Traceback" not in err
    assert not (tmp_path / "rotobot.db").exists()  # refused before the database was even opened


@pytest.mark.parametrize("where, expected", [("missing.csv", "does not exist"), (".", "is a folder")])
def test_import_names_a_path_that_cannot_be_read(cli, where, expected):
    code, _, err = cli("import", where)
    assert code == 1 and expected in err


def test_prices_prints_a_table_and_json_lines(cli, tmp_path):
    shutil.copy(FIXTURES / RUT, tmp_path / "^RUT.csv")
    cli("import", str(tmp_path / "^RUT.csv"))
    code, out, _ = cli("prices", "^RUT", "--last", "3")
    assert code == 0 and out.splitlines()[0].split()[:5] == ["date", "open", "high", "low", "close"]
    assert len(out.splitlines()) == 4
    code, out, _ = cli("prices", "^rut", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 9686 and set(rows[0]) == {"symbol", "date", "open", "high", "low", "close", "volume"}
    record = next(r for r in rows if r["date"] == "2025-12-11")
    assert round(record["close"], 2) == 2590.61


@pytest.mark.parametrize(
    "args, expected",
    [(("prices", "not a symbol!"), "is not a ticker symbol"), (("prices", "^RUT"), "no database at")],
)
def test_prices_says_what_is_wrong(cli, args, expected):
    code, _, err = cli(*args)
    assert code == 1 and expected in err


@pytest.mark.parametrize("bad", ["0", "-3", "ten"])
def test_prices_last_must_be_a_positive_number(cli, bad):
    with pytest.raises(SystemExit) as stopped:
        cli("prices", "^RUT", "--last", bad)
    assert stopped.value.code == 2


async def test_backfill_fetches_from_the_loopback_source_and_reports(tmp_path):
    bars = between(history(RUT), date(2025, 12, 1), date(2025, 12, 12))
    async with FakeUpstream() as upstream:
        upstream.script("yahoo", "^RUT", ok_json(yahoo_daily("^RUT", bars)))
        env = clean_env(ROTOBOT_MARKET_YAHOO_URL=upstream.url)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "backfill", "^RUT", "--since", "2025-12-01", "--db", str(tmp_path / "r.db"),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env, cwd=tmp_path,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    assert "Back-fill of 1 symbols: 10 bars added" in out.decode()
    assert b"[###" not in err  # no progress bar when stderr is not a terminal


async def test_backfill_of_a_symbol_no_source_has_fails_with_the_reason(tmp_path):
    async with FakeUpstream() as upstream:  # answers 404 for anything not scripted
        env = clean_env(ROTOBOT_MARKET_YAHOO_URL=upstream.url, ROTOBOT_MARKET_STOOQ_URL=upstream.url,
                        ROTOBOT_FOMC_FRED_URL=upstream.url)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "backfill", "ZZZZ", "--since", "2025-12-01", "--db", str(tmp_path / "r.db"),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env, cwd=tmp_path,
        )
        out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    assert "failed ZZZZ: every source failed (yahoo: HTTP 404" in out.decode()


def test_backfill_since_must_be_a_date(cli):
    code, _, err = cli("backfill", "^RUT", "--since", "yesterday")
    assert code == 1 and "expected YYYY-MM-DD" in err
