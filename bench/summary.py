"""The figures each benchmark records, printed as one table against their targets at the end of `make bench`."""

from __future__ import annotations

ROWS: list[tuple[str, float, str, float | None]] = []


def record(name: str, value: float, unit: str, target: float | None = None) -> None:
    """`target` is an upper bound (lower is better for every figure here); None when there is none."""
    ROWS.append((name, value, unit, target))


def table() -> str:
    width = max((len(name) for name, *_ in ROWS), default=10)
    lines = [f"{'figure':<{width}}  {'measured':>14}  {'target':>12}  verdict", "-" * (width + 40)]
    for name, value, unit, target in ROWS:
        shown = f"{value:,.1f} {unit}"
        goal = f"< {target:,.0f} {unit}" if target is not None else "—"
        verdict = "" if target is None else ("ok" if value < target else "MISSED")
        lines.append(f"{name:<{width}}  {shown:>14}  {goal:>12}  {verdict}")
    return "\n".join(lines)
