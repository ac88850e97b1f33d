"""!signals [rule]: this server's close rules, the record of their signals and their last ones, from the signal
cache (storage/signal_records.py, kept by bot/jobs/records.py after each daily close). Reads the store only.

A server sees the rules whose alerts it hears: the shared ones, or in their place its own (the spread with the
lines its admins set), never another server's own.
"""

from __future__ import annotations

from alerts.payloads import Everyone, Route, Server, seen_in_server
from alerts.rules import messages
from alerts.timefmt import age
from alerts.track_record import signal_name, track_record_line
from bot.commands.context import CommandContext
from bot.commands.reply import CommandError, Reply
from bot.commands.router import Caller
from storage import signal_records
from storage.signal_records import Audience, CachedRule

SHOWN = 10  # signals `!signals RULE` lists, the latest
EMPTY = ("They are computed after the next daily close, over all stored history: for each rule, what followed "
         "its signals and its last ones.",)


async def signals_command(ctx: CommandContext, caller: Caller, args: list[str]) -> Reply:
    if len(args) > 1:
        raise CommandError("!signals takes at most one rule name, e.g. !signals rotation_spread:^RUT/^NDX:20 "
                           "(names contain no spaces)")
    rules = await ctx.database.run(signal_records.cached_rules, SHOWN, ctx.settings.rules.record_last,
                                   lambda audience: seen_in_server(_route(audience), caller.guild_id))
    if not rules:
        return Reply("No signal records yet", EMPTY)
    now = ctx.now()
    footer = (f"each rule replayed over all its stored history; computed {age(max(r.computed_at for r in rules), now)} "
              "ago, after the last close; from store")
    if not args:
        fields = tuple((_name(rule) + _whose(rule), "\n".join(_record_lines(rule, rule.lately) + _latest(rule, 1)))
                       for rule in rules)
        return Reply("Signals and what followed them", fields=fields,
                     footer=footer + f"; {ctx.settings.discord.prefix}signals RULE lists a rule's last signals")
    rule = _find(args[0], rules, ctx.settings.discord.prefix)
    if isinstance(rule, Reply):
        return rule
    last = ctx.settings.rules.record_last
    fields = (
        (f"record: the last {last}", "\n".join(_record_lines(rule, rule.lately))),
        (f"record: all since {messages.day(rule.first)}", "\n".join(_record_lines(rule, rule.records))),
        (f"last {len(rule.firings)} signals", "\n".join(_latest(rule, SHOWN)) or "none in stored history"),
    )
    return Reply(_name(rule) + _whose(rule), fields=fields, footer=footer + f"; through {messages.day(rule.through)}")


def _route(audience: Audience) -> Route:
    """Where the rule's alerts go, which is who may see its record."""
    return Server(audience.guild_id) if audience.guild_id is not None else Everyone(audience.exclude_guilds)


def _name(rule: CachedRule) -> str:
    """A server's own rule goes by the shared rule's name: it is that rule, with this server's lines."""
    return rule.rule_id.rsplit("@", 1)[0] if rule.audience.guild_id is not None else rule.rule_id


def _whose(rule: CachedRule) -> str:
    return " (this server's lines)" if rule.audience.guild_id is not None else ""


def _find(wanted: str, rules: list[CachedRule], prefix: str) -> CachedRule | Reply:
    """The rule of that name (any case), or the one rule whose name contains it ("!signals spread"); else the
    answer that says which names there are."""
    exact = [rule for rule in rules if _name(rule).lower() == wanted.lower()]
    near = exact or [rule for rule in rules if wanted.lower() in _name(rule).lower()]
    if len(near) == 1:
        return near[0]
    title = f"{wanted!r} could be any of {len(near)} rules" if near else f"No rule named {wanted!r} here"
    names = [_name(rule) for rule in (near or rules)]
    return Reply(title, ("This server's rules: " + ", ".join(names), f"For example: {prefix}signals {names[0]}"),
                 error=True)


def _record_lines(rule: CachedRule, records: dict) -> list[str]:
    return [track_record_line(rule.kind, rule.symbol, direction, record)
            for direction, record in records.items() if record is not None]


def _latest(rule: CachedRule, count: int) -> list[str]:
    lines = []
    for firing in rule.firings[:count]:
        what = signal_name(rule.kind, rule.symbol, firing.direction)
        then = (f"{rule.horizon} sessions after it not stored yet" if firing.move is None else
                f"{firing.move:+.2f}{' pts' if '/' in rule.symbol or rule.points else '%'} over the next "
                f"{rule.horizon} sessions")
        lines.append(f"{'latest: ' if count == 1 else ''}{messages.day(firing.session)}, {what} at "
                     f"{_value(rule, firing.value)}: {then}")
    return lines


def _value(rule: CachedRule, value: float) -> str:
    if rule.kind in ("rotation_spread", "move_over"):
        return messages.pct(value)
    return f"{value:.5g}" if "/" in rule.symbol else messages.price(value)
