"""The settings themselves: one frozen dataclass per TOML section, each field with its default, help and check.

To add a setting, add a field here: its environment variable, its parsing and `rotobot config` follow from the
declaration (tests/test_readme.py then asks for its README row). A check that spans fields is the section's `check()`.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from alerts.rules.checks import is_symbol, spread_lines
from bot.secret import Secret
from bot.settings.fields import Check, secret, setting

# --- checks of single values ----------------------------------------------------------------------------------------


def _between(low, high, what: str) -> Check:
    return lambda v: None if low <= v <= high else f"{what} from {low} to {high}"


def _symbols(values: tuple[str, ...]) -> str | None:
    bad = [v for v in values if not is_symbol(v)]
    return f"ticker symbols such as ^RUT, IWM or BRK-B (not {bad[0]!r})" if bad else None


def _symbol(value: str) -> str | None:
    return _symbols((value,))


def _url(value: str) -> str | None:
    return None if re.match(r"^https?://[^\s/]+", value) else "an http:// or https:// URL"


def _prefix(value: str) -> str | None:
    ok = 1 <= len(value) <= 3 and not any(c.isspace() for c in value)
    return None if ok else "one to three characters without spaces, such as ! or ?"


def _timezone(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a tzdata folder such as "America"
        return "an IANA time zone such as America/New_York or Europe/London"
    return None


def _clock_time(value: str) -> str | None:
    ok = re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value)
    return None if ok else "a time of day as HH:MM, such as 16:30"


_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _level(value: str) -> str | None:
    return None if value in _LEVELS else "one of " + ", ".join(_LEVELS)


def _reminders(values: tuple[float, ...]) -> str | None:
    ok = all(0 < v <= 168 for v in values)
    return None if ok else "hours before the decision, each above 0 and at most 168 (a week)"


# --- the sections ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiscordSettings:
    prefix: str = setting("!", "prefix of text commands such as !rotation", _prefix)
    alert_channel_id: int = setting(
        0, "channel that receives server-wide alerts; 0 means none", _between(0, 2**63 - 1, "a channel id")
    )
    wrap_time: str = setting("16:30", "New York time of the daily wrap, for servers that opt in (!set wrap on)", _clock_time)
    message_content: bool = setting(
        True, "ask for the Message Content intent, so !commands work in servers; false: slash commands (and DMs) only"
    )
    token: Secret | None = secret("DISCORD_TOKEN", "bot token; without one rotobot talks on the console")


@dataclass(frozen=True)
class StorageSettings:
    database: Path = setting(Path("data/rotobot.db"), "SQLite file; created with its folder on first start")
    busy_timeout_ms: int = setting(
        5000, "how long a write waits for a lock before failing", _between(100, 600_000, "milliseconds")
    )


@dataclass(frozen=True)
class MarketSettings:
    poll_seconds: int = setting(60, "intraday poll interval during the NYSE session", _between(15, 3600, "seconds"))
    watchlist: tuple[str, ...] = setting(("^RUT", "^NDX", "IWM", "QQQ"), "symbols always polled", _symbols)
    basket: tuple[str, ...] = setting(
        ("KRE", "CFG", "RF", "ZION", "AAON", "ROAD"), "rotation basket shown by !rotation", _symbols
    )
    yahoo_url: str = setting("https://query1.finance.yahoo.com", "Yahoo Finance chart API base URL", _url)
    stooq_url: str = setting("https://stooq.com", "Stooq base URL (second source for daily bars)", _url)
    stooq_api_key: Secret | None = secret("ROTOBOT_STOOQ_API_KEY", "Stooq API key, if you have one")
    request_timeout_seconds: float = setting(10.0, "timeout of one upstream request", _between(1.0, 120.0, "seconds"))
    max_jump_pct: float = setting(
        10.0, "a move beyond this from the last close counts only once confirmed", _between(0.5, 100.0, "percent")
    )
    source_down_notice_minutes: int = setting(
        10, "a source failing this long raises one operator notice", _between(1, 1440, "minutes")
    )


@dataclass(frozen=True)
class RotationSettings:
    small: str = setting("^RUT", "small-cap leg", _symbol)
    large: str = setting("^NDX", "mega-cap leg", _symbol)
    window: int = setting(20, "trading days the spread looks back", _between(1, 260, "trading days"))
    upper: float = setting(5.0, "spread (percent) that signals rotation into small caps", _between(-100.0, 100.0, "percent"))
    lower: float = setting(-5.0, "spread (percent) that signals rotation into mega caps", _between(-100.0, 100.0, "percent"))
    hysteresis: float = setting(1.0, "points the spread must retreat before the alert re-arms", _between(0.0, 50.0, "points"))

    def check(self) -> tuple[str, typing.Any, str] | None:
        problem = spread_lines(self.upper, self.lower, self.hysteresis)
        if problem and problem[0] == "upper":  # named by lower: the line a reader moves first
            return "lower", self.lower, f"a number below rotation.upper ({self.upper})"
        if problem:
            return "hysteresis", self.hysteresis, f"less than the gap between upper and lower ({self.upper - self.lower:g})"
        if self.small == self.large:
            return "large", self.large, f"a symbol other than rotation.small ({self.small})"
        return None


@dataclass(frozen=True)
class FomcSettings:
    fed_url: str = setting("https://www.federalreserve.gov", "Federal Reserve site base URL", _url)
    fred_url: str = setting("https://fred.stlouisfed.org", "FRED base URL", _url)
    remind_hours_before: tuple[float, ...] = setting((24.0, 1.0), "reminders before each decision", _reminders)


@dataclass(frozen=True)
class RulesSettings:
    file: Path | None = setting(None, "TOML file of [[rules]]; default: the built-in rules from [rotation]")
    record_horizon: int = setting(
        20, "sessions after each earlier signal that a spread or trend alert's track record looks at",
        _between(1, 260, "sessions"))
    record_last: int = setting(12, "earlier signals (the latest) a spread or trend alert's track record counts",
                               _between(1, 100, "signals"))


@dataclass(frozen=True)
class WebhookSettings:
    url: Secret | None = secret("ROTOBOT_WEBHOOK_URL", "Discord webhook that also receives every alert")


@dataclass(frozen=True)
class DeliverySettings:
    give_up_hours: float = setting(
        24.0, "a target that keeps refusing alerts (deleted channel, no permission) is given up on after this long",
        _between(1.0, 24.0 * 30, "hours"),
    )
    keep_days: int = setting(90, "delivered alerts are kept this long for !alerts, then pruned daily",
                             _between(1, 3650, "days"))


@dataclass(frozen=True)
class DisplaySettings:
    timezone: str = setting("America/New_York", "time zone of times shown on the console and CLI", _timezone)


@dataclass(frozen=True)
class HealthSettings:
    enabled: bool = setting(False, "serve /healthz and /metrics over HTTP")
    host: str = setting("127.0.0.1", "address the health endpoint listens on (loopback by default)")
    port: int = setting(8080, "port of the health endpoint", _between(1, 65535, "a TCP port"))


@dataclass(frozen=True)
class LogSettings:
    level: str = setting("INFO", "log level", _level)


SECTIONS: dict[str, type] = {
    "discord": DiscordSettings,
    "storage": StorageSettings,
    "market": MarketSettings,
    "rotation": RotationSettings,
    "fomc": FomcSettings,
    "rules": RulesSettings,
    "webhook": WebhookSettings,
    "delivery": DeliverySettings,
    "display": DisplaySettings,
    "health": HealthSettings,
    "log": LogSettings,
}


@dataclass(frozen=True)
class Settings:
    discord: DiscordSettings = DiscordSettings()
    storage: StorageSettings = StorageSettings()
    market: MarketSettings = MarketSettings()
    rotation: RotationSettings = RotationSettings()
    fomc: FomcSettings = FomcSettings()
    rules: RulesSettings = RulesSettings()
    webhook: WebhookSettings = WebhookSettings()
    delivery: DeliverySettings = DeliverySettings()
    display: DisplaySettings = DisplaySettings()
    health: HealthSettings = HealthSettings()
    log: LogSettings = LogSettings()
    # dotted key -> where its value came from ("default", "file PATH", "env NAME"); for `rotobot config`.
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    def configured_symbols(self) -> list[str]:
        """The rotation legs, the watchlist and the basket, each once, in that order."""
        wanted = [self.rotation.small, self.rotation.large, *self.market.watchlist, *self.market.basket]
        return list(dict.fromkeys(wanted))

    def secrets(self) -> list[str]:
        """Every secret value that is set, so logging can scrub them."""
        found = []
        for section in SECTIONS:
            for f in dataclasses.fields(SECTIONS[section]):
                value = getattr(getattr(self, section), f.name)
                if isinstance(value, Secret):
                    found.append(value.reveal())
        return found
