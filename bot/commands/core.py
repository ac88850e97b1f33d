"""The commands every transport has from day one: help, status and the stored view of the rotation."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.commands.context import CommandContext
from bot.commands.reply import CommandError, Reply
from bot.commands.router import Router
from bot.timefmt import age
from storage import outbox, prices
from storage.migrations import LATEST, schema_version


def no_arguments(name: str, args: list[str]) -> None:
    if args:
        raise CommandError(f"{name} takes no arguments (got {' '.join(args)!r})")


def help_reply(router: Router) -> Reply:
    return Reply(
        "rotobot commands",
        tuple(f"{router.prefix}{c.usage:<14} {c.summary}" for c in router.commands),
        footer="rotobot watches the Russell 2000 against the Nasdaq-100, the FOMC and your tickers",
    )


async def status_command(ctx: CommandContext, args: list[str]) -> Reply:
    no_arguments("status", args)
    version, covered, pending = await ctx.database.run(_status_facts)
    now, tz = ctx.now(), ZoneInfo(ctx.settings.display.timezone)
    fields = [
        ("database", f"{ctx.database.path} (schema {version} of {LATEST})"),
        ("running since", f"{ctx.started_at.astimezone(tz):%Y-%m-%d %H:%M %Z} ({age(ctx.started_at, now)})"),
        ("transports", ", ".join(ctx.transports) or "none"),
        ("alerts queued", str(pending)),
        ("history", f"{len(covered)} symbols" if covered else "none stored yet"),
    ]
    fields += [(c.symbol, f"{c.sessions} sessions, {c.first} to {c.last}") for c in covered]
    return Reply("rotobot status", fields=tuple(fields))


async def rotation_command(ctx: CommandContext, args: list[str]) -> Reply:
    no_arguments("rotation", args)
    rotation = ctx.settings.rotation
    small, large = await ctx.database.run(_last_bars, rotation.small, rotation.large)
    now = ctx.now()
    fields = []
    for leg, symbol, bar in (("small caps", rotation.small, small), ("mega caps", rotation.large, large)):
        if bar is None:
            fields.append((f"{leg} {symbol}", "no history stored yet"))
        else:
            fields.append((f"{leg} {symbol}", f"{bar.close:,.2f} close {bar.date} (fetched {age(bar.fetched_at, now)} ago)"))
    lines = (
        f"Spread: {rotation.window}-session change of {rotation.small}/{rotation.large}; "
        f"alerts at {rotation.upper:+.1f}% and {rotation.lower:+.1f}% (re-arm {rotation.hysteresis:.1f} pts back)",
    )
    return Reply("Rotation: small caps vs mega caps", lines, tuple(fields), footer="from stored data; no live fetch")


def _status_facts(db):
    return schema_version(db), prices.coverage(db), outbox.pending_count(db)


def _last_bars(db, small: str, large: str):
    return prices.last_bar(db, small), prices.last_bar(db, large)


def build_router(prefix: str) -> Router:
    router = Router(prefix)

    async def help_command(ctx: CommandContext, args: list[str]) -> Reply:
        no_arguments("help", args)
        return help_reply(router)

    router.add("help", "help", "this list", help_command)
    router.add("rotation", "rotation", "small caps vs mega caps, from stored data", rotation_command)
    router.add("status", "status", "what rotobot has stored and how it is running", status_command)
    return router

