"""Run every benchmark and print its figures. Medians over repeats: the machine is shared and noisy."""

from __future__ import annotations

import asyncio

from bench import poll, rotation_cmd, rules_eval, startup, storage_loop


def main() -> None:
    print("rotobot benchmarks (medians; ratios compare the two ways of doing the same work)\n")
    asyncio.run(storage_loop.run())
    asyncio.run(poll.run())
    rules_eval.run()
    rotation_cmd.run()
    startup.run()


if __name__ == "__main__":
    main()
