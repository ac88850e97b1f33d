"""The kill-anywhere child's parent: imports rotobot and loads the week once, then forks a fresh life on request.

Starting Python and importing discord.py, aiohttp, pandas and exchange_calendars takes 2-4 s here; two hundred
restarts would spend most of the harness's time on that. A fork of this process is a new process all the same
(its own memory, its own sockets, killed by SIGKILL like any other), only one that starts warm.

Protocol, one line each way on stdin/stdout: "warm" once loaded; then "fork" -> "pid N", "ready N" once the life's
parts are up, "step K N" as it begins step K of the week, and "exit N CODE" when it ends (CODE -9 when killed);
"quit" ends the zygote.
Usage: python -m bench.chaos_zygote DATABASE PROGRESS DISCORD_URL FED_URL WEBHOOK_URL SEED LOG
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from datetime import datetime
from pathlib import Path

from alerts.market.calendar import TradingCalendar
from bench import chaos_life, chaos_world


def main(argv: list[str]) -> int:
    database, progress, discord_url, fed_url, webhook_url, seed, log = argv
    places = chaos_life.Places(Path(database), Path(progress), discord_url, fed_url, webhook_url)
    bars = chaos_world.history()
    week = chaos_world.build_week(int(seed), bars)
    calendar = TradingCalendar()
    calendar.around(datetime.combine(chaos_world.DAYS[0], datetime.min.time()))  # built once, before any fork
    out = sys.stdout
    out.write("warm\n")  # loaded: from here a fork is a life's whole start-up
    out.flush()
    for line in sys.stdin:
        if line.strip() != "fork":
            break
        pid = os.fork()
        if pid == 0:
            os._exit(_life(places, week, bars, calendar, log))
        out.write(f"pid {pid}\n")
        out.flush()
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        out.write(f"exit {pid} {code}\n")
        out.flush()
    return 0


def _life(places, week, bars, calendar, log: str) -> int:
    sys.stdin.close()
    logging.basicConfig(filename=log, level=logging.WARNING,
                        format=f"%(asctime)s life {os.getpid()} %(levelname)s %(name)s: %(message)s")

    def say(what: str) -> None:
        sys.stdout.write(f"{what} {os.getpid()}\n")
        sys.stdout.flush()

    try:
        return asyncio.run(chaos_life.live(places, week, bars, calendar, say))
    except BaseException:  # noqa: BLE001 - a life that fails by itself is a finding: logged, exit 1
        logging.exception("the life failed by itself")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
