"""A rule whose ledger cannot be made (a fault in the backtest, injected here) is logged and skipped: the other
rules' ledgers are saved, it is not tried again until its rule or its sessions move, and it never keeps the first
turn of every close, which would starve the rules behind it (bot/jobs/records.py)."""

from __future__ import annotations

from datetime import date

import alerts.backtest.ledger
from alerts.rules.kinds import MaCross
from bot.jobs.records import SignalRecords
from storage import prices, signal_records
from tests.bot.test_signal_records import world  # noqa: F401 - fixture

CLOSES = (date(2025, 11, 26), date(2025, 11, 28), date(2025, 12, 1))
BROKEN, SOUND = MaCross("broken-20", "^RUT", 20), MaCross("sound-50", "^RUT", 50)


def cached(database) -> dict:
    return {rule.rule_id: rule for rule in database.call(signal_records.cached_rules, 1, 12)}


async def test_a_rule_whose_ledger_fails_is_skipped_and_gives_its_turn_to_the_others(world, monkeypatch, caplog):
    database, clock = world
    real = alerts.backtest.ledger.backtest
    tries = []

    def failing(rules, *args, **kwargs):
        tries.append(rules[0].id)
        if rules[0].id == BROKEN.id:
            raise ValueError("a fault in the backtest")
        return real(rules, *args, **kwargs)

    monkeypatch.setattr(alerts.backtest.ledger, "backtest", failing)
    stored = database.call(prices.history_points, ["^RUT"])
    records = SignalRecords(database, clock, budget=1)  # one ledger a close: the broken rule comes first
    for close in CLOSES:
        await records.refresh([BROKEN, SOUND], {}, {"^RUT": [p for p in stored["^RUT"] if p.date <= close]})
    # Failed at the first close; the sound rule's turn at the second; at the third the broken one was computed
    # longest ago (its failure counts as a turn), so it is tried once more.
    assert tries == [BROKEN.id, SOUND.id, BROKEN.id], tries
    assert set(cached(database)) == {SOUND.id}
    assert "Could not bring the signal cache up to date for broken-20" in caplog.text

    # Nothing new stored: the broken rule is not tried again over the same sessions; the sound one catches up.
    tries.clear()
    history = {"^RUT": [p for p in stored["^RUT"] if p.date <= CLOSES[-1]]}
    assert await records.refresh([BROKEN, SOUND], {}, history) == 1
    assert await records.refresh([BROKEN, SOUND], {}, history) == 0
    assert tries == [SOUND.id] and cached(database)[SOUND.id].through == CLOSES[-1]


async def test_one_failing_rule_in_a_batch_costs_the_others_nothing(world, monkeypatch):
    database, clock = world
    real = alerts.backtest.ledger.backtest

    def failing(rules, *args, **kwargs):
        if rules[0].id == BROKEN.id:
            raise ValueError("a fault in the backtest")
        return real(rules, *args, **kwargs)

    monkeypatch.setattr(alerts.backtest.ledger, "backtest", failing)
    records = SignalRecords(database, clock)
    assert await records.refresh([BROKEN, SOUND], {}, database.call(prices.history_points, ["^RUT"])) == 1
    assert set(cached(database)) == {SOUND.id}
