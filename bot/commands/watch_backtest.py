"""!backtest N: what this server's watch number N would have said over all stored history, and what followed.

The watch goes through the same seam the live engine judges it by (alerts/watches.py `watch_rule`), and the
backtest is the one `rotobot backtest` prints (alerts/backtest/). Reading the history runs on the database thread
and the replay and pandas on a worker thread, never on the event loop; a transport that sees the answer is slow
says "working on it" first (bot/transports/discord/client.py).
"""

from __future__ import annotations

import asyncio
from datetime import date

from alerts.backtest.summary import Summary
from alerts.watches import Watch, watch_rule
from bot.commands.context import CommandContext
from bot.commands.reply import CommandError, Reply
from bot.commands.router import Caller
from bot.commands.watches import watch_number
from storage import prices, watches

HORIZONS = (5, 20, 60)  # a week, a month, a quarter of sessions: the README's backtest default


async def backtest_command(ctx: CommandContext, caller: Caller, args: list[str]) -> Reply:
    if not caller.guild_id:
        raise CommandError("Watches belong to a server: ask in one of its channels, e.g. !backtest 1")
    number = watch_number(args, "backtest")
    watch = await ctx.database.run(watches.get, caller.guild_id, number)
    if watch is None:
        raise CommandError(f"This server has no watch #{number}: !watches lists this server's watches, e.g. "
                           "!backtest 1 backtests watch #1")
    rule = watch_rule(watch)
    history = await ctx.database.run(prices.history_points, list(rule.symbols))
    if any(not history.get(symbol) for symbol in rule.symbols):
        missing = " and ".join(s for s in rule.symbols if not history.get(s))
        return Reply(f"{watch.name}: no history yet", (f"rotobot has no stored closes of {missing} yet: the next "
                                                       "data job fetches them; ask again after it.",))
    result = await asyncio.to_thread(_backtest, rule, history)
    return _reply(watch, result)


def _backtest(rule, history):
    from alerts.backtest import backtest  # pandas: imported on this worker thread, not on the event loop

    return backtest([rule], history, date.min, date.max, HORIZONS)


def _reply(watch: Watch, result) -> Reply:
    lines = []
    by_direction: dict[str | None, list[Summary]] = {}
    for summary in result.summaries:  # a spread with one line: only the side it watches, the other never fires
        if summary.direction in watch.spec.directions:
            by_direction.setdefault(summary.direction, []).append(summary)
    for direction, rows in by_direction.items():
        fired = sum(1 for s in result.signals if s.direction == direction)
        label = direction or "signal"
        lines.append(f"**{label}**: {fired} signal{'s' if fired != 1 else ''}")
        for row in rows:
            lines.append(_row(row, points="/" in row.symbol or row.points))
    first = result.signals[0].trigger[:10] if result.signals else None
    last = result.signals[-1].trigger[:10] if result.signals else None
    points = any(s.points for s in result.summaries)  # a series at or under zero: in its own units
    unit = ("points of spread" if len(watch_rule(watch).symbols) == 2 else
            f"points of {watch.spec.symbol} (it has values at or under zero)" if points else "percent")
    footer = (f"{len(result.signals)} signals, {first} to {last} · moves in {unit} · hits: the call came true"
              if result.signals else "no signal over stored history")
    return Reply(f"Backtest of {watch.name}", tuple(lines), footer=footer)


def _row(row: Summary, *, points: bool) -> str:
    unit = " pts" if points else "%"
    places = 2 if row.points else 1  # a series' own points (a yield spread) move by hundredths
    if not row.count:
        return f"  next {row.horizon}: not measured yet · any session {_rate(row.baseline_hit_rate)}"
    return (f"  next {row.horizon}: {row.hits}/{row.count} hits ({_rate(row.hit_rate)}), median "
            f"{row.median:+.{places}f}{unit} · any session {_rate(row.baseline_hit_rate)}, "
            f"{_signed(row.baseline_median, places)}{unit}")


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _signed(value: float | None, places: int = 1) -> str:
    return "n/a" if value is None else f"{value:+.{places}f}"
