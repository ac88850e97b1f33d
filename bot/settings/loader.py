"""Loading: the three layers (defaults, the TOML file, ROTOBOT_* variables) merged into one checked Settings.

Also where secrets are read, from a variable or from the file a `..._FILE` variable names, and where an unknown
section, key or variable is refused with the closest known name, so a typo never passes silently.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path

from bot.secret import Secret
from bot.settings.fields import SettingsError, convert, shown
from bot.settings.sections import SECTIONS, Settings

ENV_PREFIX = "ROTOBOT_"
CONFIG_ENV = "ROTOBOT_CONFIG"


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
                raise SettingsError(f"[{section}] in {where} is {shown(table)}: expected a table of settings")
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
            values[f.name] = convert(dotted, value, from_env, origin, hints[f.name], f.metadata.get("check"))
            sources[dotted] = origin
        built[section] = cls(**values)
        problem = built[section].check() if hasattr(cls, "check") else None
        if problem:
            key, value, expected = problem
            origin = sources[f"{section}.{key}"]
            raise SettingsError(f"Bad setting {section}.{key} = {shown(value)} (from {origin}): expected {expected}")
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
