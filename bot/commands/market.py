"""!price and !alerts: stored prices and this server's recent alerts."""

from __future__ import annotations

from alerts.market.freshness import bars_freshness, quote_freshness
from alerts.payloads import Everyone, seen_in_server
from bot.commands import parsing
from bot.commands.context import CommandContext
from bot.commands.reply import CommandError, Reply
from bot.commands.router import Caller
from alerts.timefmt import age
from storage import outbox, prices, quotes

YEAR_SESSIONS = 252


async def price_command(ctx: CommandContext, caller: Caller, args: list[str]) -> Reply:
    if len(args) != 1:
        raise CommandError("Which ticker? For example: !price CFG")
    symbol = parsing.ticker(args[0])
    bars, quote = await ctx.database.run(_price_facts, symbol)
    if not bars and quote is None:
        raise CommandError(f"rotobot has no data for {symbol}. !subscribe {symbol} adds it to the data jobs")
    now = ctx.now()
    calendar = ctx.sessions.around(now)
    fields = []
    last_close = bars[-1] if bars else None
    if quote is not None:
        fresh = quote_freshness(quote.fetched_at, now, ctx.settings.market.poll_seconds, calendar)
        reference = quote.previous_close or (last_close.close if last_close else None)
        change = f" ({(quote.price / reference - 1) * 100:+.2f}%)" if reference else ""
        fields.append(("last", f"{quote.price:,.2f}{change}, {fresh.text} from {quote.source}"))
    if last_close is not None:
        fresh = bars_freshness(last_close.date, now, calendar)
        previous = bars[-2].close if len(bars) > 1 else None
        change = f" ({(last_close.close / previous - 1) * 100:+.2f}%)" if previous else ""
        fields.append(("close", f"{last_close.close:,.2f}{change} on {last_close.date}"
                                + (f" — {fresh.text}" if fresh.stale else "")))
        year = bars[-YEAR_SESSIONS:]
        high, low = max(year, key=lambda b: b.close), min(year, key=lambda b: b.close)
        fields.append(("52-week range", f"{low.close:,.2f} ({low.date}) to {high.close:,.2f} ({high.date})"))
    return Reply(f"{symbol}", fields=tuple(fields), footer="from stored data; no live fetch")


async def alerts_command(ctx: CommandContext, caller: Caller, args: list[str]) -> Reply:
    if len(args) > 1:
        raise CommandError("!alerts takes at most one number, e.g. !alerts 10")
    count = int(parsing.number(args[0], "!alerts", 1, 25)) if args else 10
    recent = await ctx.database.run(outbox.recent, 200)
    now = ctx.now()
    mine = [q for q in recent if _for_this_server(q.alert, caller)][:count]
    if not mine:
        return Reply("No alerts yet", ("They appear here as they fire.",))
    lines = tuple(
        f"{q.alert.message} — {age(q.created_at, now)} ago" + ("" if q.delivered_at else " (not delivered yet)")
        for q in mine
    )
    return Reply(f"Last {len(mine)} alerts", lines)


def _for_this_server(alert, caller: Caller) -> bool:
    """What this server's channels showed (never another server's, nor anyone's DM); on the console, every
    server-wide alert."""
    if not caller.guild_id:
        return isinstance(alert.route, Everyone)
    return seen_in_server(alert.route, caller.guild_id)


def _price_facts(db, symbol: str):
    return prices.daily_bars(db, symbol)[-YEAR_SESSIONS - 1:], quotes.get_quote(db, symbol)
