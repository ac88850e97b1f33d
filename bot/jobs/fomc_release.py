"""The release window: first with the Fed's decision.

The statement comes out at 2:00 pm New York time on a scheduled decision day, at an address known in advance
(`/newsevents/pressreleases/monetaryYYYYMMDDa.htm`, the meeting's last day). From 13:59:50 to 14:05 that page is
asked for every 2 s, conditionally, so an unchanged answer is a 304 (or a 404 until it exists), and read the
moment it answers 200 with a statement; the press feed is read every 10 s for anything else. The window stops
once the decision is read, and, on a meeting with projections, their page has been read too; outside it the feed
and any projections still owed are read every 15 minutes (bot/schedule.py). The Fed's client
spaces every request a second apart (bot/wiring.py), so the Fed never gets more than one request a second.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta

from alerts.fomc.announce import NEW_YORK
from bot.jobs.fomc import FomcJobs
from bot.jobs.fomc_projections import ProjectionsReader

log = logging.getLogger(__name__)

OPENS, CLOSES = time(13, 59, 50), time(14, 5)
PAGE_EVERY = timedelta(seconds=2)
FEED_EVERY = timedelta(seconds=10)


async def watch_release(jobs: FomcJobs, clock: Callable[[], datetime],
                        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                        projections: ProjectionsReader | None = None) -> int:
    """Run the window of today, if today is a scheduled decision day; returns how many alerts it announced. On a
    meeting with projections, their page is read right after the decision, in the same window."""
    now = clock()
    day = now.astimezone(NEW_YORK).date()
    opens = datetime.combine(day, OPENS, tzinfo=NEW_YORK)
    closes = datetime.combine(day, CLOSES, tzinfo=NEW_YORK)
    if now >= closes or not await jobs.decides_on(day):
        return 0
    if await jobs.decision_read(day):
        return await _projections(projections, day, clock, sleep, closes)
    if now < opens:
        await sleep((opens - now).total_seconds())
    announced, next_feed = 0, clock()
    while clock() < closes:
        looked_at = clock()
        feed_due = looked_at >= next_feed
        if feed_due:
            next_feed = looked_at + FEED_EVERY
        announced += await jobs.poll_window(feed=feed_due)
        if await jobs.decision_read(day):
            log.info("FOMC decision of %s read %.1f s after 2:00 pm", day,
                     (clock() - datetime.combine(day, time(14), tzinfo=NEW_YORK)).total_seconds())
            return announced + await _projections(projections, day, clock, sleep, closes)
        await sleep(max(0.0, (looked_at + PAGE_EVERY - clock()).total_seconds()))
    log.warning("FOMC decision of %s not read by %s; the feed is read every 15 minutes from now", day,
                CLOSES.strftime("%H:%M"))
    return announced


async def _projections(reader: ProjectionsReader | None, day, clock, sleep, closes: datetime) -> int:
    """The projections page, every 10 s until it is read (or skipped: it changed shape, said once) or the window
    closes; later the quarter-hour catch-up tries again. Returns 1 when they were stored (and announced)."""
    if reader is None:
        return 0
    while clock() < closes:
        owed = await reader.owed(day)
        if owed is False:
            return 0
        looked_at = clock()
        outcome = await reader.read(day, owed)
        if outcome != "missing":
            return int(outcome == "stored")
        # Not there yet: both spellings were asked, so look again less often than at the statement.
        await sleep(max(0.0, (looked_at + FEED_EVERY - clock()).total_seconds()))
    return 0
