"""`!rotation`, end to end: pick the spread rule, read what it needs, build the pure RotationView, render a Reply.

Each step has a module of its own: bot/rotation_rule.py (whose spread lines), bot/rotation_reads.py (the bounded
reads), alerts/rotation_view.py (the figures), bot/rotation_render.py (the words), bot/charts.py (the picture).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from alerts.fomc.announce import NEW_YORK, summary
from alerts.market.calendar import NyseCalendar
from alerts.rotation_view import RotationView, rotation_view
from alerts.rules.model import RotationSpread
from bot.charts import rotation_chart_async
from bot.commands.reply import Reply
from bot.commands.watches import lines_for as watch_lines
from bot.commands.watches import watch_field
from bot.rotation_reads import RotationFacts, load_rotation_facts
from bot.rotation_render import render_rotation
from bot.rotation_rule import rule_for_server

if TYPE_CHECKING:
    from bot.commands.context import CommandContext


async def rotation_reply(ctx: CommandContext, *, chart: bool = False, guild_id: int = 0) -> Reply:
    """The whole of `!rotation` (and `!rotation chart`): stored data only, never the network. In a server that
    set its own spread lines (!set upper ...), the lines and the armed side shown are that server's, and its
    watches (!watch) follow, one line each."""
    now = ctx.now()
    today = now.astimezone(NEW_YORK).date()
    rule = await rule_for_server(ctx, guild_id)
    basket = ctx.settings.market.basket
    facts = await ctx.database.run(load_rotation_facts, rule, basket, today, chart=chart)
    view = view_from_facts(facts, rule, basket, now, ctx.calendar.around(now), ctx.settings.market.poll_seconds)
    reply = render_rotation(view)
    if guild_id:  # this server's own watches, a line each; never another server's
        lines = await ctx.database.run(watch_lines, guild_id)
        if lines:
            reply = dataclasses.replace(reply, fields=(*reply.fields, watch_field(lines)))
    if chart:
        png = await rotation_chart_async(facts.history, rule, view.periods_through or today)
        reply = dataclasses.replace(reply, attachments=(("rotation.png", png),))
    return reply


def view_from_facts(facts: RotationFacts, rule: RotationSpread, basket: Sequence[str], now: datetime,
                    calendar: NyseCalendar, poll_seconds: int) -> RotationView:
    today = now.astimezone(NEW_YORK).date()
    fed = summary(facts.meetings, facts.decisions, today) if (facts.meetings or facts.decisions) else None
    return rotation_view(history=facts.history, quotes=facts.quotes, spread_rule=rule,
                         spread_state=facts.spread_state, basket=basket, fomc=fed, now=now, calendar=calendar,
                         poll_seconds=poll_seconds, small_record=facts.small_record,
                         adjusted=facts.adjusted)
