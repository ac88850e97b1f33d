"""Queue events through the outbox and ring the dispatcher: the one way any job announces anything."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.dispatch import Dispatcher
from storage import outbox
from storage.database import Database


def make_publisher(database: Database, dispatcher: Dispatcher, clock: Callable[[], datetime], metrics=None):
    async def publish(events: list[tuple[str, str, dict]], states: list[tuple[str, str, dict]] = ()) -> list[str]:
        """Commit `states` and queue `events` together; returns the keys that were new (a repeat is a no-op)."""
        new = await database.run(outbox.commit_evaluation, list(states), events, clock())
        if new:
            dispatcher.wake.set()
            if metrics is not None:
                fresh = set(new)  # by kind, not rule id: a label per subscription would grow without end
                for key, kind, _ in events:
                    if key in fresh:
                        metrics.inc("rotobot_alerts_total", rule=kind)
        return new

    return publish
