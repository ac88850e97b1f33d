"""Run the benchmarks and print their figures, then one table against the targets. Medians over repeats: the
machine is shared and noisy.

`python -m bench` runs them all; `python -m bench calendar` (or several names) runs only those; a benchmark
with options takes them after its name alone: `python -m bench chaos --kills 50 --seed 3`.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

from bench import backtest
from bench import calendar_rebuild
from bench import chaos
from bench import fanout
from bench import fomc_release
from bench import memory_day
from bench import poll
from bench import retention
from bench import rotation_cmd
from bench import rules_eval
from bench import scale_day
from bench import spark
from bench import startup
from bench import storage_loop
from bench import summary
from bench import watches_close

# Name -> how to run it, in the order `python -m bench` runs them all. A new benchmark is one more line.
BENCHMARKS: dict[str, Callable[[], object]] = {
    "storage": lambda: asyncio.run(storage_loop.run()),
    "poll": lambda: asyncio.run(poll.run()),
    "spark": lambda: asyncio.run(spark.run()),
    "rules": rules_eval.run,
    "rotation": rotation_cmd.run,
    "backtest": backtest.run,
    "watches": watches_close.run,
    "startup": startup.run,
    "memory": memory_day.run,
    "calendar": calendar_rebuild.run,
    "fomc": fomc_release.run,
    "retention": retention.run,
    "chaos": chaos.main,
    "fanout": lambda: fanout.main([]),
    "scale": scale_day.main,
}
WITH_OPTIONS = {"chaos": chaos.main, "fanout": fanout.main, "scale": scale_day.main}  # take their own options


def main(argv: list[str] | None = None) -> int:
    names = sys.argv[1:] if argv is None else argv
    if names and names[0] in WITH_OPTIONS and len(names) > 1:
        WITH_OPTIONS[names[0]](names[1:])
        print(summary.table())
        return 0
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"No benchmark named {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)} (none runs all)",
              file=sys.stderr)
        return 2
    print("rotobot benchmarks (medians; ratios compare the two ways of doing the same work)\n")
    for name in names or BENCHMARKS:
        BENCHMARKS[name]()
    print(summary.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
