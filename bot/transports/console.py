"""The console transport: commands typed at a prompt, alerts printed as they fire.

stdin is read on a daemon thread, because a blocking read cannot be cancelled and the event loop must stay free;
at EOF (Ctrl-D, or the end of piped input) the transport asks the application to stop.

A terminal shows no pictures, so a reply's attachments (the chart of !rotation chart) are written to the charts
folder, next to the database, as rotation-YYYY-MM-DD.png (the reply's date in the display time zone; a newer
chart of the same day replaces the file), and the reply prints their paths. Only the last KEEP_CHARTS are kept.
The files are written on a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import re
import threading
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from alerts.delivery import Target
from alerts.payloads import Alert
from alerts.timefmt import local_times
from bot.commands.reply import Reply, as_text
from bot.transports.base import Notification

log = logging.getLogger(__name__)

PROMPT = "rotobot> "
CONSOLE = Target("console", "console", "the console")
KEEP_CHARTS = 20  # chart files kept in the charts folder; the oldest go first
_CHART_FILE = re.compile(r"^.+-(\d{4}-\d{2}-\d{2})\.png$")  # what this transport writes there, and prunes


def charts_folder(database: str | os.PathLike) -> Path:
    """Where the console writes charts: `charts` in the database's folder (data/rotobot.db -> data/charts)."""
    return Path(database).parent / "charts"


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
        charts: Path | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """`charts`: the folder a reply's attachments are written to (see charts_folder); None prints only their
        names and sizes. `clock` dates those files, in `zone`."""
        self._zone = zone
        self._charts = charts
        self._clock = clock or (lambda: datetime.now(timezone.utc))
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
        if notification.track_record:
            text += f"\n  {notification.track_record}"
        if notification.notes:
            text += "\n  (" + "; ".join(notification.notes) + ")"
        self._write(("\n" if self._interactive else "") + local_times(text, self._zone, self._clock()))
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
                self._write(await self._rendered(reply))
            self._prompt()

    async def _rendered(self, reply: Reply) -> str:
        """The reply as text, its Discord timestamps in the display zone."""
        now = self._clock()
        return local_times(await self._with_charts(reply, now), self._zone, now)

    async def _with_charts(self, reply: Reply, now: datetime) -> str:
        """With a charts folder, a reply's attachments written there and their paths in their place."""
        if self._charts is None or not reply.attachments:
            return as_text(reply)
        day = now.astimezone(self._zone).date()
        said = []
        for name, content in reply.attachments:
            path = self._charts / _dated(name, day)
            try:
                await asyncio.to_thread(_save_chart, self._charts, path, content)
            except OSError as exc:
                log.debug("could not write %s: %s", path, exc)  # the console line says it; no second line
                said.append(f"  [{name} was not saved: cannot write {exc.filename or path}: {exc.strerror or exc}]")
            else:
                said.append(f"  [{name} saved: {path}]")
        return "\n".join([as_text(dataclasses.replace(reply, attachments=())), *said])

    def _prompt(self) -> None:
        if self._interactive:
            self._stdout.write(PROMPT)
            self._stdout.flush()

    def _write(self, text: str) -> None:
        self._stdout.write(text + "\n")
        self._stdout.flush()


def _dated(name: str, day: date) -> str:
    """rotation.png on 23 Feb 2026 -> rotation-2026-02-23.png (any folder in the name dropped)."""
    plain = Path(name).name or "attachment"
    stem, suffix = (plain.rsplit(".", 1)[0], "." + plain.rsplit(".", 1)[1]) if "." in plain[1:] else (plain, "")
    return f"{stem}-{day.isoformat()}{suffix}"


def _save_chart(folder: Path, path: Path, content: bytes) -> None:
    """Write `content` to `path` whole or not at all (a file of the same name is replaced), then keep the last
    KEEP_CHARTS chart files of `folder`. Blocking: run on a worker thread. Raises OSError when it cannot write,
    naming what could not be written (the folder, or the file) and why."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        why = "a file, not a folder" if isinstance(exc, FileExistsError) else exc.strerror
        raise OSError(exc.errno, why or str(exc), str(folder)) from exc
    partial = path.with_name(f".{path.name}.partial")
    try:
        _write_bytes(partial, content)
        os.replace(partial, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise
    _prune(folder)


def _write_bytes(path: Path, content: bytes) -> None:
    with open(path, "wb") as out:
        out.write(content)


def _prune(folder: Path) -> None:
    """Remove all but the newest KEEP_CHARTS chart files (by the date in their names, then by when written).
    Only files named as this transport names them are counted or removed; a failure to remove is logged."""
    charts = []
    try:
        for entry in os.scandir(folder):
            found = _CHART_FILE.match(entry.name)
            if found and entry.is_file(follow_symlinks=False):
                charts.append((found.group(1), entry.stat(follow_symlinks=False).st_mtime_ns, entry.name))
    except OSError as exc:
        log.warning("could not list the charts in %s to keep the last %d: %s", folder, KEEP_CHARTS, exc)
        return
    for _, _, name in sorted(charts)[:-KEEP_CHARTS]:
        try:
            (folder / name).unlink()
        except OSError as exc:
            log.warning("could not remove the old chart %s: %s", folder / name, exc)
