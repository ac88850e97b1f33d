"""The `!watch` grammar: what an admin typed, read into a checked WatchSpec, or a WatchError with a valid example.

    SYMBOL/SYMBOL spread [N] [above X] [below Y] [band H]   rotation_spread over N joint sessions (default 20);
                                                            no line given: above 5 below -5; one line: that side only
    SYMBOL[/SYMBOL] ma N [band B]                           ma_cross of a close or a ratio, band B% (default 0)
    SYMBOL move N X[%]                                      move_over: a change of X% either way over N sessions

Numbers are plain decimals ("5", "-5", "0.5", "12%"): no NaN, no infinity, no exponent, no thousands separators.
Every number is then held to the rule types' own checks (alerts/rules/checks.py) by building the rule.
"""

from __future__ import annotations

import re

from alerts.rules.checks import RuleError
from alerts.rules.kinds import MAX_WINDOW, legs
from alerts.watches import (DEFAULT_SPREAD_BAND, DEFAULT_SPREAD_LINE, OFF_ABOVE, OFF_BELOW, WatchSpec, plain_number,
                            spec_rule)

EXAMPLES = ("KRE/SPY spread 20 above 5", "^RUT ma 200", "^RUT/^NDX ma 50", "^RUT move 15 12%")
_WHOLE = re.compile(r"[0-9]{1,9}")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,9}(?:\.[0-9]{1,9})?|\.[0-9]{1,9})")
# What a rule type calls a number, as the grammar calls it.
_WORDS = {"upper": "above", "lower": "below", "hysteresis": "band", "band": "band", "pct": "the move",
          "window": "the window", "sessions": "the sessions"}


class WatchError(ValueError):
    """A `!watch` that cannot be read: what was wrong, and a watch that would be right."""

    def __init__(self, reason: str, example: str) -> None:
        self.reason, self.example = reason, example
        super().__init__(f"{reason}. For example: !watch {example}")


def parse_watch(words: list[str]) -> WatchSpec:
    """`!watch`'s arguments as a checked WatchSpec (the module docstring has the grammar)."""
    if len(words) < 2:
        raise WatchError("A watch needs a ticker (or two, as A/B) and a kind: spread, ma or move", EXAMPLES[0])
    text, word, rest = words[0].upper(), words[1].lower(), words[2:]
    kinds = {"spread": _spread, "ma": _average, "move": _move}
    if word not in kinds:
        raise WatchError(f"'{_shown(words[1])}' is not a kind of watch: use spread, ma or move", EXAMPLES[1])
    try:
        symbols = legs("symbol", text)
    except RuleError as error:
        raise WatchError(f"'{_shown(words[0])}' is not a ticker or a pair of tickers: {error.reason}",
                         EXAMPLES[0] if word == "spread" else EXAMPLES[1]) from None
    spec = kinds[word](text, symbols, rest)
    try:
        spec_rule(spec, "watch")  # the rule types' own checks, the same as for any rule
    except RuleError as error:
        shown = f" ({plain_number(error.value)})" if isinstance(error.value, (int, float)) else ""
        reason = error.reason.removeprefix("expected ").removeprefix("must be ")
        for name, said in (("upper", "above"), ("lower", "below"), ("hysteresis", "band")):
            reason = reason.replace(name, said)
        raise WatchError(f"{_WORDS.get(error.key, error.key)}{shown} must be {reason}", _example(word, text)) from None
    return spec


def _spread(text: str, symbols: tuple[str, ...], rest: list[str]) -> WatchSpec:
    if len(symbols) != 2:
        raise WatchError(f"a spread compares two tickers, not '{text}' alone", f"{text}/SPY spread 20 above 5")
    sessions = 20
    if rest and rest[0].lower() not in ("above", "below", "band"):
        sessions = _sessions(rest.pop(0), "spread", text)
    example = f"{text} spread {sessions} above 5"
    chosen = _options(rest, ("above", "below", "band"), example)
    if "above" not in chosen and "below" not in chosen:
        chosen |= {"above": DEFAULT_SPREAD_LINE, "below": -DEFAULT_SPREAD_LINE}
    band = chosen.get("band", DEFAULT_SPREAD_BAND)
    if "above" in chosen and "below" in chosen:  # one line alone has the other side off, out of its way
        above, below = chosen["above"], chosen["below"]
        if above <= below:
            raise WatchError(f"the above line ({plain_number(above)}) must be higher than the below line "
                             f"({plain_number(below)})", f"{text} spread {sessions} above 5 below -5")
        if band >= above - below:
            raise WatchError(f"band ({plain_number(band)}, the points the spread must retreat to re-arm) must be "
                             f"less than the gap between the lines ({plain_number(above - below)})",
                             f"{text} spread {sessions} above {plain_number(above)} below {plain_number(below)} "
                             f"band {plain_number((above - below) / 4)}")
    else:
        _one_line(text, sessions, "above" if "above" in chosen else "below", chosen.get("above", chosen.get("below")),
                  band)
    return WatchSpec("rotation_spread", text, sessions, upper=chosen.get("above"), lower=chosen.get("below"),
                     band=band)


def _one_line(text: str, sessions: int, side: str, line: float, band: float) -> None:
    """A spread watch with one line: the side that is off has its line out of any spread's reach (OFF_BELOW,
    OFF_ABOVE in alerts/watches.py). Its limits are said as the spread's own, never as a line nobody typed."""
    edge = OFF_BELOW if side == "above" else OFF_ABOVE
    why = ("a spread is a percent change of the pair's ratio, always above -100%" if side == "above" else
           f"{plain_number(OFF_ABOVE)} is the largest line a watch takes")
    room = line - edge if side == "above" else edge - line
    if room <= 0:
        raise WatchError(f"the {side} line ({plain_number(line)}) must be {side} {plain_number(edge)}: {why}",
                         f"{text} spread {sessions} {side} {5 if side == 'above' else -5}")
    if band >= room:
        raise WatchError(f"band ({plain_number(band)}, the points the spread must retreat to re-arm) must be less than "
                         f"{plain_number(room)}, the way from the {side} line ({plain_number(line)}) to "
                         f"{plain_number(edge)}: {why}",
                         f"{text} spread {sessions} {side} {plain_number(line)} band {plain_number(room / 4)}")


def _average(text: str, symbols: tuple[str, ...], rest: list[str]) -> WatchSpec:
    if not rest:
        raise WatchError("ma needs the number of sessions to average over", f"{text} ma 200")
    sessions = _sessions(rest.pop(0), "ma", text)
    chosen = _options(rest, ("band",), f"{text} ma {sessions} band 1")
    return WatchSpec("ma_cross", text, sessions, band=chosen.get("band", 0.0))


def _move(text: str, symbols: tuple[str, ...], rest: list[str]) -> WatchSpec:
    example = f"{symbols[0]} move 15 12%"
    if len(symbols) != 1:
        raise WatchError(f"move watches one ticker, not the pair '{text}'", example)
    if len(rest) != 2:
        raise WatchError("move needs the sessions and the percent, in that order", example)
    sessions = _sessions(rest[0], "move", text)
    pct = _number(rest[1], "the move", f"{text} move {sessions} 12%")
    if pct < 0:
        raise WatchError(f"give the move without a sign: {plain_number(-pct)}% watches both +{plain_number(-pct)}% and "
                         f"-{plain_number(-pct)}%", f"{text} move {sessions} {plain_number(-pct)}%")
    return WatchSpec("move_over", text, sessions, pct=pct)


def _options(rest: list[str], allowed: tuple[str, ...], example: str) -> dict[str, float]:
    """`above 5 below -5 band 1` as {"above": 5.0, ...}: each allowed word once, each with its number."""
    chosen: dict[str, float] = {}
    while rest:
        word = rest.pop(0).lower()
        if word not in allowed:
            raise WatchError(f"'{_shown(word)}' is not understood here: after the sessions come "
                             + ", ".join(f"{a} X" for a in allowed), example)
        if word in chosen:
            raise WatchError(f"{word} is given twice", example)
        if not rest:
            raise WatchError(f"{word} needs a number after it", example)
        chosen[word] = _number(rest.pop(0), word, example)
    return chosen


def _sessions(text: str, word: str, symbol: str) -> int:
    example = {"spread": f"{symbol} spread 20 above 5", "ma": f"{symbol} ma 50"}.get(word, f"{symbol} move 15 12%")
    if not _WHOLE.fullmatch(text.strip()):
        raise WatchError(f"'{_shown(text)}' is not a number of sessions: give a whole number such as 20", example)
    sessions = int(text)
    if sessions > MAX_WINDOW:
        raise WatchError(f"{sessions:,} sessions is too long: at most {MAX_WINDOW:,} (ten trading years)", example)
    return sessions


def _number(text: str, what: str, example: str) -> float:
    """A plain decimal, with or without a % sign (every number after a kind is a percent or points of one)."""
    cleaned = text.strip().removesuffix("%")
    if not _DECIMAL.fullmatch(cleaned):
        raise WatchError(f"'{_shown(text)}' is not a number for {what}: give a plain number such as 5 or 12%",
                         example)
    return float(cleaned)


def _example(word: str, text: str) -> str:
    return {"spread": f"{text} spread 20 above 5", "ma": f"{text} ma 50"}.get(word, f"{text.split('/')[0]} move 15 12%")


def _shown(text: str) -> str:
    text = text.replace("`", "'")
    return text if len(text) <= 40 else text[:39] + "…"
