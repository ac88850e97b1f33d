"""Kill anywhere: a simulated week through rotobot's real parts, SIGKILLed at random moments, against the same
week uninterrupted. `python -m bench chaos [--kills N] [--seed S]` prints one line:

    kills, alerts expected, delivered, lost, unmarked duplicates, misrouted, targets given up (with notices)

The week (bench/chaos_world.py) runs in a child process (bench/chaos_life.py, forked warm by
bench/chaos_zygote.py) against loopback servers that live here, in the parent, and so outlive every kill
(bench/chaos_upstreams.py): a Discord with three servers and 300 people, a Fed that publishes the statement at
2:00 pm on decision day, and a webhook that can be told to answer 500. What each target received in the
uninterrupted run is what it must receive in the interrupted one (bench/chaos_verdict.py):
- lost: an alert a target got uninterrupted and not after the kills;
- unmarked duplicates: a copy beyond the uninterrupted count that does not say "possibly repeated" (a send the
  dying process never confirmed is sent again so marked: the one allowed repeat);
- misrouted: an alert at a target that never got it uninterrupted, or a mention of another server's role.
Target: 0, 0, 0.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import os
import random
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from bench.chaos_upstreams import ROOT, Fed, Webhook, fake_discord
from bench.chaos_verdict import Received, Verdict, compare, received
from bench.summary import record

LIFE_LIMIT = 300.0  # seconds one life may take before the harness calls it stuck


@dataclass
class Run:
    kills: int
    lives: int
    received: dict[tuple, Received]
    given_up: int
    notices: int
    seconds: float
    owed: int
    startup: float  # seconds from a fork to the parts being up, in the first life
    mid_send: int = 0  # kills that left sends begun and not confirmed (the possibly-repeated path)
    step_seconds: list[float] = field(default_factory=list)  # how long each step of the week took, in the first life
    planned: int = 0  # kills planned; more than `kills` when the week ended before the last ones could land


STARTUP_SHARE = 0.1  # of the kills land in a life's start-up (recovery is code too); the rest in the week's work


@dataclass(frozen=True)
class Kill:
    """Where one kill lands: `after` seconds into step `step` of the week, or into a life's start-up (None)."""

    step: int | None
    after: float


def plan_kills(rng: random.Random, kills: int, startup: float, steps: list[float]) -> list[Kill]:
    """`kills` random moments: most uniform over the week's work as the uninterrupted run timed its steps (so a
    long dispatch takes its share), some in start-up; in the order the week reaches them."""
    ends = list(itertools.accumulate(steps))
    at_work = sorted(rng.uniform(0, ends[-1]) for _ in range(kills))
    plan = []
    for moment in at_work:
        step = bisect.bisect_right(ends, moment)
        plan.append(Kill(step, moment - (ends[step - 1] if step else 0.0)))
    for _ in range(round(kills * STARTUP_SHARE)):
        plan[rng.randrange(len(plan))] = Kill(None, rng.uniform(0, startup))
    return plan


async def run_week(folder: Path, seed: int, plan: list[Kill]) -> Run:
    """The week on a fresh database, killed where `plan` says (an empty plan: uninterrupted)."""
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise ValueError(f"{folder} is not empty: the week starts from a fresh database")
    fake, fed, hook = fake_discord(), Fed(), Webhook()
    await fake.start()
    runners = []
    urls = []
    for app in (fed.app, hook.app):
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        urls.append(f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}")
    database = folder / "rotobot.db"
    zygote = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.chaos_zygote", str(database), str(folder / "progress.json"), fake.url, urls[0],
        f"{urls[1]}/api/webhooks/1/chaos-hook-secret", str(seed), str(folder / "lives.log"),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=ROOT,
    )
    if (await asyncio.wait_for(zygote.stdout.readline(), LIFE_LIMIT)).strip() != b"warm":
        raise RuntimeError(f"the zygote did not start; see {folder / 'lives.log'}")
    started = time.monotonic()
    done_kills = lives = mid_send = 0
    startup, steps = 0.0, []
    try:
        while True:
            lives += 1
            kill = plan[done_kills] if done_kills < len(plan) else None
            code, up, began = await _one_life(zygote, kill)
            startup, steps = startup or up, steps or began
            if code == 0:
                break
            if code == -signal.SIGKILL:
                done_kills += 1
                mid_send += await asyncio.to_thread(_sending, database)
                continue
            raise RuntimeError(f"a life ended by itself with exit code {code}; see {folder / 'lives.log'}")
        seconds = time.monotonic() - started
    finally:
        zygote.stdin.write(b"quit\n")
        await zygote.stdin.drain()
        await asyncio.wait_for(zygote.wait(), 30)
        await fake.close()
        for runner in runners:
            await runner.cleanup()
    given_up, notices, owed = await asyncio.to_thread(_outcomes, database)
    durations = [b - a for a, b in zip(steps, steps[1:] + [seconds])]
    return Run(done_kills, lives, received(fake, hook), given_up, notices, seconds, owed, startup, mid_send, durations,
               len(plan))


async def _one_life(zygote, kill: Kill | None) -> tuple[int, float, list[float]]:
    """Fork one life and SIGKILL it where `kill` says (None: let it run). Returns its exit code, how long it took
    to be up (0 when it never was), and when each step it ran began (seconds after the fork)."""
    zygote.stdin.write(b"fork\n")
    await zygote.stdin.drain()
    forked, up, pid, began, aimed_at = time.monotonic(), 0.0, None, [], None
    deadline = forked + kill.after if kill is not None and kill.step is None else None
    while True:
        wait = LIFE_LIMIT if deadline is None or pid is None else max(0.0, deadline - time.monotonic())
        try:
            line = await asyncio.wait_for(zygote.stdout.readline(), wait)
        except asyncio.TimeoutError:
            if deadline is None:
                raise RuntimeError(f"a life took longer than {LIFE_LIMIT:.0f} s") from None
            os.kill(pid, signal.SIGKILL)
            deadline = aimed_at = None
            continue
        words = line.decode().split()
        if not words:
            raise RuntimeError("the zygote ended")
        now = time.monotonic()
        if words[0] == "pid":
            pid = int(words[1])
        elif words[0] == "ready":
            up = now - forked
        elif words[0] == "step":
            began.append(now - forked)
            step = int(words[1])
            if aimed_at is not None and step > aimed_at and deadline is not None:
                # This life ran its aimed step faster than the uninterrupted run did: the kill lands at the step's
                # end rather than later, so the week never moves past kills still aimed at that step.
                os.kill(pid, signal.SIGKILL)
                deadline = aimed_at = None
            elif kill is not None and kill.step is not None and deadline is None and step >= kill.step:
                deadline, aimed_at, kill = now + kill.after, step, None  # aimed: it lands that far into this step
        elif words[0] == "exit":
            return int(words[2]), up, began


def _sending(database: Path) -> int:
    """1 when the life just killed left a send begun and never confirmed, else 0."""
    import sqlite3

    if not database.exists():
        return 0
    connection = sqlite3.connect(database)
    try:
        return int(connection.execute("SELECT EXISTS (SELECT 1 FROM deliveries WHERE sending_at IS NOT NULL)")
                   .fetchone()[0])
    except sqlite3.OperationalError:  # killed before the schema was there
        return 0
    finally:
        connection.close()


def _outcomes(database: Path) -> tuple[int, int, int]:
    import sqlite3

    connection = sqlite3.connect(database)
    try:
        given_up = connection.execute(
            "SELECT count(DISTINCT transport || ' ' || target) FROM deliveries WHERE outcome = 'gave up'").fetchone()[0]
        notices = connection.execute("SELECT count(*) FROM outbox WHERE event_key LIKE 'gave_up|%'").fetchone()[0]
        owed = connection.execute("SELECT count(*) FROM outbox WHERE delivered_at IS NULL").fetchone()[0]
    finally:
        connection.close()
    return given_up, notices, owed


async def run(kills: int = 200, seed: int = 1, folder: Path | None = None) -> tuple[Verdict, Run, Run]:
    """The uninterrupted week, then the same week killed `kills` times; returns the verdict and both runs."""
    with tempfile.TemporaryDirectory(prefix="rotobot-chaos-") as scratch:
        base = folder or Path(scratch)
        reference = await run_week(base / "uninterrupted", seed, [])
        plan = plan_kills(random.Random(seed), kills, reference.startup, reference.step_seconds)
        chaos = await run_week(base / "killed", seed, plan)
    return compare(reference.received, chaos.received), reference, chaos


def line(verdict: Verdict, chaos: Run) -> str:
    short = f" of {chaos.planned} planned" if chaos.kills < chaos.planned else ""
    return (f"chaos: {chaos.kills} kills{short} ({chaos.mid_send} mid-send), {verdict.expected:,} alerts expected, "
            f"{verdict.delivered:,} delivered, "
            f"{verdict.lost} lost, {verdict.unmarked_duplicates} unmarked duplicates "
            f"({verdict.marked_repeats} marked as possibly repeated), {verdict.misrouted} misrouted, "
            f"{chaos.given_up} targets given up ({chaos.notices} notices), {chaos.owed} still owed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=200, help="how many times to SIGKILL the child (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="the week's churn and the kill moments (default 1)")
    args = parser.parse_args(argv)
    print(f"Kill anywhere: the week of 8-12 Dec 2025, SIGKILLed {args.kills} times (seed {args.seed})")
    verdict, reference, chaos = asyncio.run(run(args.kills, args.seed))
    print(f"  uninterrupted week: {reference.seconds:.0f} s; killed week: {chaos.seconds:.0f} s over {chaos.lives} "
          f"lives")
    print(line(verdict, chaos))
    record("chaos: alerts lost", verdict.lost, "alerts", 1)
    record("chaos: unmarked duplicates", verdict.unmarked_duplicates, "alerts", 1)
    record("chaos: misrouted", verdict.misrouted, "alerts", 1)
    ok = not (verdict.lost or verdict.unmarked_duplicates or verdict.misrouted or chaos.owed)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
