"""The engine live: judged after bars land, catch-up after downtime, subscriptions on quotes, restarts."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from alerts.market.calendar import NEW_YORK, TradingCalendar
from alerts.market.models import DailyBar, Quote
from alerts.rules.loader import default_rules
from bot.jobs.engine import RuleEngine
from storage import outbox, prices, subscriptions
from storage.database import Database
from tests.upstream import NDX, RUT, between, history
from tests.conftest import Clock, publisher
from alerts.payloads import Everyone, Server, Subscriber

RUT_BARS, NDX_BARS = history(RUT), history(NDX)
CALENDAR = TradingCalendar()


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def store(db, symbol, bars):
    fetched = datetime(2025, 12, 12, tzinfo=timezone.utc)
    db.call(prices.store_bars, [DailyBar(symbol, b.date, b.close, "yahoo", fetched, b.open, b.high, b.low, b.volume)
                                for b in bars])



@pytest.fixture
def world(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    clock = Clock(ny(2025, 12, 4, 17, 0))

    publish = publisher(database, clock)

    def jobs():  # a fresh instance is what a restart gives
        return RuleEngine(database=database, rules=default_rules(), calendar=CALENDAR, publish=publish, clock=clock)

    yield database, clock, jobs
    database.close()


def queued(db) -> list[str]:
    return [e.key for e in reversed(db.call(outbox.recent, 100))]


async def test_after_downtime_missed_records_are_judged_in_order_and_announced_once(world):
    db, clock, jobs = world
    store(db, "^RUT", between(RUT_BARS, date(2024, 1, 1), date(2025, 12, 3)))
    store(db, "^NDX", between(NDX_BARS, date(2024, 1, 1), date(2025, 12, 3)))
    clock.now = ny(2025, 12, 3, 17, 0)
    assert await jobs().judge_sessions() == 0  # the first look only sets the states
    # rotobot is down from the 4th to the 11th; the back-fill then stores those sessions
    store(db, "^RUT", between(RUT_BARS, date(2025, 12, 4), date(2025, 12, 11)))
    store(db, "^NDX", between(NDX_BARS, date(2025, 12, 4), date(2025, 12, 11)))
    clock.now = ny(2025, 12, 12, 3, 10)
    assert await jobs().judge_sessions() == 4
    assert queued(db) == [
        "new_high:^RUT:close|^RUT|2025-12-04",
        "new_high:^RUT:close|^RUT|2025-12-10",
        "new_high:^RUT:close|^RUT|2025-12-11",
        "rotation_spread:^RUT/^NDX:20|^RUT/^NDX|2025-12-11",
    ]
    assert await jobs().judge_sessions() == 0  # a restart judges nothing twice


async def test_a_subscription_fires_on_the_crossing_and_is_routed_to_its_subscriber(world):
    db, clock, jobs = world
    store(db, "CFG", [])
    db.call(subscriptions.add, subscriptions.Subscription(guild_id=7, user_id=42, symbol="CFG", kind="above",
                                                          created_at=clock(), threshold=58.0, channel_id=None))
    alert = jobs()
    tick = ny(2025, 12, 11, 11, 0)
    first = Quote("CFG", 57.5, tick, "yahoo", tick, previous_close=57.0)
    crossed = Quote("CFG", 58.3, tick.replace(minute=1), "yahoo", tick, previous_close=57.0)
    still = Quote("CFG", 58.6, tick.replace(minute=2), "yahoo", tick, previous_close=57.0)
    assert await alert.judge_quotes([first]) == 0  # the first observation only sets the side
    assert await alert.judge_quotes([crossed]) == 1
    assert await jobs().judge_quotes([still]) == 0  # still above, after a restart too: no repeat
    (event,) = db.call(outbox.recent, 10)
    assert event.alert.route == Subscriber(guild_id=7, user_id=42, channel_id=None)
    assert "CFG" in event.alert.message and event.alert.value == 58.3 and event.alert.threshold == 58.0


async def test_a_server_with_its_own_spread_lines_gets_its_own_alert_and_not_the_shared_one(world):
    from storage import guild_settings

    db, clock, jobs = world
    store(db, "^RUT", between(RUT_BARS, date(2024, 1, 1), date(2025, 12, 3)))
    store(db, "^NDX", between(NDX_BARS, date(2024, 1, 1), date(2025, 12, 3)))
    db.call(guild_settings.set_value, 77, "upper", 4.0, clock())  # server 77 wants the alert at +4%
    clock.now = ny(2025, 12, 3, 17, 0)
    await jobs().judge_sessions()
    store(db, "^RUT", between(RUT_BARS, date(2025, 12, 4), date(2025, 12, 11)))
    store(db, "^NDX", between(NDX_BARS, date(2025, 12, 4), date(2025, 12, 11)))
    clock.now = ny(2025, 12, 12, 3, 10)
    await jobs().judge_sessions()
    spread = [e for e in db.call(outbox.recent, 20) if e.kind == "rotation_spread"]
    shared = [e.alert for e in spread if "@" not in e.alert.rule_id]
    own = [e.alert for e in spread if e.alert.rule_id.endswith("@77")]
    assert [a.route for a in shared] == [Everyone((77,))]  # the shared +5% alert skips server 77
    assert own and all(a.route == Server(77) and a.line == 4.0 for a in own)


async def test_a_subscription_added_between_polls_is_judged_from_the_next_poll(world):
    db, clock, jobs = world
    alert = jobs()
    tick = ny(2025, 12, 11, 11, 0)
    assert await alert.judge_quotes([Quote("CFG", 57.5, tick, "yahoo", tick, 57.0)]) == 0  # nobody follows CFG
    db.call(subscriptions.add, subscriptions.Subscription(guild_id=7, user_id=42, symbol="CFG", kind="above",
                                                          created_at=clock(), threshold=58.0))
    assert await alert.judge_quotes([Quote("CFG", 57.6, tick.replace(minute=1), "yahoo", tick, 57.0)]) == 0
    assert await alert.judge_quotes([Quote("CFG", 58.4, tick.replace(minute=2), "yahoo", tick, 57.0)]) == 1


async def test_a_servers_lines_that_no_longer_fit_together_leave_it_on_the_shared_rule(world, caplog):
    """Server 77 set lower 4.5 while the shared upper was 6; the operator has since brought it down to 5, so with
    the shared hysteresis of 1 its lines no longer fit together. The close job must neither crash on them every
    day nor go quiet for that server: it hears the shared alerts, and the log says why."""
    from storage import guild_settings

    db, clock, jobs = world
    store(db, "^RUT", between(RUT_BARS, date(2024, 1, 1), date(2025, 12, 3)))
    store(db, "^NDX", between(NDX_BARS, date(2024, 1, 1), date(2025, 12, 3)))
    db.call(guild_settings.set_value, 77, "lower", 4.5, clock())
    clock.now = ny(2025, 12, 3, 17, 0)
    await jobs().judge_sessions()
    store(db, "^RUT", between(RUT_BARS, date(2025, 12, 4), date(2025, 12, 11)))
    store(db, "^NDX", between(NDX_BARS, date(2025, 12, 4), date(2025, 12, 11)))
    clock.now = ny(2025, 12, 12, 3, 10)
    await jobs().judge_sessions()
    spread = [e.alert for e in db.call(outbox.recent, 20) if e.kind == "rotation_spread"]
    assert [a.route for a in spread] == [Everyone()]  # the shared +5% alert, for 77 as for everyone
    assert "server 77's own spread lines" in caplog.text
