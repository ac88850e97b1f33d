"""When each job runs (America/New_York). Triggers know weekdays; the jobs ask the NYSE calendar about holidays
and early closes themselves, so a Monday-to-Friday trigger on 25 December fetches nothing.

Every job is set on purpose: one run at a time (`max_instances=1`), missed runs coalesced into one, and a grace
time that says how late a run is still worth doing.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from alerts.market.calendar import NEW_YORK
from bot.jobs.fomc import FomcJobs
from bot.jobs.fomc_projections import ProjectionsReader
from bot.jobs.fomc_release import OPENS, watch_release
from bot.jobs.market import MarketJobs


log = logging.getLogger(__name__)


def quiet_on_shutdown(job: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[object]]:
    """A job cancelled because rotobot is stopping ends quietly; what it committed stays committed."""

    name = getattr(job, "__name__", None) or getattr(getattr(job, "func", None), "__name__", "a job")

    @functools.wraps(job)
    async def run() -> object:
        try:
            return await job()
        except asyncio.CancelledError:
            log.info("%s stopped by shutdown; it resumes where it left off at the next start", name)
            return None

    return run


def poll_trigger(poll_seconds: int) -> IntervalTrigger:
    return IntervalTrigger(seconds=poll_seconds, timezone=NEW_YORK)


def close_trigger() -> CronTrigger:
    # 20 minutes after the regular close; on a 13:00 early close the job simply finds the bar already final.
    return CronTrigger(day_of_week="mon-fri", hour=16, minute=20, timezone=NEW_YORK)


def backfill_trigger() -> CronTrigger:
    return CronTrigger(hour=3, minute=10, timezone=NEW_YORK)


def schedule_market_jobs(scheduler: BaseScheduler, jobs: MarketJobs, poll_seconds: int) -> None:
    common = {"coalesce": True, "max_instances": 1, "replace_existing": True}
    # A quote older than one interval is worth nothing: a late poll is skipped, the next one is on time.
    scheduler.add_job(quiet_on_shutdown(jobs.poll_quotes), poll_trigger(poll_seconds), id="poll_quotes",
                      misfire_grace_time=poll_seconds, **common)
    scheduler.add_job(quiet_on_shutdown(jobs.close_job), close_trigger(), id="daily_close", misfire_grace_time=3600, **common)
    scheduler.add_job(quiet_on_shutdown(jobs.backfill_job), backfill_trigger(), id="nightly_backfill", misfire_grace_time=3 * 3600,
                      **common)


def fomc_window_trigger() -> CronTrigger:
    """13:59:50 New York time every day; the window itself does nothing but on a scheduled decision day."""
    return CronTrigger(hour=OPENS.hour, minute=OPENS.minute, second=OPENS.second, timezone=NEW_YORK)


def schedule_fomc_jobs(scheduler: BaseScheduler, jobs: FomcJobs, clock: Callable[[], datetime],
                       projections: ProjectionsReader) -> None:
    common = {"coalesce": True, "max_instances": 1, "replace_existing": True}
    window = quiet_on_shutdown(partial(watch_release, jobs, clock, projections=projections))
    # A window that starts late (a busy loop) still runs to 14:05; one rotobot starts inside runs at once.
    scheduler.add_job(window, fomc_window_trigger(), id="fomc_window", misfire_grace_time=300, **common)
    scheduler.add_job(window, id="fomc_window_at_start", misfire_grace_time=None)
    # Outside the window: unscheduled actions (March 2020) come at any hour.
    scheduler.add_job(quiet_on_shutdown(jobs.poll_feed), IntervalTrigger(minutes=15, timezone=NEW_YORK),
                      id="fomc_feed", misfire_grace_time=600, **common)
    scheduler.add_job(quiet_on_shutdown(projections.catch_up), IntervalTrigger(minutes=15, timezone=NEW_YORK),
                      id="fomc_projections", misfire_grace_time=600, **common)
    scheduler.add_job(quiet_on_shutdown(jobs.remind), CronTrigger(second=0, timezone=NEW_YORK), id="fomc_remind",
                      misfire_grace_time=50, **common)
    scheduler.add_job(quiet_on_shutdown(jobs.refresh_calendar),
                      CronTrigger(day_of_week="mon", hour=6, minute=5, timezone=NEW_YORK), id="fomc_calendar",
                      misfire_grace_time=24 * 3600, **common)
    scheduler.add_job(quiet_on_shutdown(jobs.confirm_with_fred), CronTrigger(hour=9, minute=30, timezone=NEW_YORK),
                      id="fomc_fred", misfire_grace_time=6 * 3600, **common)


def schedule_server_jobs(scheduler: BaseScheduler, *, wrap, pending, prune, wrap_time: str) -> None:
    """The daily wrap at wrap_time on weekdays (the job skips holidays), the look-up of new tickers, and the
    daily prune of old alerts (at 04:40, between the nightly back-fill and the first market job)."""
    common = {"coalesce": True, "max_instances": 1, "replace_existing": True}
    hour, minute = map(int, wrap_time.split(":"))
    scheduler.add_job(quiet_on_shutdown(wrap), CronTrigger(day_of_week="mon-fri", hour=hour, minute=minute,
                                                           timezone=NEW_YORK),
                      id="daily_wrap", misfire_grace_time=3600, **common)
    scheduler.add_job(quiet_on_shutdown(pending), IntervalTrigger(minutes=2, timezone=NEW_YORK), id="confirm_pending",
                      misfire_grace_time=120, **common)
    scheduler.add_job(quiet_on_shutdown(prune), CronTrigger(hour=4, minute=40, timezone=NEW_YORK), id="prune",
                      misfire_grace_time=12 * 3600, **common)
