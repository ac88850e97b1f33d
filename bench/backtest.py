"""The backtest over the bundled history: the default rules (^RUT record closes, the ^RUT/^NDX 20-session spread)
from 1987 on, horizons 5, 20 and 60 sessions.

Prints the medians of: the replay alone (the signals); the backtest beyond the replay (alerts.backtest.measure:
pandas, forward moves of every signal and every session, summaries and baselines; target under 1 s); and the same
forward moves and summaries as a plain-Python loop, with the ratio of the two. The loop is also a second,
independent reading of the definitions: the two must agree to the last few digits, or the benchmark says so.
"""

from __future__ import annotations

import statistics
import time
from datetime import date, datetime, timezone

from alerts.backtest import DIRECTIONS, measure
from alerts.market.bundled import bundled_history
from alerts.rules.engine import replay
from alerts.rules.loader import default_rules
from alerts.rules.model import Point
from bench.summary import record

START, END, HORIZONS = date(1987, 1, 1), date.max, (5, 20, 60)
REPEATS = {"replay": 5, "pandas": 9, "plain": 5}
LEADS = {"small": 1, "above": 1, "large": -1, "below": -1}


def _history() -> dict[str, list[Point]]:
    now = datetime(2026, 11, 25, tzinfo=timezone.utc)
    return {symbol: [Point(b.date, b.close, b.high, b.low) for b in bundled_history(symbol, now=now)]
            for symbol in ("^RUT", "^NDX")}


def _median_ms(call, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def plain_loop(signals, rules, history, start: date, end: date, horizons) -> list[dict]:
    """Forward moves and summaries with lists, dicts and the statistics module: one signal, one session at a time."""
    by_id = {rule.id: rule for rule in rules}
    series: dict[tuple[str, ...], tuple[list[date], list[tuple[float, ...]], dict[date, int]]] = {}
    for rule in rules:
        legs = rule.symbols
        if legs in series:
            continue
        if len(legs) == 1:
            rows = [(p.date, (p.close,)) for p in history.get(legs[0], ())]
        else:
            other = {p.date: p.close for p in history.get(legs[1], ())}
            rows = [(p.date, (p.close, other[p.date])) for p in history.get(legs[0], ()) if p.date in other]
        days = [day for day, _ in rows]
        series[legs] = days, [values for _, values in rows], {day: i for i, day in enumerate(days)}

    def move(values, i: int, j: int) -> float:
        changes = [(later / earlier - 1) * 100 for later, earlier in zip(values[j], values[i])]
        return changes[0] - changes[1] if len(changes) == 2 else changes[0]

    measured: dict[tuple[str, str | None, int], list[float]] = {}
    for signal in signals:
        days, values, where = series[by_id[signal.rule_id].symbols]
        i = where[date.fromisoformat(signal.trigger[:10])]
        for h in horizons:
            if i + h < len(days):
                measured.setdefault((signal.rule_id, signal.direction, h), []).append(move(values, i, i + h))
    summaries = []
    for rule in rules:
        days, values, _ = series[rule.symbols]
        kept = [i for i, day in enumerate(days) if start <= day <= end]
        for direction in DIRECTIONS[rule.kind]:
            sign = LEADS[direction] if len(rule.symbols) == 2 else 1
            for h in horizons:
                base = [move(values, i, i + h) for i in kept if i + h < len(days)]
                mine = measured.get((rule.id, direction, h), [])
                summaries.append({
                    "rule": rule.id, "direction": direction, "horizon": h, "count": len(mine),
                    "hits": sum(1 for m in mine if m * sign > 0), "median": statistics.median(mine) if mine else None,
                    "mean": sum(mine) / len(mine) if mine else None, "min": min(mine, default=None),
                    "max": max(mine, default=None), "baseline_count": len(base),
                    "baseline_hit_rate": sum(1 for m in base if m * sign > 0) / len(base) if base else None,
                    "baseline_median": statistics.median(base) if base else None,
                })
    return summaries


def _disagreements(pandas_result, plain: list[dict]) -> list[str]:
    found = []
    for row in plain:
        mine = pandas_result.summary(row["rule"], row["direction"], row["horizon"])
        for key, value in row.items():
            got = getattr(mine, key)
            same = got == value if value is None or isinstance(value, (int, str)) else abs(got - value) < 1e-9
            if not same:
                found.append(f"{row['rule']} {row['direction']} {row['horizon']}: {key} {got} against {value}")
    return found


def run() -> None:
    history, rules = _history(), default_rules()
    signals = replay(rules, history, START, END)
    replay_ms = _median_ms(lambda: replay(rules, history, START, END), REPEATS["replay"])
    pandas_ms = _median_ms(lambda: measure(signals, rules, history, START, END, HORIZONS), REPEATS["pandas"])
    plain_ms = _median_ms(lambda: plain_loop(signals, rules, history, START, END, HORIZONS), REPEATS["plain"])
    result = measure(signals, rules, history, START, END, HORIZONS)
    wrong = _disagreements(result, plain_loop(signals, rules, history, START, END, HORIZONS))
    sessions = len(history["^RUT"])
    print(f"backtest: the default rules over the bundled ^RUT and ^NDX from 1987 ({sessions:,} joint sessions, "
          f"{len(signals):,} signals), horizons {', '.join(map(str, HORIZONS))}, medians:")
    print(f"  the replay alone (the signals): {replay_ms:.0f} ms ({REPEATS['replay']} runs)")
    print(f"  the backtest beyond the replay (pandas): {pandas_ms:.1f} ms ({REPEATS['pandas']} runs; "
          f"target < 1,000 ms)")
    print(f"  the same moves and summaries as a plain-Python loop: {plain_ms:.0f} ms ({REPEATS['plain']} runs): "
          f"{plain_ms / pandas_ms:.1f}x the pandas time")
    print(f"  the two agree on all {len(result.summaries)} summaries" if not wrong
          else "  THEY DISAGREE:\n    " + "\n    ".join(wrong[:10]))
    print()
    record("backtest beyond the replay, default rules since 1987", pandas_ms, "ms", 1000)
    record("backtest: the plain-Python loop / pandas", plain_ms / pandas_ms, "x")


if __name__ == "__main__":
    run()
