"""Every server's watches, judged by the real RuleEngine at each close like the configured rules, on real ^RUT and
^NDX history and a simulated clock: each alert named after its watch and routed to its own server only, never lost
nor doubled across a failed commit, and never for a watch removed meanwhile."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from alerts.market.calendar import NEW_YORK, TradingCalendar
from alerts.market.models import DailyBar
from alerts.payloads import Everyone, Server
from alerts.rules.loader import default_rules
from alerts.watch_grammar import parse_watch
from alerts.watches import Watch
from bot.jobs.engine import RuleEngine
from storage import outbox, prices, rule_state, watches
from storage.database import Database
from tests.bot.test_store_and_queue_together import allow_alerts, refuse_next_alert
from tests.conftest import Clock, publisher
from tests.upstream import NDX, RUT, between, history

RUT_BARS, NDX_BARS = history(RUT), history(NDX)
CALENDAR = TradingCalendar()
ALPHA, BRAVO = 1001, 2002  # two servers


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def store(db, first: date, last: date) -> None:
    fetched = datetime(2025, 12, 12, tzinfo=timezone.utc)
    for symbol, bars in (("^RUT", RUT_BARS), ("^NDX", NDX_BARS)):
        db.call(prices.store_bars, [DailyBar(symbol, b.date, b.close, "yahoo", fetched, b.open, b.high, b.low,
                                             b.volume) for b in between(bars, first, last)])


def add(db, guild: int, text: str, status: str = "active") -> Watch:
    made = Watch(guild, 0, parse_watch(text.split()), created_by=5, created_at=ny(2025, 12, 1, 12, 0),
                 channel_id=555, status=status)
    return db.call(watches.add, made, limit=20).watch


@pytest.fixture
def world(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    clock = Clock(ny(2025, 12, 3, 17, 0))
    store(database, date(2024, 1, 1), date(2025, 12, 3))

    def engine(publish=None, rules=None):  # a fresh instance is what a restart gives
        return RuleEngine(database=database, rules=default_rules() if rules is None else rules, calendar=CALENDAR,
                          publish=publish or publisher(database, clock), clock=clock)

    yield database, clock, engine
    database.close()


def queued(db) -> dict[str, object]:
    return {q.key: q.alert for q in reversed(db.call(outbox.recent, 100))}


async def catch_up(database, clock, engine) -> int:
    """rotobot was away from the 4th to the 11th; the back-fill stores those sessions and the engine judges them."""
    store(database, date(2025, 12, 4), date(2025, 12, 11))
    clock.now = ny(2025, 12, 12, 3, 10)
    return await engine.judge_sessions()


async def test_each_servers_watches_fire_to_that_server_alone_named_after_the_watch(world):
    database, clock, engine = world
    add(database, ALPHA, "^RUT/^NDX spread 20 above 5")  # Alpha's #1
    add(database, ALPHA, "^RUT move 14 12%")  # Alpha's #2
    add(database, BRAVO, "^RUT move 14 12%")  # Bravo's #1: the same watch, Bravo's own
    assert await engine().judge_sessions() == 0  # the first look only learns where each stands
    assert database.call(rule_state.load_state, "watch:1001:1", "*")["small_armed"] is True
    await catch_up(database, clock, engine())
    alerts = queued(database)
    mine = {key: alert for key, alert in alerts.items() if key.startswith("watch:")}
    assert {key: alert.route for key, alert in mine.items()} == {
        "watch:1001:1|^RUT/^NDX|2025-12-11": Server(ALPHA),
        "watch:1001:2|^RUT|2025-12-11": Server(ALPHA),
        "watch:2002:1|^RUT|2025-12-11": Server(BRAVO),
    }
    assert mine["watch:1001:1|^RUT/^NDX|2025-12-11"].message.startswith(
        "Watch #1 ^RUT/^NDX spread 20 above 5: ^RUT/^NDX 20-session spread +")
    assert mine["watch:1001:1|^RUT/^NDX|2025-12-11"].message.endswith("crossed +5.00%: ^RUT leads ^NDX")
    assert mine["watch:2002:1|^RUT|2025-12-11"].message.startswith(
        "Watch #1 ^RUT move 14 12%: Russell 2000 (^RUT) up 12.39% over 14 sessions")
    # The configured rules are untouched by the watches: the shared spread alert still goes to everyone.
    assert alerts["rotation_spread:^RUT/^NDX:20|^RUT/^NDX|2025-12-11"].route == Everyone()
    assert await engine().judge_sessions() == 0  # a restart judges nothing twice


async def test_a_commit_that_fails_loses_no_watch_alert_and_the_next_run_queues_it_once(world):
    database, clock, engine = world
    watch = add(database, ALPHA, "^RUT move 14 12%")
    await engine(rules=[]).judge_sessions()
    before = database.call(rule_state.load_state, watch.rule_id, "*")
    store(database, date(2025, 12, 4), date(2025, 12, 11))
    clock.now = ny(2025, 12, 12, 3, 10)
    database.call(refuse_next_alert)
    with pytest.raises(Exception, match="disk I/O error"):
        await engine(rules=[]).judge_sessions()
    assert database.call(rule_state.load_state, watch.rule_id, "*") == before  # nothing half done
    assert queued(database) == {}
    database.call(allow_alerts)
    assert await engine(rules=[]).judge_sessions() == 1
    assert await engine(rules=[]).judge_sessions() == 0
    assert list(queued(database)) == ["watch:1001:1|^RUT|2025-12-11"]


async def test_a_watch_removed_between_judging_and_the_commit_says_nothing_more(world):
    database, clock, engine = world
    kept = add(database, ALPHA, "^RUT move 14 12%")
    gone = add(database, BRAVO, "^RUT move 14 12%")
    await engine(rules=[]).judge_sessions()
    real = publisher(database, clock)

    async def unwatch_first(alerts, states=(), also=None):  # !unwatch lands while the engine judges
        database.call(watches.remove, BRAVO, gone.number)
        return await real(alerts, states, also)

    assert await catch_up(database, clock, engine(publish=unwatch_first, rules=[])) == 1
    assert list(queued(database)) == [f"{kept.rule_id}|^RUT|2025-12-11"]
    assert database.call(rule_state.load_state, gone.rule_id, "*") is None  # its state was not written back


async def test_a_pending_watch_is_not_judged_and_a_broken_one_stops_no_other(world, caplog):
    database, clock, engine = world
    add(database, ALPHA, "^RUT move 14 12%", status="pending")
    good = add(database, BRAVO, "^RUT move 14 12%")
    # A row no rule can be made of (written by hand, or by a version whose checks were looser): logged, skipped.
    database.call(lambda d: d.execute(
        "INSERT INTO watches (guild_id, number, kind, symbol, sessions, band, spec, created_by, created_at) "
        "VALUES (3003, 1, 'ma_cross', '^RUT', 1, 0.0, '^RUT ma 1', 5, '2025-12-01T17:00:00+00:00')"))
    await engine(rules=[]).judge_sessions()
    assert await catch_up(database, clock, engine(rules=[])) == 1
    assert list(queued(database)) == [f"{good.rule_id}|^RUT|2025-12-11"]
    assert database.call(rule_state.load_state, "watch:1001:1", "*") is None
    assert "Watch #1 ^RUT ma 1 is not a rule rotobot can judge" in caplog.text
