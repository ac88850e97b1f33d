"""The daily wrap: after the close on market days, one message per opted-in server with the day's rotation
summary (what !rotation shows) and what fired today. Queued through the outbox under a key per server and day,
so it goes out once even if the job runs twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, time

from alerts.market.calendar import NEW_YORK, TradingCalendar
from alerts.payloads import NoticeAlert, Server, TickerLookupAlert, WrapAlert, seen_in_server
from bot.commands.context import CommandContext
from bot.commands.reply import as_text
from bot.rotation_reply import rotation_reply
from storage import deliveries, guild_settings, outbox
from storage.deliveries import NOT_WANTED, NOWHERE


async def daily_wrap(
    context: CommandContext,
    calendar: TradingCalendar,
    publish: Callable[..., Awaitable[list[str]]],
    clock: Callable[[], datetime],
) -> int:
    """Returns how many servers were sent a wrap."""
    now = clock()
    today = now.astimezone(NEW_YORK).date()
    session = calendar.around(now).session(today)
    if session is None or now < session.close:
        return 0  # a holiday or weekend, or (at an odd configured time) the session is still open
    guilds = await context.database.run(guild_settings.guilds_where, "daily_wrap", True)
    if not guilds:
        return 0
    summary = as_text(await rotation_reply(context))
    midnight = datetime.combine(today, time(0, 0), tzinfo=NEW_YORK)
    queued = [q for q in await context.database.run(outbox.since, midnight)
              if not isinstance(q.alert, (WrapAlert, NoticeAlert, TickerLookupAlert))]
    wraps = []
    for guild in guilds:
        # What this server's members saw today: never another server's own alerts, nor anyone's DMs, nor what
        # it was muted for.
        mine = [q for q in queued if seen_in_server(q.alert.route, guild)]
        status = await context.database.run(deliveries.in_guild, [q.id for q in mine], guild)
        fired = [q.alert.message for q in mine if status[q.id] not in (NOT_WANTED, NOWHERE)]
        today_line = ("Fired today: " + "; ".join(fired)) if fired else "Nothing fired today."
        wraps.append(WrapAlert(key=f"daily_wrap|{guild}|{today}", message=f"Daily wrap, {today:%a %d %b %Y}",
                               body=f"{today_line}\n{summary}", occurred_at=now, route=Server(guild), date=today))
    return len(await publish(wraps))
