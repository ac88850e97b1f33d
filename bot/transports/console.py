"""The console transport: commands typed at a prompt, alerts printed as they fire.

stdin is read on a daemon thread, because a blocking read cannot be cancelled and the event loop must stay free;
at EOF (Ctrl-D, or the end of piped input) the transport asks the application to stop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import TextIO
from zoneinfo import ZoneInfo

from alerts.delivery import Target
from alerts.payloads import Alert
from bot.commands.reply import Reply, as_text
from bot.transports.base import Notification

log = logging.getLogger(__name__)

PROMPT = "rotobot> "
CONSOLE = Target("console", "console", "the console")


class ConsoleTransport:
    name = "console"

    def __init__(
        self,
        answer: Callable[[str], Awaitable[Reply]],
        on_eof: Callable[[], None],
        stdin: TextIO,
        stdout: TextIO,
        interactive: bool | None = None,
        zone: ZoneInfo = ZoneInfo("America/New_York"),
    ) -> None:
        self._zone = zone
        self._answer = answer
        self._on_eof = on_eof
        self._stdin = stdin
        self._stdout = stdout
        self._interactive = stdin.isatty() if interactive is None else interactive
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        reader = threading.Thread(target=self._read, args=(loop,), name="console-stdin", daemon=True)
        reader.start()
        self._write("rotobot is listening on the console. Type !help for commands, Ctrl-D or Ctrl-C to quit.")
        self._prompt()
        self._task = asyncio.create_task(self._serve(), name="console")

    def ready(self) -> bool:
        return True

    async def targets(self, alert: Alert) -> list[Target]:
        """Every alert: whoever runs rotobot on a console is its only reader, and its operator."""
        return [CONSOLE]

    async def send(self, target: Target, notification: Notification) -> None:
        when = ""
        if notification.occurred_at is not None:
            when = f"[{notification.occurred_at.astimezone(self._zone):%a %d %b %Y %H:%M %Z}] "
        text = f"ALERT {when}{notification.title}" + (f"\n  {notification.body}" if notification.body else "")
        if notification.notes:
            text += "\n  (" + "; ".join(notification.notes) + ")"
        self._write(("\n" if self._interactive else "") + text)
        self._prompt()

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def _read(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            for line in self._stdin:
                loop.call_soon_threadsafe(self._lines.put_nowait, line)
        except (OSError, ValueError) as exc:  # stdin closed under us
            log.debug("console input ended: %s", exc)
        finally:
            try:
                loop.call_soon_threadsafe(self._lines.put_nowait, None)
            except RuntimeError:  # the loop is already closed: we are shutting down anyway
                pass

    async def _serve(self) -> None:
        while True:
            line = await self._lines.get()
            if line is None or line.strip().lower() in ("quit", "exit"):
                self._write("" if line is None else "Bye.")
                self._on_eof()
                return
            if line.strip():
                reply = await self._answer(line)
                self._write(as_text(reply))
            self._prompt()

    def _prompt(self) -> None:
        if self._interactive:
            self._stdout.write(PROMPT)
            self._stdout.flush()

    def _write(self, text: str) -> None:
        self._stdout.write(text + "\n")
        self._stdout.flush()
