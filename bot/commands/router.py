"""Parses "!name args" and calls the handler registered for that name."""

from __future__ import annotations

import difflib
import logging
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.commands.reply import CommandError, Reply

log = logging.getLogger(__name__)

Handler = Callable[..., Awaitable[Reply]]  # (context, args: list[str]) -> Reply


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    summary: str
    handler: Handler


class Router:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._commands: dict[str, Command] = {}

    def add(self, name: str, usage: str, summary: str, handler: Handler) -> None:
        self._commands[name] = Command(name, usage, summary, handler)

    @property
    def commands(self) -> list[Command]:
        return list(self._commands.values())

    def is_command(self, text: str) -> bool:
        return text.strip().startswith(self.prefix)

    async def dispatch(self, text: str, context) -> Reply:
        """Answer one line of user input. Never raises: every failure becomes a Reply that says what to do."""
        text = text.strip()
        if not text.startswith(self.prefix):
            return Reply(f"Commands start with {self.prefix}", (f"Try {self.prefix}help",), error=True)
        try:
            words = shlex.split(text[len(self.prefix):])
        except ValueError as exc:
            return Reply(f"Could not read that command ({exc})", ("Close any open quote and try again.",), error=True)
        if not words:
            return Reply("No command given", (f"Try {self.prefix}help for the list.",), error=True)
        name, args = words[0].lower(), words[1:]
        command = self._commands.get(name)
        if command is None:
            guess = difflib.get_close_matches(name, list(self._commands), n=1)
            hint = f"Did you mean {self.prefix}{guess[0]}? " if guess else ""
            return Reply(f"Unknown command {self.prefix}{name}", (f"{hint}Try {self.prefix}help for the list.",), error=True)
        try:
            return await command.handler(context, args)
        except CommandError as exc:
            return Reply(str(exc), (f"Usage: {self.prefix}{command.usage}",), error=True)
        except Exception:
            log.exception("command %s failed", name)
            return Reply(f"{self.prefix}{name} failed on our side", ("The error is logged; please try again.",), error=True)
