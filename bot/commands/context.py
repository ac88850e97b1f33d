"""What a command may use: stored state and the clock. No HTTP session on purpose: commands never fetch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from alerts.market.calendar import TradingCalendar
from bot.settings import Settings
from storage.database import Database


@dataclass(frozen=True)
class CommandContext:
    settings: Settings
    database: Database
    now: Callable[[], datetime]
    started_at: datetime
    calendar: TradingCalendar
    transports: tuple[str, ...] = ()
