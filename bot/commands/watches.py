"""!watch, !watches and !unwatch: a server's own rules, added by its admins (alerts/watches.py, the grammar in
alerts/watch_grammar.py). A watch is judged by the rules engine at each close like any configured rule, and its
alerts go to this server's alert channel only."""

from __future__ import annotations

import re

from alerts.watch_grammar import EXAMPLES, WatchError, parse_watch
from alerts.watch_view import watch_line
from alerts.watches import MAX_PER_SERVER, Watch
from bot.commands.context import CommandContext
from bot.commands.reply import CommandError, Reply
from bot.commands.router import Caller
from bot.embed_fit import FIELD_LIMIT
from storage import guild_settings, prices, rule_state, watches

USAGE = "watch TICKER[/TICKER] spread [N] [above X] [below Y] [band H] | ma N [band B] | move N X%"
STATE_KEY = "*"  # as bot/jobs/engine.py stores one state per rule
_NUMBER = re.compile(r"#?([0-9]{1,9})")


def _server(caller: Caller) -> int:
    if not caller.guild_id:
        raise CommandError("Watches belong to a server: add them in one of its channels, not in a DM or on the "
                           f"console. For example: !watch {EXAMPLES[0]}")
    return caller.guild_id


async def watch_command(ctx: CommandContext, caller: Caller, args: list[str]) -> Reply:
    guild = _server(caller)
    try:
        spec = parse_watch(args)
    except WatchError as error:
        raise CommandError(str(error)) from None
    known, channel = await ctx.database.run(_known_and_channel, guild, spec.symbols)
    missing = [s for s in spec.symbols if s not in known]
    watch = Watch(guild, 0, spec, created_by=caller.user_id, created_at=ctx.now(), channel_id=caller.channel_id,
                  status="pending" if missing else "active")
    added = await ctx.database.run(watches.add, watch, limit=MAX_PER_SERVER)
    if added.outcome == "full":
        raise CommandError(f"This server has {added.count} watches, the limit: remove one first, e.g. !unwatch 1 "
                           "(!watches lists them with their numbers)")
    footer = f"{added.count} of {MAX_PER_SERVER} watches"
    if added.outcome == "exists":
        return Reply(f"Already watching: {added.watch.name}", ("!watches lists this server's watches.",),
                     footer=footer)
    made = added.watch
    lines = [f"Its alerts go to this server's alert channel, named \"{made.name}\"."]
    if missing:
        lines.append(f"rotobot has no data for {' and '.join(missing)} yet: the next data job looks it up, and you "
                     "will be told here whether it was found.")
    else:
        lines.append("Judged at each close from the next one on; the first look only learns where it stands.")
    default = ctx.settings.discord.alert_channel_id  # the operator's default: heard only if it is in this server
    if not channel and (not default or (caller.server is not None and caller.server.channel_problem(default))):
        lines.append("This server has no alert channel yet, so its watches cannot be heard: !set channel #alerts")
    return Reply(f"Watch #{made.number} added", tuple(lines), footer=footer)


async def watches_command(ctx: CommandContext, caller: Caller, args: list[str]) -> Reply:
    guild = _server(caller)
    if args:
        shown = " ".join(args)[:40].replace("`", "'")
        raise CommandError(f"!watches takes no arguments (got '{shown}'): type just !watches to list this server's "
                           f"watches, or add one with !watch {EXAMPLES[0]}")
    lines = await ctx.database.run(lines_for, guild)
    if not lines:
        return Reply("This server has no watches", (f"Admins add one with !watch, e.g. !watch {EXAMPLES[0]}",))
    return Reply("This server's watches", tuple(lines),
                 footer=f"{len(lines)} of {MAX_PER_SERVER} · !unwatch N removes one · alerts go to the alert channel")


async def unwatch_command(ctx: CommandContext, caller: Caller, args: list[str]) -> Reply:
    guild = _server(caller)
    number = watch_number(args, "unwatch")
    removed = await ctx.database.run(watches.remove, guild, number)
    if removed is None:
        raise CommandError(f"This server has no watch #{number}: !watches lists this server's watches, e.g. "
                           "!unwatch 1 removes watch #1")
    return Reply(f"Watch #{number} removed", (f"{removed.spec.text}: no more alerts from it.",))


def watch_number(args: list[str], command: str) -> int:
    """The one watch number `!unwatch` and `!backtest` take ("3" or "#3"), or the error that shows how."""
    found = _NUMBER.fullmatch(args[0].strip()) if len(args) == 1 else None
    if found is None:
        shown = " ".join(args)[:40].replace("`", "'")
        raise CommandError(f"'{shown}' is not a watch number: give the number !watches shows, e.g. !{command} 3"
                           if args else f"Which watch? Give its number from !watches, e.g. !{command} 3")
    return int(found[1])


def lines_for(db, guild_id: int) -> list[str]:
    """This server's watches, one line each with where it stands (on the database thread)."""
    mine = watches.for_guild(db, guild_id)
    states = rule_state.load_states(db, [w.rule_id for w in mine], STATE_KEY)
    return [watch_line(w, states.get(w.rule_id)) for w in mine]


def watch_field(lines: list[str]) -> tuple[str, str]:
    """!rotation's field for this server's watches: as many whole lines as one embed field holds."""
    kept: list[str] = []
    for index, line in enumerate(lines):
        more = f"… and {len(lines) - index} more: !watches"
        room = FIELD_LIMIT if index == len(lines) - 1 else FIELD_LIMIT - len(more) - 1
        if len("\n".join([*kept, line])) > room:
            kept.append(more)
            break
        kept.append(line)
    return "This server's watches", "\n".join(kept)


def _known_and_channel(db, guild_id: int, symbols: tuple[str, ...]) -> tuple[set[str], int | None]:
    """Which of `symbols` have stored closes (a watch judges closes only), and the server's alert channel."""
    known = {s for s in symbols if prices.last_bar(db, s) is not None}
    return known, guild_settings.get(db, guild_id, "alert_channel")
