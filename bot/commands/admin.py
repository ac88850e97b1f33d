"""Server settings for admins (Manage Server): the alert channel, a role to mention, thresholds, mute."""

from __future__ import annotations

from datetime import timezone

from alerts.rules.checks import spread_lines
from bot.commands import parsing
from bot.commands.context import CommandContext
from bot.commands.reply import CommandError, Reply
from bot.commands.router import Caller
from storage import guild_settings

# key -> (what it is, low, high) for the numeric rule thresholds a server may set for itself
THRESHOLDS = {
    "upper": ("the spread that signals rotation into small caps, percent", -100.0, 100.0),
    "lower": ("the spread that signals rotation into mega caps, percent", -100.0, 100.0),
    "hysteresis": ("points the spread must retreat to re-arm", 0.0, 50.0),
}
USAGE = "!set channel #alerts | !set role @traders | !set channel off | !set upper 6 | !set wrap on"


def _server(caller: Caller) -> int:
    if not caller.guild_id:
        raise CommandError("Server settings are set in a server's channel, not in a DM or on the console")
    return caller.guild_id


async def set_command(ctx: CommandContext, caller: Caller, args: list[str]) -> Reply:
    guild = _server(caller)
    if not args:
        current = await ctx.database.run(guild_settings.all_for, guild)
        shown = [f"{key}: {value}" for key, value in sorted(current.items())] or ["nothing set: the defaults apply"]
        return Reply("This server's rotobot settings", tuple(shown), footer=USAGE)
    if len(args) != 2:
        raise CommandError(f"!set takes a name and a value, e.g. {USAGE}")
    key, value = args[0].lower(), args[1]
    now = ctx.now()
    if key in ("channel", "role"):
        store = "alert_channel" if key == "channel" else "alert_role"
        if value.lower() in ("off", "none"):
            await ctx.database.run(guild_settings.reset, guild, store)
            return Reply(f"Alert {key} cleared")
        if key == "channel" and value.lower() == "here":
            chosen = caller.channel_id
        else:
            chosen = parsing.channel_id(value) if key == "channel" else parsing.role_id(value)
        notes = _check_in_server(caller, key, chosen)
        await ctx.database.run(guild_settings.set_value, guild, store, chosen, now)
        return Reply(f"Alert {key} set", (f"<#{chosen}>" if key == "channel" else f"<@&{chosen}>", *notes))
    if key in THRESHOLDS:
        what, low, high = THRESHOLDS[key]
        number = parsing.number(value, f"{key} ({what})", low, high)
        merged = {**await ctx.database.run(guild_settings.all_for, guild), key: number}
        rotation = ctx.settings.rotation
        lines = {name: merged.get(name, getattr(rotation, name)) for name in ("upper", "lower", "hysteresis")}
        problem = spread_lines(**lines)
        if problem:
            at_fault, expected = problem
            raise CommandError(f"{at_fault} ({lines[at_fault]:g}) must be {expected} for this server's lines")
        await ctx.database.run(guild_settings.set_value, guild, key, number, now)
        return Reply(f"{key} set to {number:g} for this server", (what,))
    if key == "wrap":
        if value.lower() not in ("on", "off"):
            raise CommandError("!set wrap takes on or off")
        await ctx.database.run(guild_settings.set_value, guild, "daily_wrap", value.lower() == "on", now)
        return Reply(f"Daily wrap {value.lower()}", ("After the close on market days, one summary of the day.",))
    raise CommandError(f"'{parsing.shown(key)}' is not a setting: use channel, role, upper, lower, hysteresis or wrap")


def _check_in_server(caller: Caller, key: str, chosen: int | None) -> tuple[str, ...]:
    """A channel or role must be this server's own, and the bot must be able to post in the channel: one server's
    alerts (and its role mention) must never land in another server, which could not even undo it."""
    server = caller.server
    if chosen is None or server is None:
        raise CommandError("rotobot cannot see this server's channels and roles right now, so it cannot check that "
                           f"one; try !set {key} again in a minute")
    problem = server.channel_problem(chosen) if key == "channel" else server.role_problem(chosen)
    if problem:
        raise CommandError(problem)
    note = server.role_note(chosen) if key == "role" else None
    return (note,) if note else ()


async def mute_command(ctx: CommandContext, caller: Caller, args: list[str]) -> Reply:
    guild = _server(caller)
    if len(args) != 1:
        raise CommandError("How long? For example: !mute 2h (from 1 minute to 30 days)")
    until = ctx.now().astimezone(timezone.utc) + parsing.duration(args[0])
    await ctx.database.run(guild_settings.set_value, guild, "muted_until", until.isoformat(), ctx.now())
    return Reply("Channel alerts muted", (f"until <t:{int(until.timestamp())}:f>; !unmute ends it sooner.",
                                          "Subscriptions by DM still arrive."))


async def unmute_command(ctx: CommandContext, caller: Caller, args: list[str]) -> Reply:
    guild = _server(caller)
    if args:
        raise CommandError("!unmute takes no arguments")
    was = await ctx.database.run(guild_settings.reset, guild, "muted_until")
    return Reply("Channel alerts back on" if was else "Channel alerts were not muted")
