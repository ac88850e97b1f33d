"""One poll of the rules engine at scale: 100,000 subscriptions over 2,000 symbols, one fresh tick per symbol.

Subscriptions are mixed (above, below, move, 52-week high and low) with their states already set, as they are
after the first poll of a day; each symbol has 252 sessions of history. Prints the median time of one
evaluate_ticks call (target: under 100 ms) and the peak memory one call allocates: with a RuleSet built once
(an index by symbol, rebuilt when subscriptions change) and with a plain list, visited rule by rule.
"""

from __future__ import annotations

import gc
import random
import statistics
import time
import tracemalloc
from datetime import date, datetime, timedelta

from alerts.market.calendar import NEW_YORK
from alerts.rules.batch import RuleSet
from alerts.rules.engine import evaluate_ticks
from alerts.rules.model import Above, Below, High52w, Low52w, Move, Point, Tick

SYMBOLS, SUBSCRIPTIONS, SESSIONS, REPEATS = 2_000, 100_000, 252, 7
TODAY = date(2025, 12, 11)


def _history(rng: random.Random) -> dict[str, list[Point]]:
    days, day = [], TODAY
    while len(days) < SESSIONS:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    days.reverse()
    history = {}
    for s in range(SYMBOLS):
        price, points = rng.uniform(10, 500), []
        for d in days:
            price *= 1 + rng.gauss(0, 0.015)
            points.append(Point(d, price, price * 1.01, price * 0.99))
        history[f"S{s:04d}"] = points
    return history


def _world(rng: random.Random):
    history = _history(rng)
    at = datetime(2025, 12, 11, 11, 0, tzinfo=NEW_YORK)
    ticks = {}
    for symbol, points in history.items():
        last = points[-1].close
        ticks[symbol] = Tick(symbol, last * (1 + rng.gauss(0, 0.012)), at, TODAY, last)
    rules, states = [], {}
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    for n in range(SUBSCRIPTIONS):
        symbol = f"S{n % SYMBOLS:04d}"
        last = history[symbol][-1].close
        kind = n % 5
        rid = f"sub:{n}"
        if kind == 0:
            rules.append(Above(rid, symbol, round(last * rng.uniform(0.8, 1.2), 2), 3600))
            states[rid] = {"armed": last <= rules[-1].price, "last_session": yesterday}
        elif kind == 1:
            rules.append(Below(rid, symbol, round(last * rng.uniform(0.8, 1.2), 2)))
            states[rid] = {"armed": last >= rules[-1].price, "last_session": yesterday}
        elif kind == 2:
            rules.append(Move(rid, symbol, rng.choice((2.0, 3.0, 5.0))))
            states[rid] = {"up": yesterday, "last_session": yesterday} if rng.random() < 0.1 else {}
        elif kind == 3:
            rules.append(High52w(rid, symbol))
            states[rid] = {"last_session": yesterday}
        else:
            rules.append(Low52w(rid, symbol))
            states[rid] = {"last_session": yesterday}
    return rules, states, ticks, history


def _median_ms(call) -> tuple[float, float]:
    samples = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000, min(samples) * 1000


def _peak_mib(call) -> float:
    tracemalloc.start()
    call()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024 / 1024


from bench.summary import record  # noqa: E402


def run() -> None:
    rules, states, ticks, history = _world(random.Random(20251211))
    gc.freeze()  # as the app does once it has started (see bot/app.py): the world is long-lived
    try:
        build, _ = _median_ms(lambda: RuleSet(rules))
        rule_set = RuleSet(rules)
        indexed, indexed_best = _median_ms(lambda: evaluate_ticks(rule_set, states, ticks, history))
        plain, plain_best = _median_ms(lambda: evaluate_ticks(rules, states, ticks, history))
        changed, signals = evaluate_ticks(rule_set, states, ticks, history)
        settled = {**states, **changed}
        quiet, _ = _median_ms(lambda: evaluate_ticks(rule_set, settled, ticks, history))
        indexed_peak = _peak_mib(lambda: evaluate_ticks(rule_set, states, ticks, history))
        plain_peak = _peak_mib(lambda: evaluate_ticks(rules, states, ticks, history))
    finally:
        gc.unfreeze()
    print(f"rules engine, one poll: {SUBSCRIPTIONS:,} subscriptions (above, below, move, 52-week high and low) over "
          f"{SYMBOLS:,} symbols, {SESSIONS} sessions of history each, medians of {REPEATS} runs:")
    print(f"  evaluate_ticks with a RuleSet built once: {indexed:.1f} ms (best {indexed_best:.1f}; target < 100 ms), "
          f"peak memory {indexed_peak:.1f} MiB; {len(changed):,} states changed, {len(signals):,} signals")
    print(f"  the same tick again once those states are stored (a quiet poll): {quiet:.1f} ms")
    print(f"  evaluate_ticks with a plain list (one pass, as a list loaded per poll): {plain:.1f} ms "
          f"(best {plain_best:.1f}), peak memory {plain_peak:.1f} MiB; building a RuleSet: {build:.1f} ms\n")
    record("engine: 100,000 subscriptions, one quote set", indexed, "ms", 100)
    record("engine: peak memory of that evaluation", indexed_peak, "MiB")


if __name__ == "__main__":
    run()
