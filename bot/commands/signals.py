"""!signals [rule]: this server's close rules, the record of their signals and their last ones, from the signal
cache (storage/signal_records.py, kept by bot/jobs/records.py after each daily close). Reads the store only.

A server sees the rules whose alerts it hears: the shared ones, or in their place its own (the spread with the
lines its admins set), and its watches, named as `!watches` names them ("Watch #1 ^RUT move 15 12%", asked for
as `!signals #1`); never another server's own.
"""

from __future__ import annotations

from dataclasses import dataclass

from alerts.payloads import Everyone, Route, Server, seen_in_server
from alerts.rules import messages
from alerts.timefmt import age
from alerts.track_record import signal_name, track_record_line
from alerts.watches import Watch
from bot.commands.context import CommandContext
from bot.commands.reply import CommandError, Reply
from bot.commands.router import Caller
from storage import signal_records, watches
from storage.signal_records import Audience, CachedRule

SHOWN = 10  # signals `!signals RULE` lists, the latest
EMPTY = ("They are computed after the next daily close, over all stored history: for each rule, what followed "
         "its signals and its last ones.",)


async def signals_command(ctx: CommandContext, caller: Caller, args: list[str]) -> Reply:
    if len(args) > 1:
        raise CommandError("!signals takes at most one rule name, e.g. !signals rotation_spread:^RUT/^NDX:20 "
                           "(names contain no spaces), or a watch's number, e.g. !signals #1")
    rules = await ctx.database.run(signal_records.cached_rules, SHOWN, ctx.settings.rules.record_last,
                                   lambda audience: seen_in_server(_route(audience), caller.guild_id))
    mine = {w.rule_id: w for w in await ctx.database.run(watches.for_guild, caller.guild_id)} if caller.guild_id else {}
    if not rules:
        return Reply("No signal records yet", EMPTY)
    shown = [_named(rule, mine.get(rule.rule_id)) for rule in rules]
    now = ctx.now()
    footer = (f"each rule replayed over all its stored history; computed {age(max(r.computed_at for r in rules), now)} "
              "ago, after the last close; from store")
    if not args:
        fields = tuple((one.title, "\n".join(_record_lines(one.rule, one.records(one.rule.lately))
                                              + _latest(one.rule, 1))) for one in shown)
        return Reply("Signals and what followed them", fields=fields,
                     footer=footer + f"; {ctx.settings.discord.prefix}signals RULE lists a rule's last signals")
    found = _find(args[0], shown, ctx.settings.discord.prefix)
    if isinstance(found, Reply):
        return found
    rule, last = found.rule, ctx.settings.rules.record_last
    fields = (
        (f"record: the last {last}", "\n".join(_record_lines(rule, found.records(rule.lately)))),
        (f"record: all since {messages.day(rule.first)}", "\n".join(_record_lines(rule, found.records(rule.records)))),
        (f"last {len(rule.firings)} signals", "\n".join(_latest(rule, SHOWN)) or "none in stored history"),
    )
    return Reply(found.title, fields=fields, footer=footer + f"; through {messages.day(rule.through)}")


def _route(audience: Audience) -> Route:
    """Where the rule's alerts go, which is who may see its record."""
    return Server(audience.guild_id) if audience.guild_id is not None else Everyone(audience.exclude_guilds)


@dataclass(frozen=True)
class _Named:
    """A cached rule as this server knows it. `name`: what `!signals NAME` takes (a watch's number "#1", a rule's
    id, a server's own spread by the shared rule's id); `title`: how the answer heads it."""

    rule: CachedRule
    name: str
    title: str
    is_watch: bool
    directions: tuple[str | None, ...] | None = None  # a watch's: a spread with one line fires on that side only

    def records(self, records: dict) -> dict:
        return {d: r for d, r in records.items() if self.directions is None or d in self.directions}


def _named(rule: CachedRule, watch: Watch | None) -> _Named:
    if watch is not None:  # "Watch #1 ^RUT move 15 12%", as its alerts and !watches name it
        return _Named(rule, f"#{watch.number}", watch.name, True, watch.spec.directions)
    if rule.audience.guild_id is not None:  # the shared rule, with this server's lines
        name = rule.rule_id.rsplit("@", 1)[0]
        return _Named(rule, name, f"{name} (this server's lines)", False)
    return _Named(rule, rule.rule_id, rule.rule_id, False)


def _find(wanted: str, rules: list[_Named], prefix: str) -> _Named | Reply:
    """The rule of that name (any case) or the watch of that number ("#1"), or the one rule whose name contains it
    ("!signals spread"); else the answer that says which names there are."""
    exact = [rule for rule in rules if rule.name.lower() == wanted.lower()]
    near = exact or [rule for rule in rules if not rule.is_watch and wanted.lower() in rule.name.lower()]
    if len(near) == 1:
        return near[0]
    title = f"{wanted!r} could be any of {len(near)} rules" if near else f"No rule named {wanted!r} here"
    listed = near or rules
    names = [f"{rule.name} ({rule.title})" if rule.is_watch else rule.name for rule in listed]
    return Reply(title, ("This server's rules: " + ", ".join(names), f"For example: {prefix}signals {listed[0].name}"),
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
