"""evaluate_ticks, the poll over many subscriptions, says exactly what evaluate_tick says for each one."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.market.calendar import NEW_YORK
from alerts.rules.batch import RuleSet
from alerts.rules.engine import evaluate_tick, evaluate_ticks
from alerts.rules.lines import REARM_BAND_PCT
from alerts.rules.model import (Above, Below, High52w, Low52w, Move, NewHigh, Point, RotationSpread,
                                Tick)
from alerts.rules.ticks import apply_for
from tests.rules.rulekit import weekdays

TODAY = date(2025, 12, 11)
NOW = datetime(2025, 12, 11, 11, 0, tzinfo=NEW_YORK)
UNDER, OVER = 1 - REARM_BAND_PCT / 100, 1 + REARM_BAND_PCT / 100  # lines whose re-arm edge is near the tick


def world(rng: random.Random, symbols: int = 30, rules: int = 1_500):
    """Symbols with and without history and ticks, rules of every kind with states of every shape, and lines
    placed on the tick, on the re-arm band's edge and around them."""
    names = [f"S{i:02d}" for i in range(symbols)]
    days = [day for day in weekdays(date(2024, 10, 1), 320) if day < TODAY]
    history, ticks = {}, {}
    for name in names:
        if rng.random() < 0.1:
            continue  # no history at all
        price, points = rng.uniform(20, 200), []
        for day in days[-rng.randint(1, len(days)):]:
            price = round(price * (1 + rng.gauss(0, 0.02)), 2)
            points.append(Point(day, price, round(price * 1.01, 2) if rng.random() < 0.9 else None))
        history[name] = points
    for name in names:
        if rng.random() < 0.1:
            continue  # no tick this poll
        last = history[name][-1].close if name in history else 100.0
        move = rng.choice([0.0, rng.gauss(0, 0.03), 0.2, -0.2])
        previous = None if rng.random() < 0.1 else last
        ticks[name] = Tick(name, round(last * (1 + move), 2), NOW, TODAY, previous)
        if rng.random() < 0.15:  # a move of exactly ±3.125% (66 or 62 on 64), the edge of a 3.125% rule
            ticks[name] = Tick(name, rng.choice([66.0, 62.0]), NOW, TODAY, 64.0)

    def line(symbol: str) -> float:
        price = ticks[symbol].price if symbol in ticks else 100.0
        return rng.choice([price, price / UNDER, price / OVER, price * 1.001, price * 0.999,
                           price * rng.uniform(0.8, 1.2)])

    def state(kind: str):
        today, yesterday = TODAY.isoformat(), (TODAY - timedelta(days=1)).isoformat()
        fired_at = (NOW - timedelta(minutes=rng.choice([5, 90, 3000]))).isoformat()
        shapes = {
            "line": [{"armed": True}, {"armed": False}, {"armed": False, "fired_session": today, "fired_at": fired_at},
                     {"armed": True, "fired_session": yesterday, "fired_at": fired_at, "last_session": yesterday}],
            "move": [{"up": today, "fired_at": fired_at}, {"down": yesterday, "fired_at": fired_at}],
            "extreme": [{"fired_session": today}, {"fired_session": yesterday, "last_session": yesterday}],
        }[kind]
        return rng.choice([None, {}, *shapes, *shapes])

    made, states = [], {}
    for n in range(rules):
        symbol, rid = rng.choice(names), f"r{n}"
        pick = rng.randrange(8)
        if pick == 0:
            rule, kind = Above(rid, symbol, line(symbol), rng.choice([0, 60, 3600])), "line"
        elif pick == 1:
            rule, kind = Below(rid, symbol, line(symbol), rng.choice([0, 60, 3600])), "line"
        elif pick == 2:
            rule, kind = Move(rid, symbol, rng.choice([0.5, 2.0, 3.0, 3.125, 20.0]), rng.choice([0, 3600])), "move"
        elif pick == 3:
            rule, kind = High52w(rid, symbol), "extreme"
        elif pick == 4:
            rule, kind = Low52w(rid, symbol), "extreme"
        elif pick == 5:
            rule, kind = NewHigh(rid, symbol, "intraday"), "extreme"
        elif pick == 6:
            rule, kind = NewHigh(rid, symbol, "close"), "extreme"  # judged on closes: passed over
        else:
            rule, kind = RotationSpread(rid, symbol, "^NDX" if symbol != "^NDX" else "^RUT"), "extreme"
        made.append(rule)
        found = state(kind)
        if found is not None:
            states[rid] = found
    return made, states, ticks, history


def one_by_one(rules, states, ticks, history):
    changed, signals = {}, []
    for rule in rules:
        if apply_for(rule) is None or rule.symbol not in ticks:
            continue
        old = states.get(rule.id)
        new, fired = evaluate_tick(rule, old, ticks[rule.symbol], history)
        if new != (old or {}):  # a missing state is the empty state
            changed[rule.id] = new
        signals += fired
    return changed, signals


@pytest.mark.parametrize("seed", range(8))
def test_a_poll_equals_judging_each_subscription_alone(seed):
    rules, states, ticks, history = world(random.Random(seed))
    expected = one_by_one(rules, states, ticks, history)
    assert expected[1], "the sample should make some alerts"
    assert evaluate_ticks(rules, states, ticks, history) == expected
    assert evaluate_ticks(RuleSet(rules), states, ticks, history) == expected


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32))
def test_a_poll_equals_judging_each_subscription_alone_on_small_worlds(seed):
    rules, states, ticks, history = world(random.Random(seed), symbols=4, rules=40)
    expected = one_by_one(rules, states, ticks, history)
    assert evaluate_ticks(rules, states, ticks, history) == expected
    assert evaluate_ticks(RuleSet(rules), states, ticks, history) == expected


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32))
def test_one_rule_set_polled_again_and_again_as_prices_move_equals_judging_each_alone(seed):
    # The index is built once and polled often: each poll's prices cut its lines differently.
    rng = random.Random(seed)
    rules, states, ticks, history = world(rng, symbols=4, rules=120)
    rule_set = RuleSet(rules)
    for minute in range(6):
        ticks = {symbol: Tick(symbol, round(t.price * (1 + rng.gauss(0, 0.004)), 2), NOW + timedelta(minutes=minute),
                              TODAY, t.previous_close) for symbol, t in ticks.items()}
        expected = one_by_one(rules, states, ticks, history)
        assert evaluate_ticks(rule_set, states, ticks, history) == expected
        states = {**states, **expected[0]}


def test_a_quiet_poll_changes_nothing():
    rules, states, ticks, history = world(random.Random(1))
    changed, _ = evaluate_ticks(rules, states, ticks, history)
    settled = {**states, **changed}
    assert evaluate_ticks(rules, settled, ticks, history) == ({}, [])  # same tick again: nothing new


def test_rules_sharing_an_id_are_refused():
    with pytest.raises(ValueError, match="share an id"):
        RuleSet([Above("x", "AAPL", 1.0), Below("x", "AAPL", 1.0)])


def test_a_rule_set_is_the_rules_in_order():
    rules = [Above("a", "AAPL", 1.0), NewHigh("n", "^RUT"), Move("m", "KRE", 2.0)]
    assert list(RuleSet(rules)) == rules and len(RuleSet(rules)) == 3


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32))
def test_a_changed_rule_set_polls_as_one_built_from_scratch_on_its_rules(seed):
    # The engine changes its index when people subscribe and unsubscribe, rather than building it again.
    rng = random.Random(seed)
    rules, states, ticks, history = world(rng, symbols=6, rules=200)
    extra, _, _, _ = world(random.Random(seed + 1), symbols=6, rules=60)
    rule_set = RuleSet(rules[:150])
    for removed, added in ((rng.sample(rules[:150], 10), rules[150:170]), ([], rules[170:]), (rules[:3], [])):
        kept = [rule for rule in rule_set if rule not in removed] + added
        rule_set = rule_set.changed({rule.id for rule in removed}, added)
        assert list(rule_set) == kept
        expected = one_by_one(kept, states, ticks, history)
        assert evaluate_ticks(rule_set, states, ticks, history) == expected
        assert evaluate_ticks(RuleSet(kept), states, ticks, history) == expected
    renamed = [Move(f"new:{rule.id}", rule.symbol, 2.0) for rule in extra if isinstance(rule, Move)]
    assert list(rule_set.changed((), renamed)) == list(rule_set) + renamed


def test_a_change_rebuilds_only_the_groups_of_the_symbols_it_concerns():
    rules = [Above("a", "AAPL", 100.0), Below("b", "AAPL", 90.0), Move("m", "KRE", 2.0), Move("n", "CFG", 3.0)]
    rule_set = RuleSet(rules)
    changed = rule_set.changed({"m"}, [Above("c", "CFG", 50.0)])
    assert changed.groups["AAPL"] is rule_set.groups["AAPL"]
    assert "KRE" not in changed.groups and changed.groups["CFG"] is not rule_set.groups["CFG"]
    assert list(changed) == [rules[0], rules[1], rules[3], Above("c", "CFG", 50.0)]


def test_a_change_that_would_give_two_rules_one_id_is_refused():
    rule_set = RuleSet([Above("x", "AAPL", 1.0)])
    with pytest.raises(ValueError, match="share an id"):
        rule_set.changed((), [Below("x", "AAPL", 1.0)])
    with pytest.raises(ValueError, match="share an id"):
        rule_set.changed((), [Below("y", "AAPL", 1.0), Move("y", "AAPL", 2.0)])
    assert list(rule_set.changed({"x"}, [Below("x", "AAPL", 1.0)])) == [Below("x", "AAPL", 1.0)]
    assert list(RuleSet([]).changed((), [Move("m", "KRE", 2.0)])) == [Move("m", "KRE", 2.0)]
