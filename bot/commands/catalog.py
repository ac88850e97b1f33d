"""Every command, registered in one place: its name, usage, summary and handler, and !help that lists them."""

from __future__ import annotations

from bot.commands.admin import mute_command, set_command, unmute_command
from bot.commands.context import CommandContext
from bot.commands.market import alerts_command, price_command
from bot.commands.overview import fomc_command, rotation_command, status_command
from bot.commands.parsing import no_arguments
from bot.commands.reply import Reply
from bot.commands.router import Caller, Router
from bot.commands.signals import signals_command
from bot.commands.subscriptions import (
    subscribe_command,
    subscriptions_command,
    unsubscribe_command,
)
from bot.commands.watches import USAGE as WATCH_USAGE
from bot.commands.watch_backtest import backtest_command
from bot.commands.watches import unwatch_command, watch_command, watches_command


def help_reply(router: Router, caller: Caller) -> Reply:
    shown = [c for c in router.commands if caller.is_admin or not c.admin]
    lines = [f"{router.prefix}{c.usage}\n    {c.summary}" for c in shown]
    return Reply(
        "rotobot commands",
        tuple(lines),
        footer="rotobot watches the Russell 2000 against the Nasdaq-100, the FOMC and your tickers",
    )


def build_router(prefix: str) -> Router:
    router = Router(prefix)

    async def help_command(ctx: CommandContext, caller: Caller, args: list[str]) -> Reply:
        no_arguments("help", args)
        return help_reply(router, caller)

    router.add("help", "help", "this list", help_command)
    router.add("rotation", "rotation [chart]", "small caps vs mega caps: records, the spread, the basket", rotation_command)
    router.add("price", "price TICKER", "last price, change and 52-week range, from stored data", price_command)
    router.add("subscribe", "subscribe TICKER [above P | below P | move X% | 52w] [here]",
               "alerts on your ticker (default: a 3% move or a 52-week extreme, by DM)", subscribe_command)
    router.add("unsubscribe", "unsubscribe TICKER [above|below|move|52w]", "stop alerts on a ticker",
               unsubscribe_command)
    router.add("subscriptions", "subscriptions", "what you are subscribed to", subscriptions_command)
    router.add("fomc", "fomc [dots]", "next FOMC meeting, the target range, the last decisions and projections "
               "(dots: the dot plot)", fomc_command)
    router.add("alerts", "alerts [N]", "this server's last N alerts (default 10)", alerts_command)
    router.add("signals", "signals [RULE]", "what followed each rule's signals before, and its last ones",
               signals_command)
    router.add("status", "status", "what rotobot has stored and how it is running", status_command)
    router.add("set", "set [channel #c | role @r | upper X | lower X | hysteresis X | wrap on|off]",
               "this server's alert channel, role to mention, thresholds (admins)", set_command, admin=True)
    router.add("watch", WATCH_USAGE, "a rule of this server's own, e.g. !watch KRE/SPY spread 20 above 5 (admins)",
               watch_command, admin=True)
    router.add("watches", "watches", "this server's watches, numbered, with where each stands", watches_command)
    router.add("unwatch", "unwatch N", "remove this server's watch number N (admins)", unwatch_command, admin=True)
    router.add("backtest", "backtest N", "what watch number N would have said over stored history, and what followed "
               "(admins)", backtest_command, admin=True)
    router.add("mute", "mute DURATION", "pause this server's channel alerts, e.g. !mute 2h (admins)", mute_command,
               admin=True)
    router.add("unmute", "unmute", "resume this server's channel alerts (admins)", unmute_command, admin=True)
    return router
