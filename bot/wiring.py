"""Builds the data stacks (market, FOMC) the same way for the bot and for the command line."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

import aiohttp

from alerts.market.source_client import SourceClient
from alerts.rules.loader import RuleFileError, default_rules, load_rules
from alerts.rules.model import Rule
from bot.jobs.fomc import FomcJobs, Notify, Publish
from bot.jobs.fomc_projections import ProjectionsReader
from bot.settings import Settings
from storage import subscriptions, watches
from storage.database import Database


def needed_symbols(settings: Settings, database: Database) -> Callable[[], Awaitable[list[str]]]:
    """What rules, the basket and subscriptions need: each symbol once, however many users follow it."""

    async def symbols() -> list[str]:
        extra = sorted(await database.run(subscriptions.watched_symbols))
        return list(dict.fromkeys(settings.configured_symbols() + extra))

    return symbols


def daily_symbols(settings: Settings, database: Database, rules: list[Rule]) -> Callable[[], Awaitable[list[str]]]:
    """What the daily job fetches closes of: what is quoted (needed_symbols), every symbol a rule reads, and every
    ticker or FRED series an active watch of any server reads."""
    quoted = needed_symbols(settings, database)
    read = [s for rule in rules for s in rule.symbols]

    async def symbols() -> list[str]:
        watched = sorted(await database.run(watches.watched_symbols))
        return list(dict.fromkeys([*await quoted(), *read, *watched]))

    return symbols


def build_fomc_jobs(
    settings: Settings,
    database: Database,
    session: aiohttp.ClientSession,
    *,
    clock: Callable[[], datetime],
    publish: Publish,
    notify: Notify,
    metrics=None,
) -> tuple[FomcJobs, ProjectionsReader]:
    """The FOMC jobs and the projections reader, sharing one Fed client: its one-request-a-second pace is theirs
    together."""
    fomc = settings.fomc
    timeout = settings.market.request_timeout_seconds
    # Government sites: a handful of requests a day, asked politely.
    # The Fed never gets more than one request a second from rotobot, the release window's included.
    fed = SourceClient("fed", session, max_concurrency=1, min_interval=1.0, timeout=timeout)
    fred = SourceClient("fred", session, max_concurrency=2, min_interval=0.5, timeout=timeout)
    jobs = FomcJobs(
        database=database, fed=fed, fred=fred, fed_url=fomc.fed_url, fred_url=fomc.fred_url,
        remind_hours=fomc.remind_hours_before, publish=publish, notify=notify, clock=clock, metrics=metrics,
    )
    projections = ProjectionsReader(database=database, fed=fed, fed_url=fomc.fed_url, publish=publish, notify=notify,
                                    clock=clock, metrics=metrics)
    return jobs, projections


def configured_rules(settings: Settings, rules_file: Path | None = None) -> list[Rule]:
    """The rules file if one is given (here or in rules.file), else the built-in rules from [rotation]."""
    path = rules_file or settings.rules.file
    if path is None:
        r = settings.rotation
        return default_rules(r.small, r.large, r.window, r.upper, r.lower, r.hysteresis)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuleFileError(f"{path}: no such rules file: give the path of a TOML file with [[rules]] tables") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or 'not UTF-8 text'})") from None
    return load_rules(text, source=str(path))
