"""!price and !alerts: stored prices and this server's recent alerts."""

from __future__ import annotations

from datetime import timedelta

from alerts.market.freshness import bars_freshness, quote_freshness
from alerts.payloads import Everyone, seen_in_server
from alerts.rules.exact import percent_change
from alerts.rules.series import YEAR, highest_close, lowest_close
from bot.commands import parsing
from bot.commands.context import CommandContext
from bot.commands.reply import CommandError, Reply
from bot.commands.router import Caller
from alerts.timefmt import age
from storage import deliveries, outbox, prices, quotes
from storage.deliveries import GAVE_UP, NOT_WANTED, NOWHERE, OWED, SENT, UNRESOLVED



async def price_command(ctx: CommandContext, caller: Caller, args: list[str]) -> Reply:
    if len(args) != 1:
        raise CommandError("Which ticker? For example: !price CFG")
    symbol = parsing.ticker(args[0])
    bars, quote = await ctx.database.run(_price_facts, symbol)
    if not bars and quote is None:
        raise CommandError(f"rotobot has no data for {symbol}. !subscribe {symbol} adds it to the data jobs")
    now = ctx.now()
    calendar = ctx.calendar.around(now)
    fields = []
    last_close = bars[-1] if bars else None
    if quote is not None:
        fresh = quote_freshness(quote.fetched_at, now, ctx.settings.market.poll_seconds, calendar)
        reference = quote.previous_close or (last_close.close if last_close else None)
        change = f" ({percent_change(quote.price, reference):+.2f}%)" if reference else ""
        fields.append(("last", f"{quote.price:,.2f}{change}, {fresh.text} from {quote.source}"))
    if last_close is not None:
        fresh = bars_freshness(last_close.date, now, calendar)
        previous = bars[-2].close if len(bars) > 1 else None
        change = f" ({percent_change(last_close.close, previous):+.2f}%)" if previous else ""
        fields.append(("close", f"{last_close.close:,.2f}{change} on {last_close.date}"
                                + (f" — {fresh.text}" if fresh.stale else "")))
        start = max(0, len(bars) - YEAR)
        (high, high_day), (low, low_day) = highest_close(bars, start, len(bars)), lowest_close(bars, start, len(bars))
        fields.append(("52-week range", f"{low:,.2f} ({low_day}) to {high:,.2f} ({high_day})"))
    return Reply(f"{symbol}", fields=tuple(fields), footer="from stored data; no live fetch")


async def alerts_command(ctx: CommandContext, caller: Caller, args: list[str]) -> Reply:
    if len(args) > 1:
        raise CommandError("!alerts takes at most one number, e.g. !alerts 10")
    count = int(parsing.number(args[0], "!alerts", 1, 25)) if args else 10
    now = ctx.now()
    mine = await ctx.database.run(_shown_here, caller.guild_id, count)
    if not mine:
        return Reply("No alerts yet", ("They appear here as they fire.",))
    lines = tuple(f"{q.alert.message} — {age(q.created_at, now)} ago{_STATUS.get(status, '')}" for q, status in mine)
    return Reply(f"Last {len(mine)} alerts", lines)


_STATUS = {OWED: " (not delivered here yet)", UNRESOLVED: " (not delivered yet)",
           GAVE_UP: " (could not be delivered here)"}


def _shown_here(db, guild_id: int, count: int) -> list[tuple[outbox.Queued, str]]:
    """The latest alerts this server's channels showed (or still owe): never another server's, nor anyone's DM,
    nor one this server was muted for. On the console (no server), every server-wide alert."""
    recent = outbox.recent(db, 200)
    if not guild_id:
        return [(q, SENT if q.delivered_at else UNRESOLVED) for q in recent if isinstance(q.alert.route, Everyone)
                ][:count]
    candidates = [q for q in recent if seen_in_server(q.alert.route, guild_id)]
    status = deliveries.in_guild(db, [q.id for q in candidates], guild_id)
    shown = [(q, status[q.id]) for q in candidates if status[q.id] not in (NOT_WANTED, NOWHERE)]
    return shown[:count]


def _price_facts(db, symbol: str):
    """The last year of stored sessions (to the last one stored, however old) and the latest quote. Reads a
    year, not all history: ^RUT alone has 9,000 sessions, and reading them cost 100 ms a command."""
    last = prices.last_bar(db, symbol)
    year = prices.daily_bars(db, symbol, start=last.date - timedelta(days=380)) if last else []
    return year[-YEAR - 1:], quotes.get_quote(db, symbol)
