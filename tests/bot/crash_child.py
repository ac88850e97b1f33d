"""A rotobot delivery process that can be told to die at a chosen point, for the crash tests.

Usage: python crash_child.py DB LOG MODE
  MODE "queue"        : commit an evaluation (state + two events), then die before any send
  MODE "mid-send"     : deliver, but die inside the first send, before it is written anywhere
  MODE "after-send"   : deliver, but die right after the first send was written, before it is marked
  MODE "deliver"      : a normal run: deliver everything due, then exit
The transport appends one line per send to LOG and fsyncs it: what a reader would have seen.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from alerts.delivery import Target
from alerts.payloads import RecordAlert, SpreadAlert
from bot.dispatch import Dispatcher
from bot.transports.base import Notification
from storage import outbox
from storage.database import Database

NOW = datetime(2025, 12, 11, 21, 5, tzinfo=timezone.utc)


class FileTransport:
    name = "file"

    def __init__(self, path: str, mode: str) -> None:
        self.path, self.mode = path, mode

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def ready(self) -> bool:
        return True

    async def targets(self, alert) -> list[Target]:
        return [Target("file", "console", "the log file")]

    async def send(self, target: Target, notification: Notification) -> None:
        if self.mode == "mid-send":
            os._exit(9)
        with open(self.path, "a", encoding="utf-8") as log:
            log.write(f"{notification.key}\t{notification.title}\t{notification.body} {notification.notes}\n")
            log.flush()
            os.fsync(log.fileno())
        if self.mode == "after-send":
            os._exit(9)


async def main(db_path: str, log_path: str, mode: str) -> None:
    database = Database.open(db_path)
    if mode == "queue":
        alerts = [
            RecordAlert(key="new_high|^RUT|2025-12-11", message="Russell 2000 closes at a record 2,590.61",
                        occurred_at=NOW, rule_id="new_high:^RUT:close", symbol="^RUT", session=NOW.date(),
                        price=2590.61, previous_record=2559.61, previous_record_date=NOW.date()),
            SpreadAlert(key="rotation|^RUT/^NDX|2025-12-11", message="Rotation into small caps", occurred_at=NOW,
                        rule_id="rotation", pair="^RUT/^NDX", session=NOW.date(), direction="small", spread=5.01,
                        line=5.0, window=20, small_close=2590.61, large_close=25000.0),
        ]
        database.call(outbox.commit, alerts, NOW, [("new_high:^RUT", "^RUT", {"record": 2590.61})])
        os._exit(9)  # killed between the state change and any send
    dispatcher = Dispatcher(database, [FileTransport(log_path, mode)], lambda: NOW, ZoneInfo("America/New_York"))
    await dispatcher.recover()
    await dispatcher.run_once()
    database.close()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
