"""`rotobot config`: the effective settings shown as TOML, secrets masked, each value with where it came from."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bot.secret import MASK, Secret
from bot.settings.sections import SECTIONS, Settings


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
