"""The chaos week's verdict: what each target received, read from the loopback upstreams, against the reference.

An alert is told apart as a reader tells it (bench/chaos.py's docstring defines lost, unmarked duplicates and
misrouted); delivery notes such as "possibly repeated" are split off and counted as the one allowed repeat.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from bench import chaos_world as world
from bench.chaos_upstreams import Webhook
from tests.fake_discord import FakeDiscord


@dataclass
class Received:
    """What one target got: each alert block (its words without delivery notes) with how often, marked or not."""

    plain: Counter = field(default_factory=Counter)
    marked: Counter = field(default_factory=Counter)
    foreign_mentions: int = 0


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
