"""The signal cache live: computed after a close over all stored history, read into the next alerts, kept across
restarts, and never in the way of an alert (bot/jobs/records.py, storage/signal_records.py)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timezone

import pytest

from alerts.backtest import backtest, record
from alerts.payloads import Everyone, Server, SpreadAlert, TrendAlert
from alerts.rules.kinds import MaCross
from alerts.rules.loader import default_rules
from alerts.track_record import TrackRecord, alert_track_record
from bot.jobs.engine import RuleEngine
from alerts.watches import Watch, WatchSpec, watch_rule
from bot.jobs.records import SignalRecords
from storage import guild_settings, outbox, prices, signal_records, watches
from storage.database import Database
from tests.bot.test_rule_engine import CALENDAR, NDX_BARS, RUT_BARS, ny, store
from tests.conftest import Clock, publisher
from tests.upstream import between

SPREAD = "rotation_spread:^RUT/^NDX:20"
BEFORE, AFTER = date(2025, 12, 3), date(2025, 12, 11)  # the cache is computed through the 3rd; the spread fires the 11th
FIRST = date(1987, 9, 10)  # the first stored ^RUT session


@pytest.fixture
def world(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    clock = Clock(ny(2025, 12, 3, 17, 0))
    for symbol, bars in (("^RUT", RUT_BARS), ("^NDX", NDX_BARS)):
        store(database, symbol, between(bars, date(1900, 1, 1), BEFORE))
    yield database, clock
    database.close()


def engine(database, clock, rules=None, records=None) -> RuleEngine:
    """A fresh engine, as a restart gives, with the signal cache as the app wires it."""
    return RuleEngine(database=database, rules=rules or default_rules(), calendar=CALENDAR,
                      publish=publisher(database, clock), clock=clock,
                      records=records or SignalRecords(database, clock))


def land_the_week(database, clock) -> None:
    """The sessions of 4 to 11 December stored, as the back-fill after a week away stores them."""
    for symbol, bars in (("^RUT", RUT_BARS), ("^NDX", NDX_BARS)):
        store(database, symbol, between(bars, BEFORE.replace(day=4), AFTER))
    clock.now = ny(2025, 12, 12, 3, 10)


def stored_watches(database, guilds) -> list:
    """One ma_cross watch of ^RUT per server in `guilds` (window 20 + guild), stored as !watch stores it: the
    cache keeps no ledger of a watch that is not (storage/watches.py gone)."""
    made = datetime(2025, 12, 1, tzinfo=timezone.utc)
    return [watch_rule(database.call(watches.add, Watch(guild, 0, WatchSpec("ma_cross", "^RUT", 20 + guild), 9, made),
                                     limit=20).watch) for guild in guilds]


def stored_history(database, symbols):
    return database.call(prices.history_points, symbols)


def cached(database) -> dict:
    return {rule.rule_id: rule for rule in database.call(signal_records.cached_rules, 10, 12)}


async def test_a_spread_alert_after_the_cache_is_filled_carries_the_backtests_record_of_the_signals_before_it(world):
    database, clock = world
    assert await engine(database, clock).judge_sessions() == 0  # the first look sets the states, then the cache
    history = stored_history(database, ["^RUT", "^NDX"])  # through the 3rd: what the cache was computed over
    land_the_week(database, clock)
    assert await engine(database, clock).judge_sessions() == 4
    [spread] = [q.alert for q in database.call(outbox.recent, 10) if q.kind == "rotation_spread"]
    assert isinstance(spread, SpreadAlert) and (spread.session, spread.direction) == (AFTER, "small")

    # The same numbers from a backtest computed here: the rule over all stored history through the 3rd, its last
    # 12 measured rotations into small caps (every one of them before the 11th), and the baseline.
    assert max(points[0].date for points in history.values()) == FIRST  # the ^RUT's first, the joint series'
    result = backtest([default_rules()[1]], history, FIRST, BEFORE, (20,))
    expected = record(result, SPREAD, "small", 20, last=12)
    assert spread.track_record == TrackRecord(20, expected.count, expected.hits, expected.median,
                                              expected.baseline_hit_rate)
    assert (expected.count, expected.hits, round(expected.median, 2), round(expected.baseline_hit_rate, 4)) == (
        12, 1, -2.28, 0.4557)
    assert alert_track_record(spread) == ("the last 12 crossings into small caps: small caps led over the next 20 "
                                          "sessions 1 time, median spread -2.3 pts; any session: 46%")
    # Nothing measured of the 11th itself, nor of any session after the 3rd: the record is of signals before it.
    last_counted = [s for s in result.signals if s.direction == "small"][-1]
    assert last_counted.trigger < "2025-11-04"  # 20 sessions before the 3rd: the last whose move was stored


async def test_the_cache_is_computed_again_only_when_sessions_land_or_the_rule_changes(world, caplog):
    database, clock = world
    caplog.set_level(logging.INFO, logger="bot.jobs.records")
    await engine(database, clock).judge_sessions()
    first = cached(database)
    assert set(first) == {"new_high:^RUT:close", SPREAD} and first[SPREAD].through == BEFORE
    clock.now = ny(2025, 12, 4, 9, 0)
    await engine(database, clock).judge_sessions()  # a restart, nothing new stored: nothing computed
    assert cached(database) == first
    land_the_week(database, clock)
    await engine(database, clock).judge_sessions()
    again = cached(database)
    assert again[SPREAD].through == AFTER and again[SPREAD].computed_at == clock.now
    assert caplog.text.count("computed again") == 2
    # The operator moves the spread's line and keeps its name: the old record is not this rule's
    moved = [default_rules()[0], default_rules(upper=6.0)[1]]
    clock.now = ny(2025, 12, 12, 9, 0)
    await engine(database, clock, rules=moved).judge_sessions()
    assert cached(database)[SPREAD].computed_at == clock.now
    assert cached(database)["new_high:^RUT:close"].computed_at == again["new_high:^RUT:close"].computed_at


async def test_an_alert_whose_rule_changed_since_the_cache_has_no_record_line(world):
    database, clock = world
    await engine(database, clock).judge_sessions()
    land_the_week(database, clock)
    moved = [default_rules(hysteresis=0.5)[1]]  # same id, other parameters: the cached record is not its own
    assert await engine(database, clock, rules=moved).judge_sessions() == 1
    [spread] = [q.alert for q in database.call(outbox.recent, 10)]
    assert spread.track_record is None and alert_track_record(spread) == ""


async def test_a_failure_to_compute_leaves_the_old_cache_logs_and_never_stops_an_alert(world, caplog):
    database, clock = world
    await engine(database, clock).judge_sessions()
    before = cached(database)
    land_the_week(database, clock)
    broken = SignalRecords(database, clock, horizon=10_000)  # no backtest takes it: every compute fails
    assert await engine(database, clock, records=broken).judge_sessions() == 4
    assert "Could not bring the signal cache up to date" in caplog.text
    assert cached(database) == before  # the cache as it was, through the 3rd


async def test_a_cache_that_cannot_be_read_costs_the_alerts_their_line_and_nothing_else(world, caplog):
    database, clock = world
    await engine(database, clock).judge_sessions()
    database.call(lambda d: d.execute("DROP TABLE signal_firings"))
    land_the_week(database, clock)
    assert await engine(database, clock).judge_sessions() == 4
    [spread] = [q.alert for q in database.call(outbox.recent, 10) if q.kind == "rotation_spread"]
    assert spread.track_record is None
    assert "Could not read the signal cache" in caplog.text and "Could not bring the signal cache" in caplog.text


async def test_a_servers_own_spread_rule_has_its_own_record_shown_to_it_alone(world):
    database, clock = world
    database.call(guild_settings.set_value, 77, "upper", 4.0, clock())
    await engine(database, clock).judge_sessions()
    rules = cached(database)
    own = rules[f"{SPREAD}@77"]
    assert own.audience == signal_records.Audience(guild_id=77)
    assert rules[SPREAD].audience == signal_records.Audience(exclude_guilds=(77,))
    assert own.records["small"].count > rules[SPREAD].records["small"].count  # +4% is crossed more often than +5%
    land_the_week(database, clock)
    await engine(database, clock).judge_sessions()
    alerts = [q.alert for q in database.call(outbox.recent, 10) if q.kind == "rotation_spread"]
    mine = [a for a in alerts if a.route == Server(77)]
    shared = [a for a in alerts if a.route == Everyone((77,))]
    assert mine and shared and mine[0].track_record.count == 12
    assert mine[0].track_record != shared[0].track_record
    database.call(guild_settings.reset, 77, "upper")  # the server goes back to the shared lines
    clock.now = ny(2025, 12, 12, 9, 0)
    await engine(database, clock).judge_sessions()
    assert set(cached(database)) == {"new_high:^RUT:close", SPREAD}
    assert cached(database)[SPREAD].audience == signal_records.Audience()


async def test_a_ratio_crossing_its_average_carries_its_record_too(world):
    database, clock = world
    rules = [MaCross("ratio-50", "^RUT/^NDX", 50, 1.0)]
    # First judged on the 2nd, when the ratio is under its average (on the 3rd it is over it, inside the band)
    database.call(lambda d: d.execute("DELETE FROM daily_bars WHERE date = ?", [BEFORE.isoformat()]))
    clock.now = ny(2025, 12, 2, 17, 0)
    await engine(database, clock, rules=rules).judge_sessions()
    history = stored_history(database, ["^RUT", "^NDX"])
    for symbol, bars in (("^RUT", RUT_BARS), ("^NDX", NDX_BARS)):
        store(database, symbol, between(bars, BEFORE, BEFORE))
    land_the_week(database, clock)
    assert await engine(database, clock, rules=rules).judge_sessions() == 1
    [cross] = [q.alert for q in database.call(outbox.recent, 10)]
    assert isinstance(cross, TrendAlert) and (cross.session, cross.direction) == (date(2025, 12, 4), "above")
    expected = record(backtest(rules, history, FIRST, date(2025, 12, 2), (20,)), "ratio-50", "above", 20, last=12)
    assert cross.track_record == TrackRecord(20, *(getattr(expected, k) for k in ("count", "hits", "median",
                                                                                   "baseline_hit_rate")))
    assert alert_track_record(cross) == ("the last 12 crossings above its average: small caps led over the next 20 "
                                         "sessions 2 times, median spread -1.3 pts; any session: 46%")


async def test_a_record_never_counts_the_alerts_own_session_even_when_the_cache_already_measured_it(world):
    """A cache computed while the week's bars were already stored (a job landing bars between the engine's look and
    the next): with a 5-session horizon the replay's own crossing of the 4th is measured there, and the alert of
    the 4th must still count only the crossings before it."""
    database, clock = world
    rules = [MaCross("ratio-50", "^RUT/^NDX", 50, 1.0)]
    records = SignalRecords(database, clock, horizon=5, last=1)  # the record is then one signal: which one shows
    database.call(lambda d: d.execute("DELETE FROM daily_bars WHERE date = ?", [BEFORE.isoformat()]))
    clock.now = ny(2025, 12, 2, 17, 0)
    await engine(database, clock, rules=rules, records=records).judge_sessions()
    for symbol, bars in (("^RUT", RUT_BARS), ("^NDX", NDX_BARS)):
        store(database, symbol, between(bars, BEFORE, BEFORE))
    land_the_week(database, clock)
    history = stored_history(database, ["^RUT", "^NDX"])
    assert await records.refresh(rules, {}, history) == 1  # through the 11th, before the engine judges the week
    own = [f for f in cached(database)["ratio-50"].firings if f.session == date(2025, 12, 4)]
    assert own and own[0].move is not None  # the cache knows what followed the 4th ...
    assert await engine(database, clock, rules=rules, records=records).judge_sessions() == 1
    [cross] = [q.alert for q in database.call(outbox.recent, 10)]
    result = backtest(rules, history, FIRST, AFTER, (5,))
    moves = result.moves[(result.moves["direction"] == "above") & result.moves["move"].notna()]
    [previous] = [result.signals[i] for i in moves["signal"] if result.signals[i].trigger < "2025-12-04"][-1:]
    assert previous.trigger == "2025-08-21"  # the crossing above before the 4th
    expected = float(moves[moves["signal"] == result.signals.index(previous)]["move"].iloc[0])
    assert (cross.track_record.count, cross.track_record.median) == (1, expected)  # ... but the alert counts not it
    assert expected != own[0].move


async def test_servers_that_chose_the_same_lines_each_get_the_one_ledger_under_their_own_rule(world):
    database, clock = world
    for guild in (77, 78):
        database.call(guild_settings.set_value, guild, "upper", 4.0, clock())
    await engine(database, clock).judge_sessions()
    rules = cached(database)
    alpha, bravo = rules[f"{SPREAD}@77"], rules[f"{SPREAD}@78"]
    assert (alpha.audience.guild_id, bravo.audience.guild_id) == (77, 78)
    assert (alpha.records, alpha.firings) == (bravo.records, bravo.firings)
    assert alpha.records != rules[SPREAD].records


async def test_a_refresh_from_history_read_earlier_never_takes_the_cache_back(world):
    """Two jobs land bars close together: the one that read its history first may refresh second."""
    database, clock = world
    records, rules = SignalRecords(database, clock), default_rules()
    older = stored_history(database, ["^RUT", "^NDX"])
    land_the_week(database, clock)
    assert await records.refresh(rules, {}, stored_history(database, ["^RUT", "^NDX"])) == 2
    assert await records.refresh(rules, {}, older) == 0
    assert {rule.through for rule in cached(database).values()} == {AFTER}


async def test_one_close_computes_at_most_the_budget_and_the_rules_left_over_get_their_turn_next(world):
    """Thousands of watches would cost a replay of 40 years each after every close: the cache computes at most its
    budget, shared rules first, then whatever was computed longest ago, so a rule left over is computed next time
    even though every rule has a new session by then."""
    database, clock = world
    rules = [*default_rules(), *stored_watches(database, range(1, 6))]
    routes = {rule.id: Server(int(rule.id.split(":")[1])) for rule in rules[len(default_rules()):]}
    records = SignalRecords(database, clock, budget=5)
    assert await records.refresh(rules, routes, stored_history(database, ["^RUT", "^NDX"])) == 5
    first = set(cached(database))
    assert {r.id for r in default_rules()} <= first  # the shared rules' turn comes first
    land_the_week(database, clock)
    assert await records.refresh(rules, routes, stored_history(database, ["^RUT", "^NDX"])) == 5
    assert set(cached(database)) == {r.id for r in rules}  # the two left over came before the watches done already
