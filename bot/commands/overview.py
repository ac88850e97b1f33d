"""The stored overview: !status (what rotobot holds and how it runs), !rotation and !fomc, read from storage."""

from __future__ import annotations

import dataclasses
from zoneinfo import ZoneInfo

from alerts.fomc.announce import NEW_YORK, change_text, decision_time, meeting_days, rate_range, summary, vote_line
from alerts.fomc.projections_text import path_line
from alerts.market.freshness import bars_freshness, quote_freshness
from alerts.timefmt import age
from bot.commands.context import CommandContext
from bot.commands.parsing import no_arguments, shown
from bot.commands.reply import CommandError, Reply
from bot.commands.router import Caller
from bot.dot_plot_chart import dot_plot_chart_async
from bot.rotation_reply import rotation_reply
from storage import fomc, outbox, prices, quotes
from storage.migrations import LATEST, schema_version


async def status_command(ctx: CommandContext, caller: Caller, args: list[str]) -> Reply:
    no_arguments("status", args)
    symbols = ctx.settings.configured_symbols()
    version, covered, pending, bars, latest = await ctx.database.run(_status_facts, symbols)
    now, tz = ctx.now(), ZoneInfo(ctx.settings.display.timezone)
    fields = [
        ("database", f"{ctx.database.path} (schema {version} of {LATEST})"),
        ("running since", f"{ctx.started_at.astimezone(tz):%Y-%m-%d %H:%M %Z} ({age(ctx.started_at, now)})"),
        ("transports", ", ".join(ctx.transports) or "none"),
        ("alerts queued", str(pending)),
        ("history", f"{len(covered)} symbols, {sum(c.sessions for c in covered):,} daily bars" if covered else "none"),
    ]
    fields += [(symbol, _data_line(ctx, bars.get(symbol), latest.get(symbol), now)) for symbol in symbols]
    return Reply("rotobot status", fields=tuple(fields), footer="times of day in " + ctx.settings.display.timezone)


async def rotation_command(ctx: CommandContext, caller: Caller, args: list[str]) -> Reply:
    if [a.lower() for a in args] not in ([], ["chart"]):
        raise CommandError(f"rotation takes nothing or 'chart' (got {' '.join(args)!r})")
    return await rotation_reply(ctx, chart=bool(args), guild_id=caller.guild_id)


async def fomc_command(ctx: CommandContext, caller: Caller, args: list[str]) -> Reply:
    """The next meeting, the range, the last decisions and the latest projections; `dots` adds the dot plot."""
    if [a.lower() for a in args] not in ([], ["dots"]):
        raise CommandError(f"fomc takes nothing, or 'dots' for the dot plot (got '{shown(' '.join(args))}')")
    now = ctx.now()
    meetings, decisions, stored = await ctx.database.run(_fomc_facts)
    facts = summary(meetings, decisions, now.astimezone(NEW_YORK).date())
    fields = []
    if facts.next_meeting:
        m = facts.next_meeting
        away = "today" if facts.days_away == 0 else f"in {facts.days_away} days" if facts.days_away > 0 else "under way"
        fields.append(("next meeting", f"{meeting_days(m)} {m.end.year}, {away}" + (" — with projections (SEP)" if m.sep else "")))
        decided_at = decision_time(m)
        if decided_at > now:  # a Discord timestamp: each reader sees it in their own zone (the console: its own)
            at = int(decided_at.timestamp())
            fields.append(("decision", f"<t:{at}:F> (<t:{at}:R>)"))
    else:
        fields.append(("next meeting", "none on the stored calendar"))
    if facts.current:
        today = now.astimezone(NEW_YORK).date()
        decided = {d.date for d in decisions}
        unknown = [m for m in meetings if facts.current.date < m.end < today and not m.notation_vote
                   and m.end not in decided]
        stale = f" (stale: {len(unknown)} later meetings have no stored decision yet)" if unknown else ""
        fields.append(("target range",
                       rate_range(facts.current.lower, facts.current.upper) + f" since {facts.current.date}{stale}"))
    if facts.recent and vote_line(facts.recent[0].votes):
        fields.append((f"vote {facts.recent[0].date}", vote_line(facts.recent[0].votes)))
    for d in facts.recent:
        change = "could not be read" if d.action == "unknown" else change_text(d)
        level = rate_range(d.lower, d.upper) if d.lower is not None else "—"
        fields.append((f"{d.date}", f"{change}, {level}" + (" (unscheduled)" if d.unscheduled else "")))
    if stored:
        fields.append((f"projections {stored[0].projections.meeting}",
                       f"median funds rate, % ({stored[0].projections.previous_round}'s): "
                       + path_line(stored[0].projections)))
    else:
        fields.append(("projections", "none stored yet"))
    reply = Reply("FOMC", fields=tuple(fields), footer="from the stored calendar, decisions and projections")
    if not args:
        return reply
    if not stored:
        return Reply("FOMC dot plot", ("No FOMC projections are stored yet, so there is no dot plot to draw.",
                                       "They are read from the Fed's page at 2:00 pm ET on the last day of a meeting "
                                       "with projections (SEP)."))
    in_force = (facts.current.lower, facts.current.upper) if facts.current else None
    png = await dot_plot_chart_async(stored[0].projections, in_force)
    return dataclasses.replace(reply, attachments=(("fomc-dots.png", png),))


def _fomc_facts(db):
    return fomc.meetings(db), fomc.decisions(db), fomc.projections(db, 1)


def _data_line(ctx: CommandContext, bar, quote, now) -> str:
    """Last close and last quote of a symbol, each with where it came from and whether it is stale."""
    if bar is None and quote is None:
        return "nothing stored yet"
    calendar = ctx.calendar.around(now)
    parts = []
    if bar is not None:
        fresh = bars_freshness(bar.date, now, calendar)
        parts.append(f"close {bar.close:,.2f} on {bar.date} from {bar.source}" + (f" ({fresh.text})" if fresh.stale else ""))
    if quote is not None:
        fresh = quote_freshness(quote.fetched_at, now, ctx.settings.market.poll_seconds, calendar)
        parts.append(f"last {quote.price:,.2f} from {quote.source}, {fresh.text}")
    return "; ".join(parts)


def _status_facts(db, symbols: list[str]):
    bars = {s: b for s in symbols if (b := prices.last_bar(db, s)) is not None}
    stored_quotes = quotes.all_quotes(db)
    return schema_version(db), prices.coverage(db), outbox.pending_count(db), bars, stored_quotes
