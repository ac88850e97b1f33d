"""How long `rotobot run` takes from launch to answering its first command, and back to a clean exit."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

REPEATS = 5


def run() -> None:
    samples = []
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROTOBOT_", "DISCORD_"))}
    env["ROTOBOT_MARKET_YAHOO_URL"] = "http://127.0.0.1:9"  # never the internet
    for _ in range(REPEATS):
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-m", "bot", "run"], input="!status\n", capture_output=True, text=True,
                cwd=folder, env=env, timeout=60, check=True,
            )
            samples.append(time.perf_counter() - started)
            assert "rotobot status" in result.stdout
    print(f"rotobot run on a new database, answer !status, exit at end of input ({REPEATS} runs):")
    print(f"  median {statistics.median(samples):.2f} s, best {min(samples):.2f} s\n")
