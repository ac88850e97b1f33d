"""Typed settings: defaults, then an optional TOML file, then ROTOBOT_* environment variables.

Every value is checked once, at start-up. A bad one raises `SettingsError` with one line that names the key,
the value and what would be right, so the CLI can print it and exit without a traceback.

Secrets (the Discord token, the webhook URL, the Stooq key) are read only from the environment or from a file the
environment names; they are never accepted from the TOML file, never echoed in an error, and are held as `Secret`.

The package is split by job: `fields` declares a setting and parses its raw value, `sections` holds the settings
themselves, `loader` merges the three layers, `rendering` shows the result. Import from here.
"""

from bot.settings.fields import SettingsError
from bot.settings.loader import load_settings
from bot.settings.rendering import render
from bot.settings.sections import SECTIONS, Settings

__all__ = ["SECTIONS", "Settings", "SettingsError", "load_settings", "render"]
