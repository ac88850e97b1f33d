"""What the dispatcher asks the delivery log before each round of sends: which deliveries are due now, and when the
next one will be.

Due deliveries come the most urgent first (alerts/delivery.py `urgency`: an FOMC decision or a record before a
subscription DM), then the oldest alert first, read in that order from an index (deliveries_in_order) so that a
look at 30,000 waiting deliveries reads the few it needs. Each target found comes with all its alerts due now,
whatever their urgency or age, so that they go to it as one message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from alerts.delivery import Target
from storage import outbox
from storage.outbox import Queued
from storage.timestamps import from_iso, to_iso

_COLUMNS = """
    SELECT d.target AS d_target, d.place AS d_place, d.guild_id AS d_guild, d.label AS d_label,
           d.attempts AS d_attempts, d.possibly_repeated AS d_repeated,
           t.since AS t_since, t.gave_up_at AS t_gave_up, o.*
"""
_JOINS = """
    JOIN outbox o ON o.id = d.event_id
    LEFT JOIN failing_targets t ON t.transport = d.transport AND t.target = d.target
    WHERE d.transport = ? AND d.done_at IS NULL AND d.sending_at IS NULL AND d.next_attempt_at <= ?
      AND o.delivered_at IS NULL
"""
_CHUNK = 500  # ids per statement, well under SQLite's limit on parameters


@dataclass(frozen=True)
class Due:
    """A delivery due now: one queued alert (`event`) to one target, with its tries so far; not the alert itself."""

    event: Queued
    transport: str
    target: Target
    attempts: int  # earlier tries to this target
    possibly_repeated: bool  # an earlier send was never confirmed: this one may be a repeat
    failing_since: datetime | None  # when this target's current run of failures began (None: it is not failing)
    given_up_before: bool  # the target has been given up on with another alert, and has not taken one since


def due(db: sqlite_utils.Database, transport: str, now: datetime, limit: int = 500,
        busy: Iterable[str] = ()) -> list[Due]:
    """`transport`'s deliveries due now, in order (the most urgent, then the oldest alert), about `limit` of them,
    each target's other due deliveries with them; `busy` targets are left out."""
    skip = list(busy)
    marks = ", ".join("?" for _ in skip)
    rows = list(db.query(
        f"{_COLUMNS} FROM deliveries d INDEXED BY deliveries_in_order {_JOINS} "
        f"{f'AND d.target NOT IN ({marks})' if skip else ''} ORDER BY d.urgency, d.event_id, d.target LIMIT ?",
        [transport, to_iso(now), *skip, limit],
    ))
    found = {(row["id"], row["d_target"]) for row in rows}
    targets = list(dict.fromkeys(row["d_target"] for row in rows))
    for start in range(0, len(targets), _CHUNK):
        chunk = targets[start:start + _CHUNK]
        more = db.query(
            f"{_COLUMNS} FROM deliveries d INDEXED BY deliveries_of_target {_JOINS} "
            f"AND d.target IN ({', '.join('?' for _ in chunk)}) ORDER BY d.event_id",
            [transport, to_iso(now), *chunk],
        )
        rows.extend(row for row in more if (row["id"], row["d_target"]) not in found)
    events: dict[int, Queued] = {}  # one alert to 10,000 servers is many rows here: its payload is read once

    def event(row) -> Queued:
        if row["id"] not in events:
            events[row["id"]] = outbox.queued(row)
        return events[row["id"]]

    return [
        Due(
            event=event(row),
            transport=transport,
            target=Target(row["d_target"], row["d_place"], row["d_label"], row["d_guild"]),
            attempts=row["d_attempts"],
            possibly_repeated=bool(row["d_repeated"]),
            failing_since=from_iso(row["t_since"]) if row["t_since"] else None,
            given_up_before=row["t_gave_up"] is not None,
        )
        for row in rows
    ]


def next_try(db: sqlite_utils.Database, transport: str, busy: Iterable[str] = ()) -> datetime | None:
    """When the earliest waiting delivery of `transport` to a target not `busy` is due (None: nothing waits)."""
    skip = list(busy)
    marks = ", ".join("?" for _ in skip)
    value = db.execute(
        "SELECT min(d.next_attempt_at) FROM deliveries d JOIN outbox o ON o.id = d.event_id WHERE d.transport = ? "
        "AND d.done_at IS NULL AND d.sending_at IS NULL AND o.delivered_at IS NULL"
        + (f" AND d.target NOT IN ({marks})" if skip else ""), [transport, *skip]).fetchone()[0]
    return from_iso(value) if value else None
