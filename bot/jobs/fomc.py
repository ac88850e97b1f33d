"""FOMC jobs: the calendar, reminders, the decision from the statement, and FRED's confirmation.

The statement is the live source (the press feed, polled every 30 s around 2:00 pm on decision days and every
15 minutes otherwise, for unscheduled actions); FRED's target range series confirms it the next day. A statement
that cannot be read still goes out with its link and no number. Every announcement goes through the outbox under
a stable key, so each decision and each reminder is said exactly once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from alerts.fomc.announce import (
    NEW_YORK, decision_message, decision_time, dissent_line, due_reminders, follow_up, known_days, next_meeting_after,
    range_in_force_before, reminder_message, sized,
)
from alerts.fomc.bundled import decision_days
from alerts.fomc.calendar_page import CalendarLayoutChanged, parse_calendar_page
from alerts.fomc.feed import is_policy_statement, parse_press_feed, statement_date
from alerts.fomc.fred import decisions_from_ranges, meeting_for, parse_fred_csv
from alerts.fomc.models import Decision, Meeting
from alerts.fomc.statement import StatementUnreadable
from alerts.fomc.statement_checks import read_live_statement
from alerts.market.errors import UpstreamError
from alerts.market.source_client import SourceClient
from alerts.payloads import FomcDecisionAlert, FomcReminderAlert
from bot.jobs.source_watch import CountedRequests
from storage import fomc, outbox
from storage.database import Database

log = logging.getLogger(__name__)

PUBLIC_FED = "https://www.federalreserve.gov"  # the statement's link as readers get it, whatever fed_url is
ANNOUNCE_WITHIN = timedelta(days=2)  # older statements in the feed are history, stored but not announced

Publish = Callable[..., Awaitable[list[str]]]  # (events, states=(), also=write) -> keys queued; bot/jobs/publish.py
Notify = Callable[[str, str], Awaitable[None]]  # (notice key, text) for the operator


class FomcJobs:
    def __init__(
        self,
        *,
        database: Database,
        fed: SourceClient,
        fred: SourceClient,
        fed_url: str,
        fred_url: str,
        remind_hours: tuple[float, ...],
        publish: Publish,
        notify: Notify,
        clock: Callable[[], datetime],
        metrics=None,
    ) -> None:
        self._db = database
        self._fed, self._fred = fed, fred
        self._fed_url, self._fred_url = fed_url.rstrip("/"), fred_url.rstrip("/")
        self._remind_hours = remind_hours
        self._publish = publish
        self._notify = notify
        self._clock = clock
        self._noticed: set[str] = set()  # operator notices already raised, so each is raised once
        # One read at a time: the window's looks and the quarter-hour poll meet at 14:00, and must never race.
        self._reading = asyncio.Lock()
        self._validators: dict[date, dict] = {}  # the statement page's last answer, for a conditional look
        self._requests = CountedRequests(clock, metrics)  # Fed and FRED requests, counted like the market sources

    # --- the calendar ---------------------------------------------------------------------------------------------

    async def refresh_calendar(self) -> int:
        """Weekly: the official calendar page. A page that parses to nothing for this year changes nothing."""
        now = self._clock()
        try:
            response = await self._requests.get(self._fed, f"{self._fed_url}/monetarypolicy/fomccalendars.htm")
            parsed = parse_calendar_page(response.body.decode("utf-8", errors="replace"))
        except UpstreamError as exc:
            log.warning("FOMC calendar not refreshed: %s; the stored calendar stays", exc)
            return 0
        except CalendarLayoutChanged as exc:
            await self._notice("calendar-layout", f"The Fed's calendar page changed shape ({exc}); rotobot keeps "
                                                  "the calendar it has. Check the FOMC parser.")
            return 0
        year = now.astimezone(NEW_YORK).year
        if not any(m.end.year == year for m in parsed.meetings):
            await self._notice("calendar-empty", f"The Fed's calendar page lists no meetings for {year}; rotobot "
                                                 "keeps the calendar it has. Check the FOMC parser.")
            return 0
        votes = [Meeting(d, d, False, "fed calendar", notation_vote=True) for d in parsed.notation_votes]
        return await self._db.run(fomc.upsert_meetings, parsed.meetings + votes, now)

    # --- the decision ---------------------------------------------------------------------------------------------

    async def poll_window(self, *, feed: bool = True) -> int:
        """One look in the release window of a scheduled decision day (bot/jobs/fomc_release.py keeps the pace):
        the statement's own page, whose address is known before it exists, asked conditionally so an unchanged
        answer is a 304 or a 404; then, when `feed` and the day is not read yet, the press feed for anything else
        (a different link, an unscheduled action). Returns how many were announced."""
        today = self._clock().astimezone(NEW_YORK).date()
        if not await self.decides_on(today):
            return 0
        announced = 0
        if not await self.decision_read(today):
            announced += await self._read_release_page(today)
        if feed and not await self.decision_read(today):
            announced += await self.poll_feed()
        return announced

    async def decides_on(self, day: date) -> bool:
        """A scheduled meeting ends on `day`: its statement comes at 2:00 pm."""
        return any(m.end == day and not m.notation_vote and not m.unscheduled
                   for m in await self._db.run(fomc.meetings, day))

    async def decision_read(self, day: date) -> bool:
        """The statement of `day` is stored with its number."""
        known = {d.date: d for d in await self._db.run(fomc.decisions, 10)}.get(day)
        return known is not None and "statement" in known.source and known.action != "unknown"

    async def _read_release_page(self, day: date) -> int:
        path = f"/newsevents/pressreleases/monetary{day:%Y%m%d}a.htm"
        async with self._reading:  # one read at a time, with the feed's (see __init__)
            if await self.decision_read(day):
                return 0  # the feed's path read it meanwhile
            try:
                response = await self._requests.get(self._fed, f"{self._fed_url}{path}",
                                                   if_changed=self._validators.get(day))
            except UpstreamError as exc:  # a 404 until 2:00 pm: not there yet
                log.debug("FOMC statement page of %s not there yet (%s)", day, exc)
                return 0
            if response.not_modified:
                return 0
            answered = self._clock()
            self._validators = {day: response.validators}
            decision = await self._read_decision(day, PUBLIC_FED + path, page=response.body)
            if decision.action == "unknown":
                return 0  # there but not readable (yet): looked at again, and the feed's path says it with its link
            return await self._store(decision, answered)

    async def poll_feed(self) -> int:
        """Read the press feed; store and announce each new policy statement. Returns how many were announced."""
        async with self._reading:
            return await self._poll_feed()

    async def _poll_feed(self) -> int:
        now = self._clock()
        try:
            response = await self._requests.get(self._fed, f"{self._fed_url}/feeds/press_monetary.xml")
            items = parse_press_feed(response.body)
        except (UpstreamError, ValueError) as exc:
            log.warning("FOMC press feed not read: %s", exc)
            return 0
        known = {d.date: d for d in await self._db.run(fomc.decisions)}
        announced = 0
        for item in sorted((i for i in items if is_policy_statement(i)), key=lambda i: i.published):
            day = statement_date(item) or item.published.astimezone(NEW_YORK).date()
            mine = known.get(day)
            if mine is not None and "statement" in mine.source and mine.action != "unknown":
                continue  # read already
            decision = await self._read_decision(day, item.link)
            if mine is not None and decision.action == "unknown":
                if mine.action == "unknown":
                    continue  # said already, with its link: read again at the next poll
                decision = replace(mine, statement_url=mine.statement_url or item.link)  # a failed read never
                # replaces a number FRED or the bundled history gave; the page is read again at the next poll
            fresh = now - item.published <= ANNOUNCE_WITHIN
            announced += await self._store(decision, item.published if fresh else None)
            known[day] = decision
        return announced

    async def _read_decision(self, day: date, link: str, *, page: bytes | None = None) -> Decision:
        meetings = await self._db.run(fomc.meetings)
        calendar = {m.end: m.unscheduled for m in meetings if not m.notation_vote}
        scheduled = calendar.get(day, decision_days().get(day, True)) is False
        # Fetch from the configured base (a mirror, or the test server), keep the public link for readers.
        path = urlsplit(link).path
        try:
            if page is None:
                page = (await self._requests.get(self._fed, f"{self._fed_url}{path}")).body
            # ~2 ms per 8 KB: a whole Fed page (80 KB) is read on a worker thread, off the loop.
            reading, whole = await asyncio.to_thread(read_live_statement, page.decode("utf-8", errors="replace"), day)
        except (UpstreamError, StatementUnreadable) as exc:
            log.error("FOMC statement of %s could not be read (%s); announcing it with its link only", day, exc)
            return Decision(day, "unknown", None, None, None, "statement", unscheduled=not scheduled,
                            statement_url=link)
        decision = Decision(
            day, reading.action, reading.lower, reading.upper, reading.change_bp, "statement",
            unscheduled=not scheduled, statement_url=link,
            votes={"for": reading.voted_for, "against": reading.voted_against, "notes": reading.dissent_notes}
            if whole else {},  # a page cut short at its vote gives no vote (alerts/fomc/statement_checks.py)
        )
        return sized(decision, None if reading.change_bp is not None else await self._range_before(day, meetings))

    async def _range_before(self, day: date, meetings: list[Meeting]) -> tuple[float, float] | None:
        """The range in force the day before (alerts/fomc/announce.py), else FRED's, asked for."""
        stored = await self._db.run(fomc.decisions)
        before = range_in_force_before(day, stored, known_days(meetings, stored))
        return before if before is not None else await self._fred_range_on(day - timedelta(days=1))

    async def _fred_range_on(self, day: date) -> tuple[float, float] | None:
        try:
            upper = (await self._fred_series("DFEDTARU")).values.get(day)
            lower = (await self._fred_series("DFEDTARL")).values.get(day)
        except (UpstreamError, ValueError) as exc:
            log.warning("FRED target range of %s not read (%s): the size is unknown", day, exc)
            return None
        return (lower, upper) if lower is not None and upper is not None else None

    async def record_and_announce(self, decision: Decision, released: datetime) -> int:
        """Store a decision known some other way (the demo's bundled history) and announce it like a live one."""
        return await self._store(decision, released)

    async def _store(self, decision: Decision, released: datetime | None) -> int:
        """Store `decision` and, when `released` is given, queue its announcement in the same transaction: a
        decision stored as known is never without its alert, so no later poll can pass over it unannounced. One
        announced already is not announced again, except with the number it was first announced without."""
        events = []
        if released is not None:
            alert = await self._announcement(decision, released)
            said = await self._db.run(outbox.find, alert.key)
            if said is None:
                events.append(alert)
            elif getattr(said.alert, "action", None) == "unknown" and decision.action != "unknown":
                events.append(follow_up(alert, decision.source, self._clock()))  # the number it lacked
        store = partial(fomc.upsert_decision, decision=decision, now=self._clock())
        return len(await self._publish(events, also=store))

    async def _announcement(self, decision: Decision, released: datetime) -> FomcDecisionAlert:
        earlier = [d for d in await self._db.run(fomc.decisions) if d.date < decision.date and d.action != "unknown"]
        meetings = await self._db.run(fomc.meetings)
        next_meeting = next_meeting_after(decision.date, meetings)
        message = decision_message(decision, earlier, next_meeting, known_days(meetings, earlier))
        body = dissent_line(decision.votes)
        if decision.statement_url:
            body = (body + "\n" if body else "") + decision.statement_url
        return FomcDecisionAlert(key=f"fomc_decision|{decision.date}", message=message, body=body, occurred_at=released,
                                 date=decision.date, action=decision.action, lower=decision.lower,
                                 upper=decision.upper, change_bp=decision.change_bp,
                                 statement_url=decision.statement_url)

    # --- reminders ------------------------------------------------------------------------------------------------

    async def remind(self) -> int:
        """Every minute: the day-before and hour-before reminders that are due (each key is queued once)."""
        now = self._clock()
        meetings = await self._db.run(fomc.meetings, now.astimezone(NEW_YORK).date())
        events = []
        for meeting, hours in due_reminders(meetings, self._remind_hours, now):
            reminded_at = decision_time(meeting) - timedelta(hours=hours)
            events.append(FomcReminderAlert(key=f"fomc_reminder|{meeting.end}|{hours:g}h",
                                            message=reminder_message(meeting, hours, now), occurred_at=reminded_at,
                                            date=meeting.end, hours_before=hours))
        return len(await self._publish(events)) if events else 0

    # --- FRED -----------------------------------------------------------------------------------------------------

    async def confirm_with_fred(self) -> int:
        """Daily: FRED's target range. Fills history the statement did not give; says so when the two disagree."""
        now = self._clock()
        try:
            upper = await self._fred_series("DFEDTARU")
            lower = await self._fred_series("DFEDTARL")
        except (UpstreamError, ValueError) as exc:
            log.warning("FRED target range not read: %s", exc)
            return 0
        calendar = {m.end: m.unscheduled for m in await self._db.run(fomc.meetings) if not m.notation_vote}
        stored = {d.date: d for d in await self._db.run(fomc.decisions)}
        changed = 0
        for fred in await asyncio.to_thread(decisions_from_ranges, upper, lower):  # 6-10 ms: off the loop
            day, unscheduled = meeting_for(fred.date, calendar)  # FRED dates the day the new range took effect
            fred = replace(fred, date=day, unscheduled=unscheduled)
            mine = stored.get(day)
            if mine is None or mine.action == "unknown":
                await self._db.run(fomc.upsert_decision, fred, now)
                changed += 1
            elif (mine.lower, mine.upper) != (fred.lower, fred.upper):
                await self._notice(f"fred-disagrees-{day}",
                                   f"FOMC {day}: the statement says {mine.lower}–{mine.upper}%, FRED says "
                                   f"{fred.lower}–{fred.upper}%. rotobot keeps the statement's reading.")
            elif "fred" not in mine.source:
                await self._db.run(fomc.upsert_decision, replace(mine, source=mine.source + "+fred"), now)
                changed += 1
        return changed

    async def _fred_series(self, series: str):
        """One FRED series, parsed on a worker thread (both target-range series take ~10 ms: not on the loop)."""
        response = await self._requests.get(self._fred, f"{self._fred_url}/graph/fredgraph.csv", params={"id": series})
        return await asyncio.to_thread(parse_fred_csv, response.body.decode("utf-8", errors="replace"))

    async def _notice(self, key: str, text: str) -> None:
        if key in self._noticed:
            return
        self._noticed.add(key)
        log.warning("%s", text)
        await self._notify(key, text)

