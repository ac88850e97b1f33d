"""`rotobot backtest --json` must print JSON, whatever one stored close holds.

daily_bars.close is a REAL NOT NULL column and store_bars takes a DailyBar without checking it, so a database
written by another tool, an older release or a hand-made repair can hold an infinite close (SQLite keeps 9e999
as Inf; NaN it refuses as NULL). The bundled ^RUT and ^NDX history is stored as the bot stores it; one ^RUT close
(15 December 2025, three sessions after the record of 10 December) is then overwritten with Inf.

Python's json.dumps writes such a float as the bare token `Infinity`, which is not JSON (RFC 8259): jq, JavaScript's
JSON.parse and every strict reader refuse the whole line. The command may refuse the bad close (and say which),
or show the move as something JSON can carry; it must not print a line that is not JSON.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime, timezone

import pytest

from alerts.market.bundled import bundled_history
from bot.cli import main
from storage import prices
from storage.database import Database


def _strict(line: str):
    def refuse(token: str):
        raise ValueError(f"{token} is not JSON")

    return json.loads(line, parse_constant=refuse)


@pytest.fixture
def stored(tmp_path):
    path = tmp_path / "rotobot.db"
    database = Database.open(path)
    now = datetime(2026, 11, 25, tzinfo=timezone.utc)
    for symbol in ("^RUT", "^NDX"):
        database.call(prices.store_bars, bundled_history(symbol, now=now))
    database.close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE daily_bars SET close = 9e999 WHERE symbol = '^RUT' AND date = '2025-12-15'")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT close FROM daily_bars WHERE symbol = '^RUT' AND date = '2025-12-15'"
                            ).fetchone()[0] == float("inf")
    return path


def test_json_lines_stay_json_with_an_infinite_stored_close(stored, tmp_path, monkeypatch, capsys):
    for name in list(os.environ):
        if name.startswith(("ROTOBOT_", "DISCORD_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    # The range stops before the bad session: the record of 10 December is measured 3 sessions on, onto it.
    code = main(["backtest", "--from", "2025-12-10", "--to", "2025-12-12", "--horizons", "1,3", "--json",
                 "--db", str(stored)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    if code != 0:
        assert out == "" and "2025-12-15" in err  # refused, naming the close that cannot be measured
        return
    bad = []
    for line in out.splitlines():
        try:
            _strict(line)
        except ValueError as error:
            bad.append(f"{error}: {line[:160]}")
    assert bad == []


def test_replay_names_the_infinite_close_instead_of_a_traceback(stored, tmp_path, monkeypatch, capsys):
    for name in list(os.environ):
        if name.startswith(("ROTOBOT_", "DISCORD_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    code = main(["replay", "--from", "2025-12-10", "--to", "2025-12-19", "--json", "--db", str(stored)])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert "Traceback" not in err
    assert "^RUT on 2025-12-15" in err and "rotobot backfill ^RUT --since 2025-12-15" in err
