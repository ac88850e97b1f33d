"""Queue alerts through the outbox and ring the dispatcher: the one way any job announces anything."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import sqlite_utils

from alerts.payloads import Alert
from bot.dispatch import Dispatcher
from storage import outbox
from storage.database import Database

Write = Callable[[sqlite_utils.Database], object]


def make_publisher(database: Database, dispatcher: Dispatcher, clock: Callable[[], datetime], metrics=None):
    async def publish(alerts: Sequence[Alert], states: Sequence[tuple[str, str, dict]] = (),
                      also: Write | None = None) -> list[str]:
        """Commit `states`, the write `also` and the queued `alerts` together; returns the keys queued (a repeat
        is a no-op). A job whose change of state owes an alert passes that change as `also`, never as a write of
        its own before or after: then a failure or a crash in between can neither lose nor double the alert."""
        new = await database.run(outbox.commit, list(alerts), clock(), list(states), also)
        if new:
            dispatcher.wake()
            if metrics is not None:
                kinds = {alert.key: alert.outbox_kind for alert in alerts}
                for key in new:  # by kind, not rule id: a label per subscription would grow without end
                    metrics.inc("rotobot_alerts_total", rule=kinds.get(key.split("#", 1)[0], "other"))
        return new

    return publish
