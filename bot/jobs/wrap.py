"""The daily wrap: after the close on market days, one message per opted-in server with the day's rotation
summary (what !rotation shows) and what fired today. Queued through the outbox under a key per server and day,
so it goes out once even if the job runs twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from alerts.market.sessions import NEW_YORK, SessionBook
from bot.commands.context import CommandContext
from bot.commands.reply import as_text
from bot.rotation_reply import rotation_reply
from storage import guild_settings, outbox


async def daily_wrap(
    context: Callable[[], CommandContext],
    sessions: SessionBook,
    publish: Callable[..., Awaitable[list[str]]],
    clock: Callable[[], datetime],
) -> int:
    """Returns how many servers were sent a wrap."""
    now = clock()
    today = now.astimezone(NEW_YORK).date()
    session = sessions.around(now).session(today)
    if session is None or now < session.close:
        return 0  # a holiday or weekend, or (at an odd configured time) the session is still open
    ctx = context()
    guilds = await ctx.database.run(guild_settings.guilds_where, "daily_wrap", True)
    if not guilds:
        return 0
    summary = as_text(await rotation_reply(ctx))
    fired = [e for e in await ctx.database.run(outbox.recent, 200)
             if e.created_at.astimezone(NEW_YORK).date() == today and "user_id" not in e.payload
             and e.kind != "daily_wrap"]
    today_line = ("Fired today: " + "; ".join(e.payload.get("message", e.kind) for e in reversed(fired))
                  if fired else "Nothing fired today.")
    events = [
        (f"daily_wrap|{guild}|{today}", "daily_wrap",
         {"message": f"Daily wrap, {today:%a %d %b %Y}", "body": f"{today_line}\n{summary}",
          "occurred_at": now.isoformat(), "kind": "daily_wrap", "guild_id": guild})
        for guild in guilds
    ]
    return len(await publish(events))
