"""Logging set-up: one stderr handler whose formatter scrubs every known secret from the final text.

The scrub works on the fully formatted record (message, arguments and traceback), so a secret that slips into an
exception from a library is still masked.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

from bot.secret import MASK


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str], fmt: str, datefmt: str | None = None) -> None:
        super().__init__(fmt, datefmt)
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text


def configure_logging(level: str, secrets: Iterable[str], stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter(secrets, "%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # The libraries' chatter is for debugging them, not for running rotobot.
    for noisy in ("discord", "apscheduler", "aiohttp"):
        logging.getLogger(noisy).setLevel(max(logging.getLevelName(level), logging.WARNING))
    return handler
