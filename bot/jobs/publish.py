"""Queue events through the outbox and ring the dispatcher: the one way any job announces anything."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlite_utils

from bot.dispatch import Dispatcher
from storage import outbox
from storage.database import Database

Write = Callable[[sqlite_utils.Database], object]


def make_publisher(database: Database, dispatcher: Dispatcher, clock: Callable[[], datetime], metrics=None):
    async def publish(events: list[tuple[str, str, dict]], states: list[tuple[str, str, dict]] = (),
                      also: Write | None = None) -> list[str]:
        """Commit `states`, the write `also` and the queued `events` together; returns the keys queued (a repeat
        is a no-op). A job whose change of state owes an alert passes that change as `also`, never as a write of
        its own before or after: then a failure or a crash in between can neither lose nor double the alert."""
        new = await database.run(outbox.commit_evaluation, list(states), events, clock(), also)
        if new:
            dispatcher.wake.set()
            if metrics is not None:
                kinds = {key: kind for key, kind, _ in events}
                for key in new:  # by kind, not rule id: a label per subscription would grow without end
                    metrics.inc("rotobot_alerts_total", rule=kinds.get(key.split("#", 1)[0], "other"))
        return new

    return publish
