"""Run every benchmark and print its figures, then one table against the targets. Medians over repeats: the
machine is shared and noisy."""

from __future__ import annotations

import asyncio

from bench import memory_day, poll, rotation_cmd, rules_eval, startup, storage_loop, summary


def main() -> None:
    print("rotobot benchmarks (medians; ratios compare the two ways of doing the same work)\n")
    asyncio.run(storage_loop.run())
    asyncio.run(poll.run())
    rules_eval.run()
    rotation_cmd.run()
    startup.run()
    memory_day.run()
    print(summary.table())


if __name__ == "__main__":
    main()
