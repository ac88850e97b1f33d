"""Typed settings: defaults, then an optional TOML file, then ROTOBOT_* environment variables.

Every value is checked once, here, at start-up. A bad one raises `SettingsError` with one line that names the key,
the value and what would be right, so the CLI can print it and exit without a traceback.

Secrets (the Discord token, the webhook URL, the Stooq key) are read only from the environment or from a file the
environment names; they are never accepted from the TOML file, never echoed in an error, and are held as `Secret`.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import re
import tomllib
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from alerts.rules.checks import is_symbol, spread_lines
from bot.secret import MASK, Secret

ENV_PREFIX = "ROTOBOT_"
CONFIG_ENV = "ROTOBOT_CONFIG"


class SettingsError(Exception):
    """A setting that cannot be used. `str(error)` is one line fit to show the operator."""


# --- field declarations -------------------------------------------------------------------------------------------

Check = Callable[[typing.Any], str | None]  # returns what was expected, or None when the value is fine


def setting(default, help: str, check: Check | None = None):
    return field(default=default, metadata={"help": help, "check": check})


def secret(env: str, help: str):
    return field(default=None, metadata={"help": help, "secret_env": env})


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
class AlertSettings:
    rules_file: Path | None = setting(None, "TOML file of [[rules]]; default: the built-in rules from [rotation]")
    webhook_url: Secret | None = secret("ROTOBOT_WEBHOOK_URL", "Discord webhook that also receives every alert")


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
    "alerts": AlertSettings,
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
    alerts: AlertSettings = AlertSettings()
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


# --- parsing values -------------------------------------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, expected: str) -> None:
        self.expected = expected


def _as_int(raw, from_env: bool) -> int:
    if from_env:
        try:
            return int(raw.strip())
        except ValueError:
            raise _Bad("a whole number") from None
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise _Bad("a whole number")
    return raw


def _as_float(raw, from_env: bool) -> float:
    if from_env:
        try:
            value = float(raw.strip())
        except ValueError:
            raise _Bad("a number such as 5.0") from None
    elif isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise _Bad("a number such as 5.0")
    else:
        try:
            value = float(raw)
        except OverflowError:
            raise _Bad("a number of sensible size") from None
    if not math.isfinite(value):
        raise _Bad("a finite number")
    return value


def _as_bool(raw, from_env: bool) -> bool:
    if from_env:
        text = raw.strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise _Bad("true or false")
    if not isinstance(raw, bool):
        raise _Bad("true or false (without quotes)")
    return raw


def _as_str(raw, from_env: bool) -> str:
    if not isinstance(raw, str):
        raise _Bad("a string in quotes")
    value = raw.strip()
    if not value:
        raise _Bad("a non-empty string")
    return value


def _as_path(raw, from_env: bool) -> Path:
    return Path(_as_str(raw, from_env)).expanduser()


def _as_list(item: Callable, what: str) -> Callable:
    def parse(raw, from_env: bool) -> tuple:
        if from_env:
            raw = [part for part in raw.split(",") if part.strip()]
        if not isinstance(raw, list):
            raise _Bad(f"a list of {what}")
        return tuple(item(x, from_env) for x in raw)

    return parse


def _symbol_item(raw, from_env: bool) -> str:
    return _as_str(raw, from_env).upper()


_PARSERS: dict[object, Callable] = {
    bool: _as_bool,
    int: _as_int,
    float: _as_float,
    str: _as_str,
    Path: _as_path,
    Path | None: _as_path,
    tuple[str, ...]: _as_list(_symbol_item, "symbols such as [\"^RUT\", \"IWM\"]"),
    tuple[float, ...]: _as_list(_as_float, "numbers such as [24, 1]"),
}


def _shown(raw) -> str:
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."


# --- loading --------------------------------------------------------------------------------------------------------


def _read_toml(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SettingsError(f"Config file {path} does not exist: give the path of a TOML file, or none") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise SettingsError(f"Config file {path} cannot be read ({reason}): expected a readable UTF-8 TOML file") from None
    try:
        return tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or a number too long for Python to read
        raise SettingsError(f"Config file {path} is not valid TOML ({exc})") from None


def _unknown(kind: str, name: str, where: str, known: list[str]) -> SettingsError:
    guess = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {guess[0]!r}?" if guess else ""
    return SettingsError(f"Unknown {kind} {name!r} in {where}: expected one of {', '.join(known)}{hint}")


def _secret_fields() -> dict[str, tuple[str, str]]:
    """env name -> (section, field) for every secret."""
    out = {}
    for section, cls in SECTIONS.items():
        for f in dataclasses.fields(cls):
            if "secret_env" in f.metadata:
                out[f.metadata["secret_env"]] = (section, f.name)
    return out


def _read_secret(env: str, environ: Mapping[str, str]) -> tuple[Secret, str] | None:
    """The secret and the variable it came from, or None when unset."""
    direct, file_var = environ.get(env), environ.get(env + "_FILE")
    if direct is not None and file_var is not None:
        raise SettingsError(f"Both {env} and {env}_FILE are set: expected only one of them")
    if file_var is not None:
        path = Path(file_var).expanduser()
        try:
            value = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
            raise SettingsError(
                f"{env}_FILE = {str(path)!r} cannot be read ({reason}): expected a readable file holding the secret"
            ) from None
        origin = f"{env}_FILE"
    elif direct is not None:
        value, origin = direct.strip(), env
    else:
        return None
    if not value:
        raise SettingsError(f"{origin} is empty: expected the secret itself, or unset it")
    if any(c.isspace() for c in value):
        # The value is not shown: a secret with a stray space is still a secret.
        raise SettingsError(f"{origin} holds whitespace inside the value: expected a single token with no spaces")
    return Secret(value), origin


def load_settings(config_path: str | os.PathLike | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Build the effective settings. Raises SettingsError with one line on the first bad value."""
    environ = os.environ if environ is None else environ
    if config_path is None and environ.get(CONFIG_ENV):
        config_path = environ[CONFIG_ENV]

    raw: dict[str, dict[str, tuple[object, bool, str]]] = {name: {} for name in SECTIONS}  # value, from_env, origin

    if config_path is not None:
        path = Path(config_path).expanduser()
        where = f"config file {path}"
        for section, table in _read_toml(path).items():
            if section not in SECTIONS:
                raise _unknown("section", section, where, list(SECTIONS))
            if not isinstance(table, dict):
                raise SettingsError(f"[{section}] in {where} is {_shown(table)}: expected a table of settings")
            fields = {f.name: f for f in dataclasses.fields(SECTIONS[section])}
            for key, value in table.items():
                if key not in fields:
                    raise _unknown("setting", f"{section}.{key}", where, [f"{section}.{k}" for k in fields])
                if "secret_env" in fields[key].metadata:
                    env = fields[key].metadata["secret_env"]
                    raise SettingsError(
                        f"{section}.{key} in {where} is a secret: expected it in {env} or {env}_FILE, not in a file "
                        "that may be shared"
                    )
                raw[section][key] = (value, False, f"file {path}")

    secret_env = _secret_fields()
    special = {CONFIG_ENV} | set(secret_env) | {name + "_FILE" for name in secret_env}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name in special:
            continue
        section, key = _split_env(name)
        raw[section][key] = (value, True, f"env {name}")

    sources: dict[str, str] = {}
    built = {}
    for section, cls in SECTIONS.items():
        hints = typing.get_type_hints(cls)
        values = {}
        for f in dataclasses.fields(cls):
            dotted = f"{section}.{f.name}"
            if "secret_env" in f.metadata:
                found = _read_secret(f.metadata["secret_env"], environ)
                values[f.name] = found[0] if found else None
                sources[dotted] = f"env {found[1]}" if found else "not set"
                continue
            if f.name not in raw[section]:
                values[f.name] = f.default
                sources[dotted] = "default"
                continue
            value, from_env, origin = raw[section][f.name]
            values[f.name] = _convert(dotted, value, from_env, origin, hints[f.name], f.metadata.get("check"))
            sources[dotted] = origin
        built[section] = cls(**values)
        problem = built[section].check() if hasattr(cls, "check") else None
        if problem:
            key, value, expected = problem
            origin = sources[f"{section}.{key}"]
            raise SettingsError(f"Bad setting {section}.{key} = {_shown(value)} (from {origin}): expected {expected}")
    return Settings(**built, sources=sources)


def _split_env(name: str) -> tuple[str, str]:
    rest = name[len(ENV_PREFIX):].lower()
    for section, cls in SECTIONS.items():
        if rest.startswith(section + "_"):
            key = rest[len(section) + 1:]
            names = [f.name for f in dataclasses.fields(cls) if "secret_env" not in f.metadata]
            if key in names:
                return section, key
            known = [f"{ENV_PREFIX}{section.upper()}_{n.upper()}" for n in names]
            known += [f.metadata["secret_env"] for f in dataclasses.fields(cls) if "secret_env" in f.metadata]
            raise _unknown("environment variable", name, "the environment", known)
    known = [f"{ENV_PREFIX}{s.upper()}_..." for s in SECTIONS] + [CONFIG_ENV] + sorted(_secret_fields())
    raise _unknown("environment variable", name, "the environment", known)


def _convert(dotted: str, value, from_env: bool, origin: str, hint, check: Check | None):
    try:
        parsed = _PARSERS[hint](value, from_env)
    except _Bad as bad:
        raise SettingsError(f"Bad setting {dotted} = {_shown(value)} (from {origin}): expected {bad.expected}") from None
    expected = check(parsed) if check else None
    if expected:
        raise SettingsError(f"Bad setting {dotted} = {_shown(value)} (from {origin}): expected {expected}")
    return parsed


# --- showing --------------------------------------------------------------------------------------------------------


def _toml_value(value) -> str:
    if isinstance(value, Secret):
        return f'"{MASK}"'
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (Path, str)):
        return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def render(settings: Settings) -> str:
    """The effective settings as TOML, secrets masked, each line saying where its value came from."""
    lines = []
    for section, cls in SECTIONS.items():
        lines.append(f"[{section}]")
        for f in dataclasses.fields(cls):
            value = getattr(getattr(settings, section), f.name)
            source = settings.sources.get(f"{section}.{f.name}", "default")
            if "secret_env" in f.metadata and value is None:
                env = f.metadata["secret_env"]
                lines.append(f"# {f.name}: not set ({env} or {env}_FILE) - {f.metadata['help']}")
                continue
            if value is None:  # TOML has no null: an unset optional setting is shown as a comment
                lines.append(f"# {f.name}: not set - {f.metadata['help']}")
                continue
            lines.append(f"{f.name} = {_toml_value(value)}  # {source}; {f.metadata['help']}")
        lines.append("")
    return "\n".join(lines)
