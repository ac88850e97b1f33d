"""A watch on a series that goes under zero (the README's `!watch T10Y2Y ma 50`), through the real discord.py bot:
`!backtest N` and `!signals` give its moves in the series' own points ("pts"), never a percent of a base at or
under zero, and `rotobot backtest` says so in its table. Nothing shows "inf" or "nan"."""

from __future__ import annotations

import json
import os
import re
from datetime import date, datetime, timezone

import pytest

from alerts.market.models import DailyBar
from alerts.payloads import Server
from alerts.watches import watch_rule
from bot.cli import main
from bot.jobs.records import SignalRecords
from storage import prices, watches
from storage.database import Database
from tests.discord.conftest import make_servers
from tests.discord.test_discord_cross_server import say, text_of
from tests.rules.rulekit import weekdays

# Inverted and falling, then rising back through exactly 0.00 and on: 60 sessions of a made-up yield spread.
CURVE = ([round(-0.30 - 0.01 * n, 2) for n in range(20)] + [round(-0.50 + 0.02 * n, 2) for n in range(26)]
         + [round(0.02 * n, 2) for n in range(14)])
DAYS = weekdays(date(2025, 9, 1), len(CURVE))


def store_curve(database: Database) -> None:
    fetched = datetime(2025, 12, 3, 22, tzinfo=timezone.utc)
    database.call(prices.store_bars, [DailyBar("T10Y2Y", d, v, "fred", fetched) for d, v in zip(DAYS, CURVE)])


@pytest.fixture
async def server(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    store_curve(database)
    world = await make_servers(database, ["Alpha"], channels=["general", "alerts"])
    yield world
    await world.close()
    database.close()


def no_number_that_is_not_one(text: str) -> None:
    assert "inf" not in text.lower().replace("info", "") and "nan" not in text.lower(), text


async def test_backtest_and_signals_of_a_yield_curve_watch_are_in_its_own_points(server):
    world = server
    [alpha] = world.guilds
    assert "Watch #1 added" in text_of(await say(world, alpha, "!watch T10Y2Y ma 5"))
    reply = await say(world, alpha, "!backtest 1")
    answer = text_of(reply) + " " + reply.embeds[0].footer.text
    assert "Backtest of Watch #1 T10Y2Y ma 5" in answer and "moves in points of T10Y2Y" in answer
    # The curve rose 0.10 over the 5 sessions after its cross from -0.50; a percent of that base would say -20%.
    assert "next 5: 1/1 hits (100%), median +0.10 pts" in answer and not re.search(r"[+-][0-9.]+%", answer)
    no_number_that_is_not_one(answer)

    watch = world.database.call(watches.get, alpha.id, 1)
    records = SignalRecords(world.database, world.clock, horizon=5, last=12)
    history = world.database.call(prices.history_points, ["T10Y2Y"])
    assert await records.refresh([watch_rule(watch)], {watch.rule_id: Server(alpha.id)}, history) == 1
    signals = text_of(await say(world, alpha, "!signals"))
    assert "T10Y2Y rose over the next 5 sessions" in signals and " pts" in signals
    assert "median +0.10 pts" in signals and not re.search(r"[+-][0-9.]+%", signals)  # rose after its cross
    no_number_that_is_not_one(signals)


def test_rotobot_backtest_says_a_series_under_zero_is_in_its_own_points(tmp_path, monkeypatch, capsys):
    for name in list(os.environ):
        if name.startswith(("ROTOBOT_", "DISCORD_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    database = Database.open(tmp_path / "rotobot.db")
    store_curve(database)
    database.close()
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rules]]\nkind = "ma_cross"\nid = "curve"\nsymbol = "T10Y2Y"\nwindow = 5\n')
    args = ["backtest", "--rules", str(rules), "--horizons", "5", "--db", str(tmp_path / "rotobot.db")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("curve: change of T10Y2Y, in its own points, X[t+h] - X[t]")
    no_number_that_is_not_one(out)
    assert main([*args, "--json"]) == 0
    for line in capsys.readouterr().out.splitlines():
        json.loads(line, parse_constant=lambda token: pytest.fail(f"{token} in {line}"))
