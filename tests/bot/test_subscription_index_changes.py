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
