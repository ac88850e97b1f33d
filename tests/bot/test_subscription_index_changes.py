"""Review 3: subscription churn against the live engine (RuleEngine over a real SQLite file and the real outbox)."""

from __future__ import annotations

from datetime import timedelta

from alerts.market.models import Quote
from alerts.payloads import Subscriber
from storage import outbox, subscriptions
from storage.subscriptions import Subscription
from tests.bot.test_rule_engine import ny, store, world  # noqa: F401 - the fixture

__all__ = ["world"]


async def test_an_unsubscribe_and_a_settled_ticker_that_cancel_out_in_the_fingerprint_keep_alerting_the_leaver(world):
    """RuleEngine keeps the subscription index in memory and rebuilds it only when subscriptions.fingerprint()
    changes; the fingerprint is sums and maxima (count, total(id), max(id), total(threshold), ...) over the active
    rows. Two people leave CFG (ids 2 and 3, lines 58 and 60) in the same minute that the pending-ticker job
    activates two NEWCO subscriptions (ids 1 and 4, lines 10 and 108): same count, same id sum, same threshold
    sum, same newest row. The fingerprint does not move, the stale index is kept, and the next CFG tick sends
    user 12 - who unsubscribed and was told "Unsubscribed from CFG" - a CFG alert (its state, deleted on unsubscribe,
    is even written back); the two NEWCO subscribers are never judged until something else changes."""
    db, clock, jobs = world
    store(db, "CFG", [])

    def add(user, symbol, threshold, status):
        clock.now += timedelta(seconds=1)
        sub = Subscription(guild_id=7, user_id=user, symbol=symbol, kind="above", created_at=clock(),
                           threshold=threshold, status=status)
        return db.call(subscriptions.add, sub)[0].id

    assert [add(11, "NEWCO", 10.0, "pending"), add(12, "CFG", 58.0, "active"), add(13, "CFG", 60.0, "active"),
            add(14, "NEWCO", 108.0, "pending"), add(15, "CFG", 70.0, "active")] == [1, 2, 3, 4, 5]
    alert = jobs()
    tick = ny(2025, 12, 11, 11, 0)
    assert await alert.judge_quotes([Quote("CFG", 57.5, tick, "yahoo", tick, previous_close=57.0)]) == 0

    assert db.call(subscriptions.remove, 7, 12, "CFG") == 1  # !unsubscribe CFG
    assert db.call(subscriptions.remove, 7, 13, "CFG") == 1
    db.call(subscriptions.settle, [1, 4], True)  # the data job found NEWCO

    crossed = tick + timedelta(minutes=1)
    await alert.judge_quotes([Quote("CFG", 58.3, crossed, "yahoo", crossed, previous_close=57.0)])
    to_leaver = [q.alert.key for q in db.call(outbox.recent, 10) if q.alert.route == Subscriber(7, 12, None)]
    assert to_leaver == [], "an alert was queued for a subscription that no longer exists"


async def test_people_subscribing_among_many_rebuild_only_their_symbols_part_of_the_index(world):
    """With 100,000 subscriptions, reading and indexing every one again at each change took four seconds of each
    poll, and left 400,000 new objects for the garbage collector (python -m bench scale). A change reads only
    the subscriptions that came, and rebuilds the index only for their symbols and the symbols of those that
    went; every other symbol's part is the very object it was."""
    db, clock, jobs = world

    def add(user, symbol, kind, threshold):
        return db.call(subscriptions.add, Subscription(guild_id=7, user_id=user, symbol=symbol, kind=kind,
                                                       created_at=clock(), threshold=threshold))[0].id

    for user, symbol, line in ((1, "CFG", 60.0), (2, "KRE", 80.0), (3, "RF", 30.0)):
        store(db, symbol, [])
        add(user, symbol, "above", line)
    engine = jobs()
    tick = ny(2025, 12, 11, 11, 0)

    def quotes(at, cfg, kre, rf):
        return [Quote("CFG", cfg, at, "yahoo", at, previous_close=58.0),
                Quote("KRE", kre, at, "yahoo", at, previous_close=78.0),
                Quote("RF", rf, at, "yahoo", at, previous_close=29.0)]

    assert await engine.judge_quotes(quotes(tick, 59.0, 79.0, 29.5)) == 0  # each line learns its side
    before = engine._subs.rules.groups
    newcomer = add(4, "KRE", "move", 2.0)
    assert db.call(subscriptions.remove, 7, 3, "RF") == 1

    later = tick + timedelta(minutes=1)
    assert await engine.judge_quotes(quotes(later, 59.5, 80.5, 31.0)) == 2
    assert engine._subs.rules.groups["CFG"] is before["CFG"], "a symbol nobody came to or left was indexed again"
    assert "RF" not in engine._subs.rules.groups and engine._subs.ids == {1, 2, newcomer}
    routes = {q.alert.route for q in db.call(outbox.recent, 10)}
    assert routes == {Subscriber(7, 2, None), Subscriber(7, 4, None)}, "user 3 left; users 2 and 4 are owed theirs"

    restarted = jobs()  # what a restart builds from scratch judges the next tick alike
    assert await restarted.judge_quotes(quotes(later + timedelta(minutes=1), 59.6, 80.6, 31.1)) == 0
    assert sorted(r.id for r in restarted._subs.rules) == sorted(r.id for r in engine._subs.rules)


async def test_a_poll_is_judged_on_a_worker_thread_not_the_event_loop(world, monkeypatch):
    """Judging 100,000 subscriptions takes a fifth of a second: on the event loop that was a stall of every
    poll, with Discord's heartbeat and every command waiting (python -m bench scale)."""
    import threading

    import bot.jobs.engine as engine_module

    db, clock, jobs = world
    judged_on = []
    real = engine_module.evaluate_ticks

    def spy(*args):
        judged_on.append(threading.get_ident())
        return real(*args)

    monkeypatch.setattr(engine_module, "evaluate_ticks", spy)
    store(db, "KRE", [])
    db.call(subscriptions.add, Subscription(guild_id=7, user_id=2, symbol="KRE", kind="move", created_at=clock(),
                                            threshold=2.0))
    tick = ny(2025, 12, 11, 11, 0)
    assert await jobs().judge_quotes([Quote("KRE", 80.5, tick, "yahoo", tick, previous_close=78.0)]) == 1
    assert len(judged_on) == 1 and judged_on[0] != threading.get_ident()


async def test_a_subscription_the_engine_cannot_read_does_not_stop_start_up(world, caplog):
    """prepare() builds at start-up what the first poll would; a stored row no rule can be made of (a line at a
    negative price, stored by an older release) must not stop rotobot from starting, again and again, under its
    service manager. It is said in the log, and the first poll tries again (and says so each time)."""
    db, clock, jobs = world
    db.call(subscriptions.add, Subscription(guild_id=7, user_id=2, symbol="KRE", kind="above", created_at=clock(),
                                            threshold=-5.0))
    engine = jobs()
    await engine.prepare()
    assert engine._subs is None
    assert "could not prepare the subscription index" in caplog.text
