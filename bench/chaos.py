"""Kill anywhere: a simulated week through rotobot's real parts, SIGKILLed at random moments, against the same
week uninterrupted. `python -m bench chaos [--kills N] [--seed S]` prints one line:

    kills, alerts expected, delivered, lost, unmarked duplicates, misrouted, targets given up (with notices)

The week (bench/chaos_world.py) runs in a child process (bench/chaos_life.py, forked warm by
bench/chaos_zygote.py) against loopback servers that live here, in the parent, and so outlive every kill: a
Discord (tests/fake_discord.py) with three servers and 300 people, a Fed that publishes the statement at 2:00 pm
on decision day, and a webhook that can be told to answer 500. What each target received in the uninterrupted
run is what it must receive in the interrupted one:
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
import re
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from bench import chaos_world as world
from bench.summary import record
from tests.fake_discord import FakeChannel, FakeDiscord, FakeRole

ROOT = Path(__file__).resolve().parent.parent
FEED = (ROOT / "tests/fixtures/fomc/press_monetary_trimmed_capture_2026-08-15.xml").read_text()
STATEMENT = (ROOT / "tests/fixtures/fomc/monetary20251210a_article_excerpt.htm").read_text()
# The recorded feed, its statement item pointed at 10 December 2025 once published, and left out before.
PUBLISHED_FEED = FEED.replace("monetary20260729a.htm", "monetary20251210a.htm").replace(
    "Wed, 29 Jul 2026 18:00:00 GMT", "Wed, 10 Dec 2025 19:00:00 GMT")
UNPUBLISHED_FEED = re.sub(r"\s*<item>\s*<title>Federal Reserve issues FOMC statement</title>.*?</item>", "", FEED,
                          count=1, flags=re.S)
LIFE_LIMIT = 300.0  # seconds one life may take before the harness calls it stuck


@dataclass
class Received:
    """What one target got: each alert block (its words without delivery notes) with how often, marked or not."""

    plain: Counter = field(default_factory=Counter)
    marked: Counter = field(default_factory=Counter)
    foreign_mentions: int = 0


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


class Fed:
    """The Federal Reserve's press feed and the 10 December statement, published when the week says so."""

    def __init__(self) -> None:
        self.published = False
        app = web.Application()
        app.router.add_get("/feeds/press_monetary.xml", self._feed)
        app.router.add_get("/newsevents/pressreleases/monetary20251210a.htm", self._statement)
        app.router.add_post("/_control/publish", self._publish)
        self.app = app

    async def _feed(self, request: web.Request) -> web.Response:
        return web.Response(text=PUBLISHED_FEED if self.published else UNPUBLISHED_FEED, content_type="application/xml")

    async def _statement(self, request: web.Request) -> web.Response:
        if not self.published:
            return web.Response(status=404, text="Not Found")
        return web.Response(text=STATEMENT, content_type="text/html")

    async def _publish(self, request: web.Request) -> web.Response:
        self.published = True
        return web.Response(text="ok")


class Webhook:
    """A Discord webhook endpoint that records each post, or answers 500 while it is down."""

    def __init__(self) -> None:
        self.down = False
        self.posts: list[str] = []
        app = web.Application()
        app.router.add_post("/api/webhooks/{id}/{token}", self._post)
        app.router.add_post("/_control/{state}", self._control)
        self.app = app

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.down:
            return web.Response(status=500, text='{"message": "500: Internal Server Error", "code": 0}',
                                headers={"Content-Type": "application/json"})
        self.posts.append(body["content"])
        return web.Response(text='{"id": "1"}', headers={"Content-Type": "application/json"})

    async def _control(self, request: web.Request) -> web.Response:
        self.down = request.match_info["state"] == "down"
        return web.Response(text="ok")


def fake_discord() -> FakeDiscord:
    fake = FakeDiscord()
    fake.add_guild(world.ALPHA, "Alpha", [(world.ALPHA_ALERTS, "alerts"), (world.ALPHA_OPS, "ops"),
                                          (world.ALPHA_GENERAL, "general")],
                   roles=[FakeRole(world.ALPHA_ROLE, "traders")])
    fake.add_guild(world.BRAVO, "Bravo", [(world.BRAVO_ALERTS, "alerts")], roles=[FakeRole(world.BRAVO_ROLE, "desk")])
    fake.add_guild(world.CHARLIE, "Charlie", [FakeChannel(world.CHARLIE_ALERTS, "alerts", world.CHARLIE,
                                                          can_send=False)])
    for n in range(world.PEOPLE):
        fake.add_user(world.FIRST_PERSON + n, f"trader{n}", dms_open=n >= world.CLOSED_DMS)
    return fake


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


_NOTES = re.compile(r"\n\((?:late: [^;)]*|possibly repeated: an earlier send was not confirmed)"
                    r"(?:; possibly repeated: an earlier send was not confirmed)?\)(?=\n|$)")
_ROLE = re.compile(r"<@&(\d+)>")
_GUILD_ROLES = {world.ALPHA: {world.ALPHA_ROLE}, world.BRAVO: {world.BRAVO_ROLE}, world.CHARLIE: set()}


def received(fake: FakeDiscord, hook: Webhook) -> dict[tuple, Received]:
    """Every target's alert blocks, from what the loopback Discord and webhook were sent."""
    found: dict[tuple, Received] = {}
    for message in fake.messages:
        target = ("dm", message.recipient_id) if message.recipient_id else ("channel", message.channel_id)
        into = found.setdefault(target, Received())
        roles = {int(r) for r in _ROLE.findall(message.content.split("\n", 1)[0])}
        if message.guild_id is not None and not roles <= _GUILD_ROLES.get(message.guild_id, set()):
            into.foreign_mentions += 1
        _add_blocks(into, message.content)
    for content in hook.posts:
        _add_blocks(found.setdefault(("webhook",), Received()), content)
    return found


_GAVE_UP_AFTER = re.compile(r"(?<=^\*\*rotobot gave up delivering to )(.*?) after [^*]+\*\*$")
_TIMESTAMP = re.compile(r"<t:\d+:f>")


def _add_blocks(into: Received, content: str) -> None:
    if not content.startswith("**"):
        content = content.split("\n", 1)[1] if "\n" in content else ""  # the mentions line
    for block in re.split(r"\n\n(?=\*\*)", content):
        (into.marked if "possibly repeated" in block else into.plain)[block_identity(block)] += 1


def block_identity(block: str) -> str:
    """An alert as a reader tells it apart: its headline and its time. Its details are left out: a repeat marked
    "possibly repeated" has less room for them within Discord's 2,000 characters, so a long one is cut shorter.
    When a target is given up on can shift by a retry between the runs (a kill mid-send counts as a try, and
    tries set the backoff): a give-up notice is the same notice whatever hour it names."""
    lines = _NOTES.sub("", block).split("\n")
    headline = _GAVE_UP_AFTER.sub(r"\1**", lines[0])
    when = lines[-1] if len(lines) > 1 and _TIMESTAMP.fullmatch(lines[-1]) else ""
    return f"{headline}\n{when}" if when and not headline.startswith("**rotobot gave up") else headline


@dataclass(frozen=True)
class Verdict:
    expected: int
    delivered: int
    lost: int
    unmarked_duplicates: int
    marked_repeats: int
    misrouted: int


def compare(reference: dict[tuple, Received], chaos: dict[tuple, Received]) -> Verdict:
    expected = delivered = lost = unmarked = marked = misrouted = 0
    for target in set(reference) | set(chaos):
        want = reference.get(target, Received())
        got = chaos.get(target, Received())
        misrouted += got.foreign_mentions
        for block in set(want.plain) | set(got.plain) | set(got.marked):
            wanted, plain, repeats = want.plain[block], got.plain[block], got.marked[block]
            expected += wanted
            if wanted == 0:
                misrouted += plain + repeats
                continue
            delivered += min(wanted, plain + repeats)
            lost += max(0, wanted - plain - repeats)
            unmarked += max(0, plain - wanted)
            marked += repeats
    return Verdict(expected, delivered, lost, unmarked, marked, misrouted)


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
