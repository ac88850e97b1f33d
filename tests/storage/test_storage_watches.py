"""storage.watches on a real SQLite file: numbers per server never reused, the limit, removal with its state, and
nothing of another server touched."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from alerts.payloads import Server, TrendAlert
from alerts.watches import MAX_PER_SERVER, Watch, WatchSpec, watch_rule_id
from storage import outbox, retention, rule_state, watches

NOW = datetime(2025, 12, 11, 21, 5, tzinfo=timezone.utc)


def watch(guild: int, sessions: int = 50, status: str = "active") -> Watch:
    return Watch(guild, 0, WatchSpec("ma_cross", "^RUT", sessions), created_by=9, created_at=NOW, channel_id=555,
                 status=status)


def numbers(db, guild: int) -> list[int]:
    return [w.number for w in db.call(watches.for_guild, guild)]


def test_numbers_count_per_server_and_are_never_handed_out_again(db):
    assert [db.call(watches.add, watch(7, n), limit=20).watch.number for n in (10, 20, 30)] == [1, 2, 3]
    assert db.call(watches.add, watch(8, 10), limit=20).watch.number == 1  # server 8 counts on its own
    db.call(watches.remove, 7, 3)  # the newest: its number must still not come back
    db.call(watches.remove, 7, 1)
    assert db.call(watches.add, watch(7, 40), limit=20).watch.number == 4
    assert numbers(db, 7) == [2, 4] and numbers(db, 8) == [1]


def test_the_same_watch_twice_is_the_one_already_there(db):
    first = db.call(watches.add, watch(7), limit=20)
    again = db.call(watches.add, watch(7), limit=20)
    assert (first.outcome, again.outcome, again.watch.number, again.count) == ("added", "exists", 1, 1)
    assert db.call(watches.add, watch(8), limit=20).outcome == "added"  # the same watch in another server is its own


def test_a_full_server_gets_no_more_and_its_counter_does_not_move(db):
    for n in range(MAX_PER_SERVER):
        assert db.call(watches.add, watch(7, 10 + n), limit=MAX_PER_SERVER).outcome == "added"
    full = db.call(watches.add, watch(7, 99), limit=MAX_PER_SERVER)
    assert (full.outcome, full.watch, full.count) == ("full", None, MAX_PER_SERVER)
    db.call(watches.remove, 7, 5)
    assert db.call(watches.add, watch(7, 99), limit=MAX_PER_SERVER).watch.number == MAX_PER_SERVER + 1


def test_removing_a_watch_takes_its_state_and_nothing_of_another_watch_or_server(db):
    for guild in (7, 8):
        db.call(watches.add, watch(guild, 50), limit=20)
        db.call(watches.add, watch(guild, 200), limit=20)
    for rule_id in ("watch:7:1", "watch:7:2", "watch:8:1", "watch:8:2", "rotation"):
        db.call(rule_state.save_state, rule_id, "*", {"side": "above"}, NOW)
    assert db.call(watches.remove, 7, 1).spec.sessions == 50
    assert db.call(watches.remove, 7, 1) is None  # gone already
    assert db.call(watches.remove, 9, 2) is None  # server 9 has no watch 2, whoever else does
    left = db.call(lambda d: sorted(r["rule_id"] for r in d["rule_state"].rows))
    assert left == ["rotation", "watch:7:2", "watch:8:1", "watch:8:2"]
    assert numbers(db, 8) == [1, 2]


def test_settling_a_lookup_touches_only_pending_watches(db):
    pending = db.call(watches.add, watch(7, 50, "pending"), limit=20).watch
    doomed = db.call(watches.add, watch(7, 60, "pending"), limit=20).watch
    live = db.call(watches.add, watch(7, 70), limit=20).watch
    db.call(watches.settle, activate=[(7, pending.number)], drop=[(7, doomed.number), (7, live.number)])
    assert [(w.number, w.status) for w in db.call(watches.for_guild, 7)] == [(1, "active"), (3, "active")]


def _alert(rule_id: str) -> TrendAlert:
    return TrendAlert(key=f"{rule_id}|^RUT|2025-12-11", message="Watch: ^RUT crosses", occurred_at=NOW,
                      route=Server(7), rule_kind="ma_cross", rule_id=rule_id, symbol="^RUT",
                      session=NOW.date(), direction="above", value=2590.61, threshold=2400.0, sessions=50)


def test_an_alert_and_state_of_a_watch_removed_since_it_was_judged_are_not_committed(db):
    """!unwatch lands between the engine judging a close and its commit: that server hears nothing more of it."""
    kept = db.call(watches.add, watch(7, 50), limit=20).watch
    left = db.call(watches.add, watch(7, 60), limit=20).watch
    db.call(watches.remove, 7, left.number)
    alerts = [_alert(kept.rule_id), _alert(left.rule_id)]
    states = [(kept.rule_id, "*", {"side": "above"}), (left.rule_id, "*", {"side": "above"})]
    assert db.call(outbox.commit, alerts, NOW, states) == [alerts[0].key]
    assert db.call(rule_state.load_state, left.rule_id, "*") is None
    assert db.call(rule_state.load_state, kept.rule_id, "*") == {"side": "above"}


def test_the_prune_forgets_a_watch_state_left_behind_and_keeps_the_live_ones(db):
    db.call(watches.add, watch(7, 50), limit=20)
    db.call(rule_state.save_state, watch_rule_id(7, 1), "*", {"side": "above"}, NOW)
    db.call(rule_state.save_state, watch_rule_id(7, 2), "*", {"side": "below"}, NOW)  # its watch never stored
    report = db.call(retention.prune, NOW + timedelta(days=1), 30)
    assert report.states == 1
    assert db.call(rule_state.load_state, "watch:7:1", "*") == {"side": "above"}
    assert db.call(rule_state.load_state, "watch:7:2", "*") is None
