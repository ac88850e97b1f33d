"""A server's watches: rules its admins add from Discord (`!watch`), judged by the same engine as every other rule.

A watch is stored as a WatchSpec (what the grammar in watch_grammar.py read) under a number of its server's own.
`watch_rule` is the one way a watch becomes a Rule: the engine judges that Rule at each close, its state is kept
under `watch_rule_id` ("watch:<guild>:<number>", unique per server, never reused), and a backtest or a replay of
the watch can take the very same Rule. Pure: no storage, no Discord.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from alerts.rules import messages
from alerts.rules.checks import LARGEST
from alerts.rules.kinds import MaCross, MoveOver
from alerts.rules.model import RotationSpread, Rule, Signal

KINDS = ("rotation_spread", "ma_cross", "move_over")
WORDS = {"rotation_spread": "spread", "ma_cross": "ma", "move_over": "move"}  # each kind's word in the grammar
MAX_PER_SERVER = 20
DEFAULT_SPREAD_LINE = 5.0  # `spread` with no line: +5% and -5%, like the built-in rotation rule
DEFAULT_SPREAD_BAND = 1.0  # the spread's re-arm distance in points, like the built-in rule's hysteresis
# A spread watch with one line has the other side off. The spread (ratio now / ratio then - 1) * 100 is above
# -100% whenever both legs' closes are above zero (the rule judges no other session), so -100 can never be
# reached; on the other side the largest number any rule takes stands in, a spread no pair of markets has made.
OFF_BELOW, OFF_ABOVE = -100.0, LARGEST


def plain_number(value: float) -> str:
    """A number as the grammar reads it back (watch_grammar.py): a plain decimal of at most nine places, no
    exponent, no float noise: 0.075 not 0.07500000000000001, 0.0000001 not 1e-07, 5 not 5.0. Every number the
    grammar took has at most nine places, so it comes back as typed (less trailing zeros), and reads back to the
    same float; for a watch's name, its examples and its messages (rule ids keep checks.number_text)."""
    text = f"{value:.9f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


@dataclass(frozen=True)
class WatchSpec:
    """What a watch judges, checked (watch_grammar.parse_watch makes one): a kind of KINDS and its numbers."""

    kind: str
    symbol: str  # one ticker ("^RUT", "T10Y2Y"), or two as "KRE/SPY": a spread's legs, an average's ratio
    sessions: int  # the spread's window, the average's window, the move's look-back
    upper: float | None = None  # rotation_spread: fires at this spread or more; None: that side is off
    lower: float | None = None  # rotation_spread: fires at this spread or less; None: off
    band: float = 0.0  # rotation_spread: the re-arm distance (points); ma_cross: the band (% of the average)
    pct: float | None = None  # move_over: the change either way, percent

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self.symbol.split("/"))

    @property
    def directions(self) -> tuple[str, ...]:
        """The directions its signals can have: a spread with one line fires on that side only (the other is off:
        "small" when the spread reaches `upper`, "large" at `lower`)."""
        if self.kind == "rotation_spread":
            return tuple(d for d, line in (("small", self.upper), ("large", self.lower)) if line is not None)
        return {"ma_cross": ("above", "below"), "move_over": ("up", "down")}[self.kind]

    @property
    def text(self) -> str:
        """The watch as the grammar writes it, one way for one watch: its name, and what makes two the same."""
        word = WORDS[self.kind]
        if self.kind == "move_over":
            return f"{self.symbol} {word} {self.sessions} {plain_number(self.pct)}%"
        parts = [self.symbol, word, str(self.sessions)]
        if self.kind == "rotation_spread":
            parts += [f"above {plain_number(self.upper)}"] if self.upper is not None else []
            parts += [f"below {plain_number(self.lower)}"] if self.lower is not None else []
            parts += [f"band {plain_number(self.band)}"] if self.band != DEFAULT_SPREAD_BAND else []
        elif self.band:
            parts.append(f"band {plain_number(self.band)}")
        return " ".join(parts)


@dataclass(frozen=True)
class Watch:
    """One server's watch, as stored: its number in that server, what it judges, who added it and where."""

    guild_id: int
    number: int  # 1, 2, 3 ... in its server; never given to another watch of that server
    spec: WatchSpec
    created_by: int
    created_at: datetime
    channel_id: int | None = None  # where it was added: the lookup of a new ticker is answered there
    status: str = "active"  # "pending": a ticker no data job has found yet; not judged until it is

    @property
    def rule_id(self) -> str:
        return watch_rule_id(self.guild_id, self.number)

    @property
    def name(self) -> str:
        """How alerts, !watches and !rotation name it: "Watch #3 KRE/SPY spread 20 above 5"."""
        return f"Watch #{self.number} {self.spec.text}"


def watch_rule_id(guild_id: int, number: int) -> str:
    """The engine's id of a server's watch: its state's key in rule_state and the first part of its alerts' keys."""
    return f"watch:{guild_id}:{number}"


def spec_rule(spec: WatchSpec, rule_id: str) -> Rule:
    """The spec as a Rule under `rule_id`, built (and so checked) by the rule types themselves."""
    if spec.kind == "rotation_spread":
        small, large = spec.symbols if len(spec.symbols) == 2 else (spec.symbol, "")
        upper = OFF_ABOVE if spec.upper is None else spec.upper
        lower = OFF_BELOW if spec.lower is None else spec.lower
        return RotationSpread(rule_id, small, large, spec.sessions, upper, lower, spec.band)
    if spec.kind == "ma_cross":
        return MaCross(rule_id, spec.symbol, spec.sessions, spec.band)
    if spec.kind == "move_over":
        return MoveOver(rule_id, spec.symbol, spec.sessions, spec.pct)
    raise ValueError(f"unknown watch kind {spec.kind!r}: expected one of {', '.join(KINDS)}")


def watch_rule(watch: Watch) -> Rule:
    """The watch as the engine's Rule: the seam every judge of a watch goes through (the live engine at each
    close, and a backtest or replay of `!backtest N`), so they can never disagree on what a watch means."""
    return spec_rule(watch.spec, watch.rule_id)


def named_signal(watch: Watch, signal: Signal) -> Signal:
    """The rule's signal as the watch's alert says it: the watch's own name first, then what happened. A spread
    watch says which leg leads (the built-in wording speaks of small and mega caps, which KRE/SPY is not)."""
    text = signal.message
    if signal.kind == "rotation_spread":
        first, second = watch.spec.symbols
        leads, lags = (first, second) if signal.direction == "small" else (second, first)
        text = (f"{watch.spec.symbol} {watch.spec.sessions}-session spread {messages.pct(signal.value)} crossed "
                f"{messages.pct(signal.threshold)}: {leads} leads {lags}")
    return dataclasses.replace(signal, message=f"{watch.name}: {text}")
