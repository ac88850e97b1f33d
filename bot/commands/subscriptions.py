"""!subscribe, !unsubscribe and !subscriptions: a trader's own tickers."""

from __future__ import annotations

from bot.commands import parsing
from bot.commands.context import CommandContext
from bot.commands.reply import CommandError, Reply
from bot.commands.router import Caller
from storage import prices, quotes, subscriptions
from storage.subscriptions import Subscription

MAX_PER_USER = 50
DEFAULT_MOVE = 3.0
KIND_WORDS = frozenset({"above", "below", "move", "52w", "high_52w", "low_52w", "all"})  # what !unsubscribe takes


def describe(sub: Subscription) -> str:
    what = {
        "above": f"above {sub.threshold:,.2f}",
        "below": f"below {sub.threshold:,.2f}",
        "move": f"moves ±{sub.threshold:g}% in a day",
        "high_52w": "new 52-week high",
        "low_52w": "new 52-week low",
    }[sub.kind]
    where = "by DM" if sub.channel_id is None else f"in <#{sub.channel_id}>"
    pending = " (waiting for the first data)" if sub.status == "pending" else ""
    return f"{what}, {where}{pending}"


def parse_subscription(args: list[str]) -> tuple[str, list[tuple[str, float]], bool]:
    """TICKER [above P | below P | move X% | 52w] [here] -> (symbol, [(kind, threshold)], here)."""
    if not args:
        raise CommandError("Which ticker? For example: !subscribe CFG, or !subscribe CFG above 60")
    symbol = parsing.ticker(args[0])
    rest = [a.lower() for a in args[1:]]
    here = bool(rest) and rest[-1] == "here"
    if here:
        rest = rest[:-1]
    if not rest:
        return symbol, [("move", DEFAULT_MOVE), ("high_52w", 0.0), ("low_52w", 0.0)], here
    kind = rest[0]
    if kind in ("above", "below"):
        if len(rest) != 2:
            raise CommandError(f"{kind} takes one price, e.g. !subscribe {symbol} {kind} 60")
        return symbol, [(kind, parsing.price(args[2]))], here
    if kind == "move":
        if len(rest) != 2:
            raise CommandError(f"move takes one percentage, e.g. !subscribe {symbol} move 3%")
        return symbol, [("move", parsing.percent(args[2]))], here
    if kind == "52w" and len(rest) == 1:
        return symbol, [("high_52w", 0.0), ("low_52w", 0.0)], here
    raise CommandError(f"'{parsing.shown(' '.join(args[1:]))}' is not a kind of alert: use above P, below P, "
                       "move X% or 52w, and optionally here")


async def subscribe_command(ctx: CommandContext, caller: Caller, args: list[str]) -> Reply:
    symbol, kinds, here = parse_subscription(args)
    known, count = await ctx.database.run(_known_and_count, symbol, caller.user_id)
    if count + len(kinds) > MAX_PER_USER:
        raise CommandError(f"You have {count} subscriptions; the limit is {MAX_PER_USER}. Remove some with "
                           "!unsubscribe TICKER first")
    now = ctx.now()
    channel = caller.channel_id if here and caller.guild_id else None  # `here` in a DM is the DM itself
    made = []
    for kind, threshold in kinds:
        sub = Subscription(caller.guild_id, caller.user_id, symbol, kind, now, threshold, channel,
                           status="active" if known else "pending")
        stored, new = await ctx.database.run(subscriptions.add, sub)
        made.append((stored, new))
    lines = [("✓ " if new else "already: ") + f"{symbol} {describe(sub)}" for sub, new in made]
    if not known:
        lines.append(f"rotobot has no data for {symbol} yet: the next data job looks it up, and you will be told "
                     "whether it was found.")
    return Reply(f"Subscribed to {symbol}", tuple(lines), footer=f"{count + sum(n for _, n in made)} of "
                                                                  f"{MAX_PER_USER} subscriptions used")


async def unsubscribe_command(ctx: CommandContext, caller: Caller, args: list[str]) -> Reply:
    if not args or len(args) > 2:
        raise CommandError("Which ticker? For example: !unsubscribe CFG, or !unsubscribe CFG move")
    symbol = parsing.ticker(args[0])
    kind = args[1].lower() if len(args) == 2 else "all"
    if kind not in KIND_WORDS:
        raise CommandError(f"'{parsing.shown(args[1])}' is not a kind: use above, below, move, 52w or all")
    kinds = {"all": [None], "52w": ["high_52w", "low_52w"]}.get(kind, [kind])
    removed = 0
    for one in kinds:
        removed += await ctx.database.run(subscriptions.remove, caller.guild_id, caller.user_id, symbol, one)
    if not removed:
        return Reply(f"You had no {'' if kind == 'all' else kind + ' '}subscription to {symbol}",
                     ("!subscriptions lists what you have.",))
    return Reply(f"Unsubscribed from {symbol}", (f"{removed} alert{'s' if removed != 1 else ''} removed.",))


async def subscriptions_command(ctx: CommandContext, caller: Caller, args: list[str]) -> Reply:
    if args:
        raise CommandError("!subscriptions takes no arguments")
    subs = await ctx.database.run(subscriptions.for_user, caller.guild_id, caller.user_id)
    if not subs:
        return Reply("You have no subscriptions here", ("Try !subscribe CFG (a 3% move or a 52-week extreme, by DM).",))
    return Reply("Your subscriptions", tuple(f"{s.symbol}: {describe(s)}" for s in subs),
                 footer=f"{len(subs)} of {MAX_PER_USER}")


def _known_and_count(db, symbol: str, user_id: int) -> tuple[bool, int]:
    known = prices.last_bar(db, symbol) is not None or quotes.get_quote(db, symbol) is not None
    return known, subscriptions.count_for_user(db, user_id)
