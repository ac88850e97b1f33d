"""One line per watch, from its stored rule state: where its value stands and what fires next (`!watches`, and
this server's part of `!rotation`). Pure: the caller reads the watches and their states."""

from __future__ import annotations

from alerts.rules import messages
from alerts.rules.checks import number_text
from alerts.watches import Watch


def watch_line(watch: Watch, state: dict | None) -> str:
    """"#3 KRE/SPY spread 20 above 5 — +3.21% at the 11 Dec 2025 close; fires at +5.00%"."""
    head = f"#{watch.number} {watch.spec.text}"
    if watch.status == "pending":
        legs = " and ".join(watch.spec.symbols)
        return f"{head} — waiting for the first data of {legs}: the next data job looks it up"
    if not state or "last_session" not in state:
        return f"{head} — not judged yet: from the next close with {watch.spec.sessions} sessions stored"
    at = f"at the {messages.day(state['last_session'])} close"
    kind = watch.spec.kind
    if kind == "rotation_spread":
        return f"{head} — {messages.pct(state['spread'])} {at}; {_spread_sides(watch, state)}"
    if kind == "ma_cross":
        ratio = len(watch.spec.symbols) == 2
        shown = (lambda v: f"{v:.5g}") if ratio else messages.price
        return (f"{head} — {'ratio ' if ratio else ''}{shown(state['value'])} {state['side']} its average "
                f"{shown(state['average'])} {at}")
    change = messages.pct(state["change"])
    return f"{head} — {change} over {watch.spec.sessions} sessions {at}; {_move_sides(watch, state)}"


def _spread_sides(watch: Watch, state: dict) -> str:
    spec, parts = watch.spec, []
    if spec.upper is not None:
        parts.append(f"fires at {messages.pct(spec.upper)}" if state.get("small_armed")
                     else f"fired, re-arms under {messages.pct(spec.upper - spec.band)}")
    if spec.lower is not None:
        parts.append(f"fires at {messages.pct(spec.lower)}" if state.get("large_armed")
                     else f"fired, re-arms over {messages.pct(spec.lower + spec.band)}")
    return " and ".join(parts)


def _move_sides(watch: Watch, state: dict) -> str:
    line = number_text(watch.spec.pct)
    up, down = state.get("up_armed"), state.get("down_armed")
    if up and down:
        return f"fires at ±{line}%"
    return " and ".join(part for part in (
        f"fires at +{line}%" if up else f"fired up, re-arms under +{line}%",
        f"fires at -{line}%" if down else f"fired down, re-arms over -{line}%"))
