"""The NYSE calendar: its sessions from exchange_calendars, as plain dates and UTC instants.

Cron knows weekdays, not holidays or 13:00 early closes; this knows both. The calendar is read once into a dict
for the range asked, so the questions a job asks every minute (is the market open? which session closed last?)
are dictionary lookups, not pandas calls. Building one takes a few hundred milliseconds, so the bot does it off
the event loop (TradingCalendar).
"""

from __future__ import annotations

import asyncio
import bisect
import json
import logging
import os
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

NEW_YORK = ZoneInfo("America/New_York")
REFRESH_MARGIN = timedelta(days=90)  # rebuilt this long before the loaded calendar runs out (see TradingCalendar)
CHILD_TIMEOUT = 60.0  # seconds a child process gets to build a calendar before this process builds it itself


@dataclass(frozen=True)
class Session:
    date: date
    open: datetime  # UTC
    close: datetime  # UTC


class NyseCalendar:
    """The NYSE calendar between two dates (inclusive): its regular sessions, holidays and early closes."""

    def __init__(self, start: date, end: date, sessions: Iterable[Session] | None = None) -> None:
        """`sessions` when they were read elsewhere (a child process); otherwise they are read here."""
        self.start, self.end = start, end
        self._sessions: dict[date, Session] = {
            s.date: s for s in (sessions if sessions is not None else _read_exchange_calendars(start, end))
        }
        self._dates = sorted(self._sessions)

    @classmethod
    def around(cls, today: date, days_back: int = 400, days_ahead: int = 400) -> NyseCalendar:
        return cls(today - timedelta(days=days_back), today + timedelta(days=days_ahead))

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end

    def session(self, day: date) -> Session | None:
        self._check(day)
        return self._sessions.get(day)

    def is_session(self, day: date) -> bool:
        return self.session(day) is not None

    def is_open(self, now: datetime) -> bool:
        """True during the regular session (open inclusive, close exclusive)."""
        session = self.session(now.astimezone(NEW_YORK).date())
        return session is not None and session.open <= now < session.close

    def last_closed(self, now: datetime) -> Session | None:
        """The latest session whose close is at or before `now`: the one with an official daily bar."""
        self._check(now.astimezone(NEW_YORK).date())
        index = bisect.bisect_right(self._dates, now.astimezone(NEW_YORK).date())
        while index > 0:
            session = self._sessions[self._dates[index - 1]]
            if session.close <= now:
                return session
            index -= 1
        return None

    def sessions_between(self, first: date, last: date) -> list[date]:
        """Session dates from `first` to `last`, inclusive."""
        lo = bisect.bisect_left(self._dates, first)
        hi = bisect.bisect_right(self._dates, last)
        return self._dates[lo:hi]

    def _check(self, day: date) -> None:
        if not self.covers(day):
            raise ValueError(f"{day} is outside the loaded NYSE calendar ({self.start} to {self.end})")


def _read_exchange_calendars(start: date, end: date) -> list[Session]:
    import exchange_calendars  # imported here: 0.7 s, and only the app and its jobs need it

    with warnings.catch_warnings():
        # exchange_calendars 4.13 still calls Series.values on tz-aware data, which pandas 3.1 deprecates.
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray")
        calendar = exchange_calendars.get_calendar("XNYS", start=start.isoformat(), end=end.isoformat())
        opens, closes = calendar.opens, calendar.closes
    return [Session(label.date(), _utc(opens[label]), _utc(closes[label])) for label in calendar.sessions]


def _utc(stamp) -> datetime:
    return stamp.to_pydatetime().astimezone(timezone.utc)


def around_in_child_process(today: date) -> NyseCalendar:
    """`NyseCalendar.around(today)`, built by a child Python process: how the bot rebuilds in the background.

    Meant for a worker thread, which then only waits. A build on a thread of this process would take the GIL
    from the event loop for a switch interval (5 ms) at a time, and stalled it 10-30 ms (bench/calendar_rebuild.py);
    a child process has a GIL of its own. If the child fails, the calendar is built here after all: slower for
    the loop, but a calendar beats none.
    """
    start, end = today - timedelta(days=400), today + timedelta(days=400)
    root = str(Path(__file__).resolve().parents[2])  # where `alerts` is, installed or not
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    command = [sys.executable, "-m", "alerts.market.calendar", start.isoformat(), end.isoformat()]
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=CHILD_TIMEOUT, check=True)
        rows = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        said = (getattr(exc, "stderr", None) or "").strip()
        log.warning("Building the NYSE calendar in a child process failed (%s); building it here",
                    said.splitlines()[-1] if said else exc)
        return NyseCalendar(start, end)
    return NyseCalendar(start, end, [
        Session(date.fromisoformat(day), datetime.fromtimestamp(opens, timezone.utc),
                datetime.fromtimestamp(closes, timezone.utc))
        for day, opens, closes in rows
    ])


def _print_sessions(start: str, end: str) -> None:
    """The child's side: the sessions from `start` to `end` as JSON rows of (date, open, close in Unix seconds)."""
    sessions = _read_exchange_calendars(date.fromisoformat(start), date.fromisoformat(end))
    json.dump([[s.date.isoformat(), s.open.timestamp(), s.close.timestamp()] for s in sessions], sys.stdout)


class TradingCalendar:
    """Keeps a NyseCalendar that covers the day asked about, rebuilt off the event loop before it runs out.

    A build takes 120-470 ms, far too long for the event loop. The bot awaits `prepare` at start-up, before any
    command or job can ask; it builds on a worker thread. After that `around` answers from the loaded calendar
    while it covers the day, and once the day comes within REFRESH_MARGIN of either end it also starts one
    `background_build` on a worker thread, swapped in on the event loop (so no lock is needed) when done. The
    margin is wider than any caller looks back or ahead (60 days, the back-fill's recheck window), so a rebuild
    has months to finish, or to fail and be tried again on a later day.

    The bot's background builds run in a child process (around_in_child_process): on a thread of this process
    a build shares the GIL with the loop and stalled it 10-30 ms while commands were being answered. At start-up
    nothing is answered yet, so `prepare` builds in-process, a second faster than a child process.

    Only when nothing loaded covers the day at all does `around` build there and then, on the caller's thread:
    on the command line and in tests, where nothing else waits on the loop, and in the bot only after the clock
    jumped by more than a year. Then no loaded calendar can answer (it would raise), so waiting once is right.
    """

    def __init__(
        self,
        build: Callable[[date], NyseCalendar] = NyseCalendar.around,
        background_build: Callable[[date], NyseCalendar] | None = None,
    ) -> None:
        """`build` makes the calendar around a day for `prepare` and in the case above; `background_build` (by
        default the same) while the loop serves. `prepare` and `background_build` run on a worker thread."""
        self._build = build
        self._background_build = background_build or build
        self._calendar: NyseCalendar | None = None
        self._rebuild: asyncio.Task | None = None
        self._failed_for: date | None = None  # a failed rebuild is tried again for a later day, not at every call

    async def prepare(self, moment: datetime | date) -> NyseCalendar:
        """Load a calendar around `moment`, built on a worker thread; the bot awaits this before it serves."""
        day = _day(moment)
        if not self._fits(day):
            self._calendar = await asyncio.to_thread(self._build, day)
        return self._calendar

    def around(self, moment: datetime | date) -> NyseCalendar:
        day = _day(moment)
        if self._calendar is None or not self._calendar.covers(day):
            self._calendar = self._build(day)  # nothing can answer for this day: see the class docstring
        elif not self._fits(day):
            self._start_rebuild(day)
        return self._calendar

    def spanning(self, first: date, last: date) -> NyseCalendar:
        """Sessions for an explicit range, such as a back-fill since a date years ago. Built on the caller's
        thread when the loaded calendar does not cover it: only the command line asks (bot/demo.py)."""
        current = self._calendar
        if current is not None and current.covers(first) and current.covers(last):
            return current
        return NyseCalendar(first, last)

    @property
    def rebuilding(self) -> bool:
        return self._rebuild is not None

    async def settle(self) -> None:
        """Wait for the rebuild in flight, if any (tests and the bench use this instead of sleeping)."""
        if self._rebuild is not None:
            await asyncio.shield(self._rebuild)

    def _fits(self, day: date) -> bool:
        loaded = self._calendar
        return loaded is not None and loaded.covers(day - REFRESH_MARGIN) and loaded.covers(day + REFRESH_MARGIN)

    def _start_rebuild(self, day: date) -> None:
        if self._rebuild is not None or day == self._failed_for:
            return  # one rebuild at a time; a failed one is not retried for the same day
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a plain script: no event loop to keep free, so build now
            self._calendar = self._build(day)
            return
        self._rebuild = loop.create_task(self._rebuilt(day, self._calendar), name="nyse-calendar-rebuild")

    async def _rebuilt(self, day: date, replacing: NyseCalendar) -> None:
        try:
            calendar = await asyncio.to_thread(self._background_build, day)
        except Exception:
            self._failed_for = day
            log.exception("Rebuilding the NYSE calendar around %s failed; the loaded one (to %s) still answers",
                          day, replacing.end)
            return
        finally:
            self._rebuild = None
        if self._calendar is replacing:  # unless prepare() or a build for a far-off day replaced it meanwhile
            self._calendar = calendar


def _day(moment: datetime | date) -> date:
    return moment.astimezone(NEW_YORK).date() if isinstance(moment, datetime) else moment


if __name__ == "__main__":  # python -m alerts.market.calendar START END: the child of around_in_child_process
    if hasattr(os, "nice"):
        os.nice(10)  # the bot's own threads come first when the cores are busy: halved the stalls of !status
    _print_sessions(*sys.argv[1:3])
