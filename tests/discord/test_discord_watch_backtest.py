"""!backtest N through the real discord.py bot in two real dpytest servers: a watch over all stored history, by the
same seam the engine judges it by, answered with the same numbers `rotobot backtest` gives; a server sees only
its own watches, and every bad argument is answered with an example."""

from __future__ import annotations

from datetime import date

import pytest

from alerts.backtest import backtest
from alerts.watches import watch_rule
from storage import prices, watches
from tests.discord.test_discord_cross_server import say, text_of
from tests.discord.test_discord_watches import servers_with_rut, trader_of


@pytest.fixture
async def two_servers(tmp_path):
    async for world in servers_with_rut(tmp_path, date(2015, 1, 1)):  # ten years: an ma 50 fires both ways
        yield world


async def test_backtest_of_a_watch_gives_the_backtests_own_numbers(two_servers):
    world = two_servers
    alpha, _ = world.guilds
    assert "Watch #1 added" in text_of(await say(world, alpha, "!watch ^RUT ma 50"))
    answer = text_of(await say(world, alpha, "!backtest 1"))

    watch = world.database.call(watches.get, alpha.id, 1)
    history = world.database.call(prices.history_points, ["^RUT"])
    result = backtest([watch_rule(watch)], history, date.min, date.max, (5, 20, 60))
    assert "Backtest of Watch #1 ^RUT ma 50" in answer
    for direction in ("above", "below"):
        fired = sum(1 for s in result.signals if s.direction == direction)
        assert fired > 0 and f"{direction}**: {fired} signals" in answer
        for horizon in (5, 20, 60):
            row = result.summary(watch.rule_id, direction, horizon)
            assert (f"next {horizon}: {row.hits}/{row.count} hits ({row.hit_rate:.0%}), median {row.median:+.1f}%"
                    in answer)
            assert f"any session {row.baseline_hit_rate:.0%}, {row.baseline_median:+.1f}%" in answer


async def test_a_server_backtests_only_its_own_watches(two_servers):
    world = two_servers
    alpha, bravo = world.guilds
    await say(world, alpha, "!watch ^RUT move 15 12%")
    answer = text_of(await say(world, bravo, "!backtest 1"))
    assert "This server has no watch #1" in answer and "!backtest 1" in answer
    assert "^RUT move" not in answer


@pytest.mark.parametrize("words, expected", [
    ("", "Which watch? Give its number from !watches, e.g. !backtest 3"),
    ("x", "'x' is not a watch number: give the number !watches shows, e.g. !backtest 3"),
    ("1 2", "'1 2' is not a watch number"),
    ("-1", "'-1' is not a watch number"),
    ("99", "This server has no watch #99"),
    ("9999999999", "'9999999999' is not a watch number"),
])
async def test_bad_arguments_are_answered_with_an_example(two_servers, words, expected):
    world = two_servers
    alpha, _ = world.guilds
    await say(world, alpha, "!watch ^RUT ma 50")
    assert expected in text_of(await say(world, alpha, f"!backtest {words}".strip()))


async def test_only_admins_backtest(two_servers):
    world = two_servers
    alpha, _ = world.guilds
    await say(world, alpha, "!watch ^RUT ma 50")
    answer = text_of(await say(world, alpha, "!backtest 1", member=trader_of(alpha)))
    assert "Backtest of" not in answer and "Manage Server" in answer
