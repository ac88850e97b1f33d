"""What rotobot forgets, and when: delivered alerts after `keep_days`, and state that nothing can use any more.

Without this the outbox, its per-target delivery log and the rule states only grow (a server-wide alert to
10,000 servers is 10,000 delivery rows). Pruned daily, and by `rotobot db prune [--dry-run]`.

- Alerts every transport finished with (delivered, given up on, or not wanted) more than `keep_days` ago go, with
  their fan-out and delivery rows. Alerts still owed are never pruned, however old.
- Rule states of subscriptions and watches that no longer exist, and of a server's own spread rule once the server
  dropped its own lines, go: no rule can read them again (ids and watch numbers are never reused).
- A target's record of failing ends after `keep_days` once it owes nothing: its next failure starts a new run of
  patience. One that still owes an alert keeps it, so it is given up on in the end, never retried for ever.
Price history, FOMC data, settings, subscriptions and watches are never pruned: they are what rotobot knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from storage.timestamps import to_iso

_ORPHAN_SUBSCRIPTION_STATES = (
    "FROM rule_state WHERE rule_id GLOB 'sub:[0-9]*' "
    "AND CAST(substr(rule_id, 5) AS INTEGER) NOT IN (SELECT id FROM subscriptions)"
)
# A watch's state is "watch:<guild>:<number>"; it leaves with its watch, and one left behind is pruned.
_ORPHAN_WATCH_STATES = (
    "FROM rule_state WHERE rule_id GLOB 'watch:[0-9]*:[0-9]*' AND NOT EXISTS (SELECT 1 FROM watches w "
    "WHERE rule_state.rule_id = 'watch:' || w.guild_id || ':' || w.number)"
)
# A server's own spread rule is "<rule id>@<guild>"; it exists while the server sets upper, lower or hysteresis.
_ORPHAN_SERVER_RULE_STATES = (
    "FROM rule_state WHERE rule_id GLOB '*@[0-9]*' AND CAST(substr(rule_id, instr(rule_id, '@') + 1) AS INTEGER) "
    "NOT IN (SELECT guild_id FROM guild_settings WHERE key IN ('upper', 'lower', 'hysteresis'))"
)


@dataclass(frozen=True)
class PruneReport:
    alerts: int
    deliveries: int
    states: int
    failing_targets: int
    before: datetime

    def text(self, dry_run: bool) -> str:
        verb = "would remove" if dry_run else "removed"
        return (f"{verb} {self.alerts:,} alerts delivered before {self.before:%Y-%m-%d %H:%M} UTC "
                f"(with {self.deliveries:,} delivery records), {self.states:,} rule states nothing uses any more, "
                f"and {self.failing_targets:,} old records of failing targets")


def prune(db: sqlite_utils.Database, now: datetime, keep_days: int, *, dry_run: bool = False) -> PruneReport:
    """Forget what is older than `keep_days` (see the module docstring); `dry_run` only counts. One transaction."""
    before = now - timedelta(days=keep_days)
    cutoff = to_iso(before)
    old_alerts = "FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?"
    # A failing target that still owes an alert keeps its record: its run of failures is what gives it up in the
    # end, and forgetting it would start the patience again every day (retried for ever, never given up).
    old_failures = ("FROM failing_targets WHERE since < ? AND NOT EXISTS (SELECT 1 FROM deliveries d "
                    "WHERE d.transport = failing_targets.transport AND d.target = failing_targets.target "
                    "AND d.done_at IS NULL)")
    with db.atomic():
        report = PruneReport(
            alerts=_count(db, old_alerts, cutoff),
            deliveries=_count(db, f"FROM deliveries WHERE event_id IN (SELECT id {old_alerts})", cutoff),
            states=(_count(db, _ORPHAN_SUBSCRIPTION_STATES) + _count(db, _ORPHAN_SERVER_RULE_STATES)
                    + _count(db, _ORPHAN_WATCH_STATES)),
            failing_targets=_count(db, old_failures, cutoff),
            before=before,
        )
        if not dry_run:
            # Deleting an outbox row deletes its fanouts and deliveries (ON DELETE CASCADE).
            db.execute(f"DELETE {old_alerts}", [cutoff])
            db.execute(f"DELETE {_ORPHAN_SUBSCRIPTION_STATES}")
            db.execute(f"DELETE {_ORPHAN_SERVER_RULE_STATES}")
            db.execute(f"DELETE {_ORPHAN_WATCH_STATES}")
            db.execute(f"DELETE {old_failures}", [cutoff])
    return report


def _count(db: sqlite_utils.Database, where: str, *params) -> int:
    return db.execute(f"SELECT count(*) {where}", list(params)).fetchone()[0]
