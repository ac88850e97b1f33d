"""Loading: the three layers (defaults, the TOML file, ROTOBOT_* variables) merged into one checked Settings.

Also where secrets are read, from a variable or from the file a `..._FILE` variable names, and where an unknown
section, key or variable is refused with the closest known name, so a typo never passes silently.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
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
# Settings that were renamed, old dotted name -> new. The old spelling (in the file, or its ROTOBOT_ variable) still
# works, with one deprecation line at load; both spellings in the same layer are refused.
RENAMED = {"alerts.rules_file": "rules.file", "alerts.webhook_url": "webhook.url"}
OLD_SECTIONS = {old.split(".")[0] for old in RENAMED}

log = logging.getLogger(__name__)


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
    spelled: dict[tuple[str, str, bool], str] = {}  # (section, key, from_env) -> the name it was given under
    old_names: set[str] = set()  # old dotted names that were used

    def put(section: str, key: str, value: object, from_env: bool, origin: str, name: str, where: str) -> None:
        first = spelled.setdefault((section, key, from_env), name)
        if first != name:  # the same setting under its old and its new name, in one layer
            new = _env_name(section, key) if from_env else f"{section}.{key}"
            old = first if name == new else name
            raise SettingsError(f"Both {old} and {new} are set in {where}: expected only {new} "
                                f"({old} is its old name)")
        raw[section][key] = (value, from_env, origin)

    if config_path is not None:
        path = Path(config_path).expanduser()
        where = f"config file {path}"
        for section, table in _read_toml(path).items():
            if section not in SECTIONS and section not in OLD_SECTIONS:
                raise _unknown("section", section, where, list(SECTIONS))
            if not isinstance(table, dict):
                raise SettingsError(f"[{section}] in {where} is {shown(table)}: expected a table of settings")
            for key, value in table.items():
                target, name = _renamed(section, key), f"{section}.{key}"
                if target is None:
                    raise _unknown("setting", name, where, [new for old, new in RENAMED.items()
                                                            if old.startswith(section + ".")])
                fields = {f.name: f for f in dataclasses.fields(SECTIONS[target[0]])}
                if target[1] not in fields:
                    raise _unknown("setting", name, where, [f"{section}.{k}" for k in fields])
                if "secret_env" in fields[target[1]].metadata:
                    env = fields[target[1]].metadata["secret_env"]
                    raise SettingsError(
                        f"{name} in {where} is a secret: expected it in {env} or {env}_FILE, not in a file "
                        "that may be shared"
                    )
                if target != (section, key):
                    old_names.add(name)
                put(*target, value, False, f"file {path}", name, where)

    secret_env = _secret_fields()
    special = {CONFIG_ENV} | set(secret_env) | {name + "_FILE" for name in secret_env}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name in special:
            continue
        section, key, old = _split_env(name)
        if old:
            old_names.add(old)
        put(section, key, value, True, f"env {name}", name, "the environment")

    for old in sorted(old_names):
        new = RENAMED[old]
        log.warning("settings: %s (%s) is now %s (%s); the old name still works for now",
                    old, _env_name(*old.split(".")), new, _env_name(*new.split(".")))

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


def _renamed(section: str, key: str) -> tuple[str, str] | None:
    """Where `section.key` lives now: itself in a current section; the new name of a renamed one; else None."""
    if section in SECTIONS:
        return section, key
    new = RENAMED.get(f"{section}.{key}")
    return tuple(new.split(".")) if new else None


def _env_name(section: str, key: str) -> str:
    return f"{ENV_PREFIX}{section.upper()}_{key.upper()}"


def _split_env(name: str) -> tuple[str, str, str | None]:
    """(section, key, the old dotted name if `name` is the variable of a renamed setting)."""
    rest = name[len(ENV_PREFIX):].lower()
    for section in OLD_SECTIONS:
        if rest.startswith(section + "_"):
            old = f"{section}.{rest[len(section) + 1:]}"
            target = _renamed(*old.split(".", 1))
            if target is None or _secret_env(*target):  # a secret is read from its own variable only
                news = [RENAMED[o].split(".") for o in RENAMED if o.startswith(section + ".")]
                raise _unknown("environment variable", name, "the environment",
                               [_secret_env(*new) or _env_name(*new) for new in news])
            return *target, old
    for section, cls in SECTIONS.items():
        if rest.startswith(section + "_"):
            key = rest[len(section) + 1:]
            names = [f.name for f in dataclasses.fields(cls) if "secret_env" not in f.metadata]
            if key in names:
                return section, key, None
            known = [_env_name(section, n) for n in names]
            known += [f.metadata["secret_env"] for f in dataclasses.fields(cls) if "secret_env" in f.metadata]
            raise _unknown("environment variable", name, "the environment", known)
    known = [f"{ENV_PREFIX}{s.upper()}_..." for s in SECTIONS] + [CONFIG_ENV] + sorted(_secret_fields())
    raise _unknown("environment variable", name, "the environment", known)


def _secret_env(section: str, key: str) -> str | None:
    return SECTIONS[section].__dataclass_fields__[key].metadata.get("secret_env")
