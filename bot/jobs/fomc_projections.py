"""Reading a meeting's projections (SEP) from the Fed's page: in the release window, and every 15 minutes after it.

`ProjectionsReader.read(meeting, range_in_force)` says what came of one look:

- "known": the meeting's projections are stored already; nothing is requested.
- "stored": the page was fetched (the spellings of PAGE_PATHS in order, the first 200 wins), read whole, and stored
  with its alert queued, in ONE transaction (publish(..., also=...)): neither exists without the other.
- "missing": every spelling answered 404 (or another refusal), or the Fed could not be reached (a timeout, a 5xx,
  the circuit open). Nothing is stored and nothing is said: the watcher looks again later.
- "skipped": the page is there but not of the shape rotobot reads (ProjectionsLayoutChanged), or it is another
  meeting's. Nothing is stored; the operator hears it once per meeting in this process, with the reason. A later
  call fetches the page again (a download cut short reads as a changed shape too, and passes), without a second
  notice.

One call makes at most one request per spelling: no retries inside it, since the watcher calls again anyway, and
the Fed is not asked the same thing twice in a row. Projections older than ANNOUNCE_WITHIN when first read (a
first start long after a meeting) are stored as history without an alert, as old statements are.

It does not import bot/jobs/fomc.py: the release window (bot/jobs/fomc_release.py) uses both.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Literal

from alerts.fomc.announce import NEW_YORK
from alerts.fomc.projections import PAGE_PATHS, ProjectionsLayoutChanged, parse_projections
from alerts.fomc.projections_text import projections_alert
from alerts.market.errors import UpstreamError
from alerts.market.source_client import Response, SourceClient
from bot.jobs.source_watch import CountedRequests
from storage import fomc
from storage.database import Database

log = logging.getLogger(__name__)

Outcome = Literal["known", "stored", "missing", "skipped"]
Publish = Callable[..., Awaitable[list[str]]]  # (alerts, states=(), also=write) -> keys queued; bot/jobs/publish.py
Notify = Callable[[str, str], Awaitable[None]]  # (notice key, text) for the operator

RELEASED_AT = time(14, 0)  # New York time: the SEP comes out with the statement
ANNOUNCE_WITHIN = timedelta(days=2)  # as for statements: older projections are history, stored but not announced


class ProjectionsReader:
    def __init__(
        self,
        *,
        database: Database,
        fed: SourceClient,
        fed_url: str,
        publish: Publish,
        notify: Notify,
        clock: Callable[[], datetime],
        metrics=None,
    ) -> None:
        self._db = database
        self._fed = fed
        self._fed_url = fed_url.rstrip("/")
        self._publish = publish
        self._notify = notify
        self._clock = clock
        self._requests = CountedRequests(clock, metrics)  # counted as FomcJobs counts its Fed requests
        self._noticed: set[date] = set()  # meetings whose page the operator was told about already
        self._reading = asyncio.Lock()  # two looks at once would fetch twice; the second waits and finds "known"

    async def owed(self, day: date) -> tuple[float, float] | None | bool:
        """Whether the meeting ending on `day` comes with projections not stored yet: False if not; else the
        target range that meeting decided, or None while its decision is not known (the alert then counts no
        moves: an older range would count them from the wrong place)."""
        meetings = await self._db.run(fomc.meetings, day)
        if not any(m.end == day and m.sep and not m.notation_vote for m in meetings):
            return False
        if await self._db.run(fomc.has_projections, day):
            return False
        decided = [d for d in await self._db.run(fomc.decisions, 20) if d.date == day and d.lower is not None
                   and d.action != "unknown"]
        return (decided[0].lower, decided[0].upper) if decided else None

    async def catch_up(self) -> Outcome | None:
        """Every 15 minutes: projections released in the last two days and not read yet (the release window
        missed them: rotobot was down, or the page came late)."""
        now = self._clock()
        today = now.astimezone(NEW_YORK).date()
        for day in (today - timedelta(days=2), today - timedelta(days=1), today):
            if now < datetime.combine(day, RELEASED_AT, NEW_YORK):
                continue
            owed = await self.owed(day)
            if owed is not False:
                return await self.read(day, owed)
        return None

    async def read(self, meeting: date, range_in_force: tuple[float, float] | None) -> Outcome:
        """One look at `meeting`'s projections (its last day). `range_in_force`: the target range now, (lower,
        upper) in percent, which the alert counts 25 bp moves from; None if unknown (the alert then counts none)."""
        async with self._reading:
            if await self._db.run(fomc.has_projections, meeting):
                return "known"
            found = await self._fetch(meeting)
            if found is None:
                return "missing"
            url, response = found
            try:
                # 40 ms on the real 241 KB page: parsed on a worker thread, never on the event loop.
                projections = await asyncio.to_thread(parse_projections,
                                                      response.body.decode("utf-8", errors="replace"))
                if projections.meeting != meeting:
                    raise ProjectionsLayoutChanged(f"it holds the projections of the {projections.meeting} "
                                                   f"meeting, not of {meeting}")
            except ProjectionsLayoutChanged as exc:
                await self._notice(meeting, url, str(exc))
                return "skipped"
            now = self._clock()
            released = datetime.combine(meeting, RELEASED_AT, NEW_YORK)
            alerts = [projections_alert(projections, range_in_force, url, released)] \
                if now - released <= ANNOUNCE_WITHIN else []
            store = partial(fomc.upsert_projections, projections=projections, source_url=url, now=now)
            await self._publish(alerts, also=store)
            log.info("FOMC projections of %s stored from %s%s", meeting, url, "" if alerts else " (as history)")
            return "stored"

    async def _fetch(self, meeting: date) -> tuple[str, Response] | None:
        """The first spelling that answers 200, with its URL; None if none does or the Fed cannot be reached."""
        for path in PAGE_PATHS:
            url = f"{self._fed_url}{path.format(meeting)}"
            try:
                return url, await self._requests.get(self._fed, url, attempts=1)
            except UpstreamError as exc:
                if exc.retryable:  # a timeout, a 5xx, the circuit open: the other spelling would fare no better
                    log.info("FOMC projections of %s not read: %s", meeting, exc)
                    return None
                log.debug("FOMC projections of %s not at %s: %s", meeting, url, exc)
        return None

    async def _notice(self, meeting: date, url: str, reason: str) -> None:
        log.warning("FOMC projections of %s not read from %s: %s", meeting, url, reason)
        if meeting in self._noticed:
            return
        self._noticed.add(meeting)
        await self._notify(f"fomc-projections-{meeting}",
                           f"The Fed's projections page for the {meeting} meeting changed shape ({reason}); rotobot "
                           f"stored nothing from {url}. Check the SEP parser; meanwhile save the page and load it "
                           "with `rotobot fomc import PATH`.")
