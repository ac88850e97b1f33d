"""The signal cache: each close rule's ledger (alerts/track_record.py) as computed after the last daily close, and
who may see it. bot/jobs/records.py writes it; the engine reads an alert's track record from it, `!signals` the
rest. A cache: it can always be computed again from the daily bars, and a rule no longer run is dropped from it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import sqlite_utils

from alerts.track_record import Firing, Ledger, TrackRecord, fold
from storage import watches
from storage.timestamps import from_iso, to_iso


@dataclass(frozen=True)
class Audience:
    """Who hears a rule's alerts: one server (its own spread lines), or every server but `exclude_guilds`."""

    guild_id: int | None = None
    exclude_guilds: tuple[int, ...] = ()


@dataclass(frozen=True)
class Ask:
    """An alert about to be made: the track record of its rule's signals in its direction before its session."""

    key: str
    rule_id: str
    fingerprint: str  # the rule as it is now: a ledger of other parameters is not its record
    direction: str | None
    before: date


@dataclass(frozen=True)
class CachedRule:
    rule_id: str
    kind: str
    symbol: str
    audience: Audience
    horizon: int
    points: bool  # one series' moves in its own points, not percent (alerts/track_record.py TrackRecord.points)
    first: date
    through: date
    computed_at: datetime
    records: dict[str | None, TrackRecord]  # all measured signals, per direction, in the backtest's order
    lately: dict[str | None, TrackRecord]  # the last N measured signals, per direction
    firings: tuple[Firing, ...]  # the latest kept, newest first


def stamps(db: sqlite_utils.Database) -> dict[str, tuple[str, date]]:
    """rule id -> (fingerprint, last session) of every cached ledger."""
    rows = db.execute("SELECT rule_id, fingerprint, through_session FROM signal_rules").fetchall()
    return {rule_id: (found, date.fromisoformat(through)) for rule_id, found, through in rows}


def save(db: sqlite_utils.Database, ledgers: Iterable[Ledger], audiences: Mapping[str, Audience],
         now: datetime) -> None:
    """In one transaction: each ledger replaces its rule's rows, every rule in `audiences` gets its audience, and
    a rule not in `audiences` (no longer run, or a watch removed since it was read) leaves the cache."""
    with db.atomic():
        removed = watches.gone(db, {*audiences, *(ledger.rule_id for ledger in ledgers)})
        audiences = {rule_id: audience for rule_id, audience in audiences.items() if rule_id not in removed}
        for ledger in [ledger for ledger in ledgers if ledger.rule_id not in removed]:
            audience = audiences.get(ledger.rule_id, Audience())
            db.execute("DELETE FROM signal_rules WHERE rule_id = ?", [ledger.rule_id])  # its rows go with it
            db.execute(
                "INSERT INTO signal_rules (rule_id, kind, symbol, guild_id, exclude_guilds, fingerprint, horizon, "
                "points, first_session, through_session, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [ledger.rule_id, ledger.kind, ledger.symbol, audience.guild_id, json.dumps(audience.exclude_guilds),
                 ledger.fingerprint, ledger.horizon, int(ledger.points), ledger.first.isoformat(),
                 ledger.through.isoformat(), to_iso(now)])
            db.conn.executemany(
                "INSERT INTO signal_records (rule_id, direction, count, hits, median, baseline_hit_rate) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(ledger.rule_id, direction or "", r.count, r.hits, r.median, r.baseline_hit_rate)
                 for direction, r in ledger.records.items()])
            db.conn.executemany(
                "INSERT INTO signal_firings (rule_id, session, direction, value, move, hit, ends) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(ledger.rule_id, f.session.isoformat(), f.direction or "", f.value, f.move,
                  None if f.hit is None else int(f.hit), None if f.ends is None else f.ends.isoformat())
                 for f in ledger.firings])
        for rule_id, audience in audiences.items():
            db.execute("UPDATE signal_rules SET guild_id = ?, exclude_guilds = ? WHERE rule_id = ?",
                       [audience.guild_id, json.dumps(audience.exclude_guilds), rule_id])
        marks = ", ".join("?" for _ in audiences)
        db.execute(f"DELETE FROM signal_rules WHERE rule_id NOT IN ({marks})", list(audiences))


def earlier(db: sqlite_utils.Database, asks: Iterable[Ask], last: int) -> dict[str, TrackRecord]:
    """Alert key -> the track record its alert carries: the last `last` signals of its rule in its direction whose
    move over the horizon ended on a session before the alert's (so was known at its close, however much later
    the cache was computed), beside the baseline. Only a ledger of the rule as it is now (same fingerprint)
    answers; no ledger, no record."""
    found = {}
    for ask in asks:
        record = _track_record(db, ask.rule_id, ask.direction, ask.before, last, ask.fingerprint)
        if record is not None:
            found[ask.key] = record
    return found


def cached_rules(db: sqlite_utils.Database, shown: int, last: int,
                 wanted: Callable[[Audience], bool] = lambda audience: True) -> list[CachedRule]:
    """Every cached rule whose audience is `wanted` (who asks may see it), in rule-id order, with its records, its
    track record now (the last `last` measured signals of each direction) and its `shown` latest firings. Only
    the wanted rules' rows are read past their first: a thousand servers' own rules cost one asker little."""
    found = []
    for row in db.execute("SELECT rule_id, kind, symbol, guild_id, exclude_guilds, horizon, points, first_session, "
                          "through_session, computed_at FROM signal_rules ORDER BY rule_id").fetchall():
        rule_id, kind, symbol, guild, exclude, horizon, points, first, through, computed = row
        audience = Audience(guild, tuple(json.loads(exclude)))
        if not wanted(audience):
            continue
        records = {direction or None: TrackRecord(horizon, count, hits, median, base, bool(points))
                   for direction, count, hits, median, base in db.execute(
                       "SELECT direction, count, hits, median, baseline_hit_rate FROM signal_records WHERE rule_id = ? "
                       "ORDER BY rowid", [rule_id])}
        lately = {direction: _track_record(db, rule_id, direction, date.max, last) for direction in records}
        firings = tuple(Firing(date.fromisoformat(day), direction or None, value, move,
                               None if hit is None else bool(hit), None if ends is None else date.fromisoformat(ends))
                        for day, direction, value, move, hit, ends in db.execute(
                            "SELECT session, direction, value, move, hit, ends FROM signal_firings WHERE rule_id = ? "
                            "ORDER BY session DESC, direction LIMIT ?", [rule_id, shown]))
        found.append(CachedRule(rule_id, kind, symbol, audience, horizon, bool(points),
                                date.fromisoformat(first), date.fromisoformat(through), from_iso(computed), records,
                                lately, firings))
    return found


def _track_record(db: sqlite_utils.Database, rule_id: str, direction: str | None, before: date, last: int,
                  fingerprint: str | None = None) -> TrackRecord | None:
    """The last `last` measured signals of the rule in `direction` whose moves ended before `before`, folded, with
    the baseline beside them; None when the rule (of this fingerprint, when given) or the direction is not cached."""
    rule = db.execute("SELECT horizon, fingerprint, points FROM signal_rules WHERE rule_id = ?",
                      [rule_id]).fetchone()
    base = db.execute("SELECT baseline_hit_rate FROM signal_records WHERE rule_id = ? AND direction = ?",
                      [rule_id, direction or ""]).fetchone()
    if rule is None or base is None or fingerprint not in (None, rule[1]):
        return None
    rows = db.execute("SELECT move, hit FROM signal_firings WHERE rule_id = ? AND direction = ? AND ends < ? "
                      "AND move IS NOT NULL ORDER BY session DESC LIMIT ?",
                      [rule_id, direction or "", before.isoformat(), last]).fetchall()
    count, hits, median = fold([move for move, _ in reversed(rows)], [hit for _, hit in reversed(rows)])
    return TrackRecord(rule[0], count, hits, median, base[0], bool(rule[2]))
