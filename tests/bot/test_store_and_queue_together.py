"""A change of state and the alert it owes commit together, or not at all (issue 10, items 1 and 2).

The failure is a real one: a SQLite trigger makes the outbox refuse one insert, as a full disk or a crash between
two writes would, and the test checks that nothing was half done: the next run still owes, and sends, the alert.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from alerts.market.calendar import NEW_YORK, TradingCalendar
from alerts.market.models import Quote
from alerts.market.providers import StooqProvider, YahooProvider
from alerts.market.source_client import RetryPolicy, SourceClient
from alerts.payloads import Subscriber, SubscriptionAlert
from alerts.rules.loader import default_rules
from bot.jobs.engine import RuleEngine
from bot.jobs.fomc import FomcJobs
from bot.jobs.pending import confirm_pending
from bot.jobs.seed import seed_fomc_if_empty
from bot.pipeline import build_market
from bot.settings.sections import MarketSettings
from storage import fomc, outbox, rule_state, subscriptions
from storage.database import Database
from storage.subscriptions import Subscription
from tests.conftest import Clock, no_sleep, publisher
from tests.upstream import RUT, FakeUpstream, between, history, ok_json, yahoo_daily

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "fomc"
FEED = (FIXTURES / "press_monetary_trimmed_capture_2026-08-15.xml").read_text().replace(
    "monetary20260729a.htm", "monetary20251210a.htm").replace(
    "Wed, 29 Jul 2026 18:00:00 GMT", "Wed, 10 Dec 2025 19:00:00 GMT")
STATEMENT = (FIXTURES / "monetary20251210a_article_excerpt.htm").read_text()
CALENDAR = TradingCalendar()


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def refuse_next_alert(db) -> None:
    """The outbox refuses its next insert (as a full disk would); the trigger removes itself when it fires."""
    db.execute("CREATE TABLE IF NOT EXISTS refusals (n INTEGER)")
    db.execute("INSERT INTO refusals VALUES (1)")
    db.execute(
        "CREATE TRIGGER refuse_alert BEFORE INSERT ON outbox WHEN (SELECT count(*) FROM refusals) > 0 "
        "BEGIN SELECT RAISE(ABORT, 'disk I/O error (simulated)'); END"
    )


def allow_alerts(db) -> None:
    db.execute("DROP TRIGGER IF EXISTS refuse_alert")
    db.execute("DELETE FROM refusals")


# --- item 1: the FOMC decision and the pending-ticker answers ------------------------------------------------------


class FakeFed:
    def __init__(self) -> None:
        app = web.Application()
        app.router.add_get("/feeds/press_monetary.xml", self._feed)
        app.router.add_get("/newsevents/pressreleases/monetary20251210a.htm", self._statement)
        self.server = TestServer(app, host="127.0.0.1")

    async def _feed(self, request):
        return web.Response(text=FEED, content_type="application/xml")

    async def _statement(self, request):
        return web.Response(text=STATEMENT, content_type="text/html")


@pytest.fixture
async def fed(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    await seed_fomc_if_empty(database, datetime(2025, 12, 1, tzinfo=timezone.utc))
    site = FakeFed()
    await site.server.start_server()
    clock = Clock(ny(2025, 12, 10, 14, 0, 30))

    async def notify(key, text):
        return None

    async with aiohttp.ClientSession() as session:
        quick = RetryPolicy(attempts=1)
        base = str(site.server.make_url("")).rstrip("/")
        jobs = FomcJobs(
            database=database, fed=SourceClient("fed", session, retry=quick, sleep=no_sleep),
            fred=SourceClient("fred", session, retry=quick, sleep=no_sleep), fed_url=base, fred_url=base,
            remind_hours=(24.0, 1.0), publish=publisher(database, clock), notify=notify, clock=clock,
        )
        yield database, jobs, clock
    await site.server.close()
    database.close()


async def test_a_decision_whose_alert_could_not_be_queued_is_announced_by_the_next_poll(fed):
    database, jobs, clock = fed
    database.call(refuse_next_alert)
    with pytest.raises(Exception, match="disk I/O error"):
        await jobs.poll_window()
    # Nothing half done: the decision is not stored as known without its alert.
    assert database.call(outbox.recent, 10) == []
    database.call(allow_alerts)
    clock.now += timedelta(seconds=30)
    assert await jobs.poll_window() == 1
    (event,) = database.call(outbox.recent, 10)
    assert event.key == "fomc_decision|2025-12-10"
    assert database.call(fomc.decisions, 1)[0].date == date(2025, 12, 10)


@pytest.fixture
async def market(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    async with FakeUpstream() as upstream, aiohttp.ClientSession() as session:
        quick = RetryPolicy(attempts=1, base_delay=0.0)
        data = [YahooProvider(SourceClient("yahoo", session, retry=quick, sleep=no_sleep), upstream.url),
                StooqProvider(SourceClient("stooq", session, retry=quick, sleep=no_sleep), upstream.url)]
        clock = Clock(ny(2025, 12, 12, 10, 0))

        async def needed():
            return []

        async def notify(notice):
            return None

        jobs = build_market(database, data, CALENDAR, symbols=needed, notify=notify, clock=clock,
                            limits=MarketSettings()).jobs
        yield database, upstream, jobs, clock
    database.close()


async def test_pending_subscribers_are_told_even_when_the_first_try_to_queue_failed(market):
    database, upstream, jobs, clock = market
    database.call(subscriptions.add, subscriptions.Subscription(1, 42, "ROAD", "move", clock(), 3.0, None,
                                                                status="pending"))
    upstream.script("yahoo", "ROAD", ok_json(yahoo_daily("ROAD", between(history(RUT), date(2025, 12, 1),
                                                                         date(2025, 12, 11)))))
    publish = publisher(database, clock)
    database.call(refuse_next_alert)
    with pytest.raises(Exception, match="disk I/O error"):
        await confirm_pending(database, jobs, publish, clock)
    database.call(allow_alerts)
    upstream.script("yahoo", "ROAD", ok_json(yahoo_daily("ROAD", between(history(RUT), date(2025, 12, 1),
                                                                         date(2025, 12, 11)))))
    assert await confirm_pending(database, jobs, publish, clock) == 1
    (event,) = database.call(outbox.recent, 10)
    assert "ROAD found" in event.alert.message and event.alert.route.user_id == 42


# --- item 2: subscription ids are never reused, and a colliding key is never silently dropped ----------------------


@pytest.fixture
def engine(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    clock = Clock(ny(2025, 12, 11, 11, 0))
    jobs = RuleEngine(database=database, rules=default_rules(), calendar=CALENDAR,
                     publish=publisher(database, clock), clock=clock)
    yield database, jobs, clock
    database.close()


def quote(price: float, minute: int) -> Quote:
    at = ny(2025, 12, 11, 11, minute)
    return Quote("CFG", price, at, "yahoo", at, previous_close=57.0)


async def test_a_new_subscriber_never_inherits_an_old_subscription_id_or_its_state(engine):
    database, jobs, clock = engine
    first, _ = database.call(subscriptions.add, subscriptions.Subscription(7, 41, "CFG", "above", clock(), 58.0))
    assert await jobs.judge_quotes([quote(57.5, 0)]) == 0
    assert await jobs.judge_quotes([quote(58.3, 1)]) == 1  # user 41 hears of the crossing
    assert database.call(subscriptions.remove, 7, 41, "CFG") == 1
    assert database.call(rule_state.load_state, f"sub:{first.id}", "*") is None  # its state left with it

    second, _ = database.call(subscriptions.add, subscriptions.Subscription(7, 42, "CFG", "above", clock(), 58.0))
    assert second.id != first.id
    assert await jobs.judge_quotes([quote(57.4, 2)]) == 0  # user 42's first look only learns the side
    assert await jobs.judge_quotes([quote(58.4, 3)]) == 1  # and 42 hears of the same day's next crossing
    latest = database.call(outbox.recent, 1)[0]
    assert latest.alert.route.user_id == 42


async def test_ids_are_not_reused_even_after_the_newest_subscription_is_removed(engine):
    database, _, clock = engine
    made = [database.call(subscriptions.add, subscriptions.Subscription(7, user, "CFG", "move", clock(), 3.0))[0]
            for user in (1, 2, 3)]
    database.call(subscriptions.remove, 7, 3, "CFG")
    again, _ = database.call(subscriptions.add, subscriptions.Subscription(7, 4, "CFG", "move", clock(), 3.0))
    assert again.id > max(s.id for s in made)


def test_a_key_that_collides_with_a_different_alert_is_an_error_and_not_dropped(tmp_path, caplog):
    database = Database.open(tmp_path / "rotobot.db")
    now = datetime(2025, 12, 11, 16, 5, tzinfo=timezone.utc)
    mine = SubscriptionAlert(key="sub:1|CFG|2025-12-11:above:58", message="CFG at 58.30", occurred_at=now,
                             route=Subscriber(7, 41), rule_kind="above", rule_id="sub:1", symbol="CFG",
                             trigger="2025-12-11:above:58", direction="above", value=58.3, threshold=58.0)
    theirs = replace(mine, route=Subscriber(7, 42))
    database.call(subscriptions.add, Subscription(guild_id=7, user_id=41, symbol="CFG", kind="above", created_at=now,
                                                  threshold=58.0))  # sub:1, whose alerts these are
    assert database.call(outbox.commit, [mine], now)
    with caplog.at_level(logging.ERROR):
        database.call(outbox.commit, [theirs], now)
    assert any("sub:1|CFG|2025-12-11:above:58" in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
    routed = sorted(e.alert.route.user_id for e in database.call(outbox.recent, 10))
    assert routed == [41, 42]  # both alerts are owed: the second was queued under a key of its own
    # The very same alert again is a repeat, not a collision: nothing new, no error.
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        database.call(outbox.commit, [replace(mine, message="CFG at 58.31", value=58.31)], now)
    assert len(database.call(outbox.recent, 10)) == 2 and not [r for r in caplog.records if r.levelno >= logging.ERROR]
    database.close()


def test_an_alert_of_a_subscription_removed_since_it_was_judged_is_not_queued_nor_its_state_written(tmp_path):
    """!unsubscribe lands between the engine judging a tick and its commit: the leaver is told nothing more."""
    database = Database.open(tmp_path / "rotobot.db")
    now = datetime(2025, 12, 11, 16, 5, tzinfo=timezone.utc)
    (kept, _), (left, _) = [database.call(subscriptions.add, Subscription(
        guild_id=7, user_id=user, symbol="CFG", kind="above", created_at=now, threshold=58.0)) for user in (41, 42)]
    alerts = [SubscriptionAlert(key=f"sub:{s.id}|CFG|2025-12-11:above:58", message="CFG at 58.30", occurred_at=now,
                                route=Subscriber(7, s.user_id), rule_kind="above", rule_id=f"sub:{s.id}", symbol="CFG",
                                trigger="2025-12-11:above:58", direction="above", value=58.3, threshold=58.0)
              for s in (kept, left)]
    database.call(subscriptions.remove, 7, 42, "CFG")
    states = [(f"sub:{s.id}", "CFG", {"armed": False}) for s in (kept, left)]
    assert database.call(outbox.commit, alerts, now, states) == [alerts[0].key]
    assert database.call(rule_state.load_state, f"sub:{left.id}", "CFG") is None
    assert database.call(rule_state.load_state, f"sub:{kept.id}", "CFG") == {"armed": False}
    database.close()
