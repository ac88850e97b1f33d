"""NYSE sessions from exchange_calendars, as plain dates and UTC instants.

Cron knows weekdays, not holidays or 13:00 early closes; this knows both. The calendar is read once into a dict
for the range asked, so the questions a job asks every minute (is the market open? which session closed last?)
are dictionary lookups, not pandas calls.
"""

from __future__ import annotations

import bisect
import warnings
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")


@dataclass(frozen=True)
class Session:
    date: date
    open: datetime  # UTC
    close: datetime  # UTC

    @property
    def early_close(self) -> bool:
        return self.close.astimezone(NEW_YORK).time() < time(16, 0)


class NyseSessions:
    """Regular NYSE sessions between two dates (inclusive)."""

    def __init__(self, start: date, end: date) -> None:
        import exchange_calendars  # imported here: 0.7 s, and only the app and its jobs need it

        with warnings.catch_warnings():
            # exchange_calendars 4.13 still calls Series.values on tz-aware data, which pandas 3.1 deprecates.
            warnings.filterwarnings("ignore", message="Series.values returning an ndarray")
            calendar = exchange_calendars.get_calendar("XNYS", start=start.isoformat(), end=end.isoformat())
            opens, closes = calendar.opens, calendar.closes
        self.start, self.end = start, end
        self._sessions: dict[date, Session] = {
            label.date(): Session(label.date(), _utc(opens[label]), _utc(closes[label])) for label in calendar.sessions
        }
        self._dates = sorted(self._sessions)

    @classmethod
    def around(cls, today: date, days_back: int = 400, days_ahead: int = 400) -> NyseSessions:
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

    def next_open(self, now: datetime) -> Session | None:
        """The next session whose open is after `now`."""
        index = bisect.bisect_left(self._dates, now.astimezone(NEW_YORK).date())
        for day in self._dates[index:]:
            if self._sessions[day].open > now:
                return self._sessions[day]
        return None

    def sessions_between(self, first: date, last: date) -> list[date]:
        """Session dates from `first` to `last`, inclusive."""
        lo = bisect.bisect_left(self._dates, first)
        hi = bisect.bisect_right(self._dates, last)
        return self._dates[lo:hi]

    def _check(self, day: date) -> None:
        if not self.covers(day):
            raise ValueError(f"{day} is outside the loaded NYSE calendar ({self.start} to {self.end})")


def _utc(stamp) -> datetime:
    return stamp.to_pydatetime().astimezone(timezone.utc)


class SessionBook:
    """Keeps a NyseSessions that covers the day asked about, rebuilding it when a long-running bot outlives it."""

    def __init__(self) -> None:
        self._sessions: NyseSessions | None = None

    def around(self, moment: datetime | date) -> NyseSessions:
        day = moment.astimezone(NEW_YORK).date() if isinstance(moment, datetime) else moment
        if self._sessions is None or not self._sessions.covers(day - timedelta(days=60)) or not self._sessions.covers(
            day + timedelta(days=60)
        ):
            self._sessions = NyseSessions.around(day)
        return self._sessions

    def spanning(self, first: date, last: date) -> NyseSessions:
        """Sessions for an explicit range, such as a back-fill since a date years ago."""
        current = self._sessions
        if current is not None and current.covers(first) and current.covers(last):
            return current
        return NyseSessions(first, last)
