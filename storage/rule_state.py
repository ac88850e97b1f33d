"""Persisted state of each rule per key (a symbol, a subscription), as JSON, so restarts resume where they were."""

from __future__ import annotations

import json
from datetime import datetime

import sqlite_utils

from storage.timestamps import to_iso


def load_state(db: sqlite_utils.Database, rule_id: str, key: str) -> dict | None:
    rows = list(db.query("SELECT state FROM rule_state WHERE rule_id = ? AND key = ?", [rule_id, key]))
    return json.loads(rows[0]["state"]) if rows else None



def load_states(db: sqlite_utils.Database, rule_ids: list[str], key: str) -> dict[str, dict]:
    """The states of many rules under one key, in a few queries (a poll may judge 100,000 subscriptions)."""
    found: dict[str, dict] = {}
    for start in range(0, len(rule_ids), 500):
        chunk = rule_ids[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        rows = db.execute(f"SELECT rule_id, state FROM rule_state WHERE key = ? AND rule_id IN ({marks})",
                          [key, *chunk]).fetchall()
        found.update({rule_id: json.loads(state) for rule_id, state in rows})
    return found


def save_state(db: sqlite_utils.Database, rule_id: str, key: str, state: dict, now: datetime) -> None:
    """Write one state; call inside the caller's `db.atomic()` to commit it together with its outbox rows."""
    db.execute(
        "INSERT INTO rule_state (rule_id, key, state, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (rule_id, key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
        [rule_id, key, json.dumps(state, sort_keys=True), to_iso(now)],
    )
