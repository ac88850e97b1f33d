"""How long `rotobot run` takes from launch to answering its first command, and back to a clean exit."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

from bench.summary import record

REPEATS = 5


def run() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROTOBOT_", "DISCORD_"))}
    for name in ("MARKET_YAHOO_URL", "MARKET_STOOQ_URL", "FOMC_FED_URL", "FOMC_FRED_URL"):
        env[f"ROTOBOT_{name}"] = "http://127.0.0.1:9"  # never the internet
    def once(folder: str) -> float:
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "bot", "run"], input="!status\n", capture_output=True, text=True,
            cwd=folder, env=env, timeout=120, check=True,
        )
        assert "rotobot status" in result.stdout
        return time.perf_counter() - started

    first, again = [], []
    for _ in range(REPEATS):
        with tempfile.TemporaryDirectory() as folder:
            first.append(once(folder))  # a new database: migrations and seeding of the bundled history
            again.append(once(folder))  # the usual start: an existing database
    print(f"rotobot run, answer !status, exit at end of input ({REPEATS} runs each, launch to exit):")
    print(f"  on a new database (seeds ~65,000 bundled bars): median {statistics.median(first):.2f} s")
    print(f"  on an existing database: median {statistics.median(again):.2f} s, best {min(again):.2f} s\n")
    record("start-up to ready and exit, existing database", statistics.median(again), "s", 5)
    record("start-up on a new database (seeding)", statistics.median(first), "s")
