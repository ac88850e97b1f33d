"""Parses "!name args" and calls the handler registered for that name."""

from __future__ import annotations

import difflib
import logging
import shlex
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.commands.reply import CommandError, Reply

log = logging.getLogger(__name__)

Handler = Callable[..., Awaitable[Reply]]  # (context, caller, args: list[str]) -> Reply

COMMANDS_PER_WINDOW, WINDOW_SECONDS = 5, 10.0  # per user: a burst of five, then one every two seconds
REMEMBERED_USERS = 10_000  # past this many, users quiet for a whole window are forgotten


class ServerView(Protocol):
    """What the transport can tell a command about the server it was typed in (admins' `!set` asks)."""

    def channel_problem(self, channel_id: int) -> str | None:
        """Why alerts could not go to this channel (not this server's, or the bot may not post there), or None."""
        ...

    def role_problem(self, role_id: int) -> str | None:
        """Why this role cannot be the alert role (not this server's, or @everyone), or None."""
        ...

    def role_note(self, role_id: int) -> str | None:
        """Something the admin should know about the role that does not stop it being set, or None."""
        ...


@dataclass(frozen=True)
class Caller:
    """Who asked, and where. The console operator is an admin with no server."""

    user_id: int = 0
    guild_id: int = 0  # 0: the console or a direct message
    channel_id: int | None = None
    is_admin: bool = True  # Manage Server in Discord
    name: str = "console"
    server: ServerView | None = None  # the server it was typed in, as the transport sees it


CONSOLE = Caller()


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    summary: str
    handler: Handler
    admin: bool = False


class Router:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._commands: dict[str, Command] = {}
        self._recent: dict[int, deque[float]] = {}

    def add(self, name: str, usage: str, summary: str, handler: Handler, *, admin: bool = False) -> None:
        self._commands[name] = Command(name, usage, summary, handler, admin)

    @property
    def commands(self) -> list[Command]:
        return list(self._commands.values())

    async def dispatch(self, text: str, context, caller: Caller = CONSOLE) -> Reply:
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
        return await self.run(words[0].lower(), words[1:], context, caller)

    async def run(self, name: str, args: list[str], context, caller: Caller = CONSOLE) -> Reply:
        """Answer an already split command: slash commands arrive this way."""
        command = self._commands.get(name)
        if command is None:
            guess = difflib.get_close_matches(name, list(self._commands), n=1)
            hint = f"Did you mean {self.prefix}{guess[0]}? " if guess else ""
            return Reply(f"Unknown command {self.prefix}{name}", (f"{hint}Try {self.prefix}help for the list.",), error=True)
        if command.admin and not caller.is_admin:
            return Reply(f"{self.prefix}{name} is for server admins",
                         ("It needs the Manage Server permission.",), error=True)
        wait = self._throttle(caller, context.now().timestamp())
        if wait:
            return Reply("Slow down a little", (f"Try again in {wait:.0f} s.",), error=True)
        try:
            return await command.handler(context, caller, args)
        except CommandError as exc:
            return Reply(str(exc), (f"Usage: {self.prefix}{command.usage}",), error=True)
        except Exception:
            log.exception("command %s failed", name)
            return Reply(f"{self.prefix}{name} failed on our side", ("The error is logged; please try again.",), error=True)

    def _throttle(self, caller: Caller, now: float) -> float:
        """Seconds the caller must wait, or 0. The console operator is never throttled."""
        if caller is CONSOLE or caller.user_id == 0:
            return 0.0
        if len(self._recent) > REMEMBERED_USERS:
            self._forget_quiet(now)
        recent = self._recent.setdefault(caller.user_id, deque(maxlen=COMMANDS_PER_WINDOW))
        while recent and now - recent[0] >= WINDOW_SECONDS:
            recent.popleft()
        if len(recent) >= COMMANDS_PER_WINDOW:
            return max(1.0, WINDOW_SECONDS - (now - recent[0]))
        recent.append(now)
        return 0.0

    def _forget_quiet(self, now: float) -> None:
        """Users whose last command is a whole window old cannot be throttled any more: nothing to remember."""
        for user, times in list(self._recent.items()):
            if not times or now - times[-1] >= WINDOW_SECONDS:
                del self._recent[user]
