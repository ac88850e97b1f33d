"""Pictures for Discord: the rotation chart behind `!rotation chart`.

matplotlib costs about 0.7 s and 70 MB to import, so it is imported inside the function that draws, never at
module load. Only the object-oriented API is used (a Figure of its own and an Agg canvas, never pyplot): pyplot
keeps global state, while separate Figure objects can be drawn on separate threads at the same time, which is
what rotation_chart_async does to keep the event loop (and Discord's heartbeat) free.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from alerts.rotation_series import record_closes, spread_series
from alerts.rules.messages import NAMES
from alerts.rules.model import Point, RotationSpread
from alerts.rules.series import count_through

CHART_DAYS = 365  # the one year a chart draws; bot/rotation_reads.py reads enough history for it from here
FIGSIZE, DPI = (8, 6), 100  # 800 x 600 px: a phone shows it full width without zooming
_LABEL_BOX = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85}
SMALL_COLOUR, LARGE_COLOUR, LINE_COLOUR, RECORD_COLOUR = "#1e8449", "#c0392b", "#2e86de", "#d4ac0d"


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def _pct(value: float) -> str:
    return f"{value:+.2f}%".replace("-", "\u2212")


def rotation_chart(history: Mapping[str, Sequence[Point]], spread_rule: RotationSpread, end: date) -> bytes:
    """A PNG: one year to `end` of the spread with its alert and re-arm lines, and the small leg's closes with
    its record closes marked."""
    import matplotlib.dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rule = spread_rule
    start = end - timedelta(days=CHART_DAYS)
    spread = spread_series(history, rule, start, end)
    small = history.get(rule.small, ())
    closes = small[count_through(small, start - timedelta(days=1)):count_through(small, end)]
    records = record_closes(small, start, end)

    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True)
    fig.suptitle(f"Rotation {rule.pair}, to {_day(end)}", fontsize=14, fontweight="bold")

    top.set_title(f"{rule.window}-session spread, %", fontsize=11, loc="left")
    top.axhline(0, color="#999999", linewidth=0.8)
    top.axhline(rule.upper, color=SMALL_COLOUR, linewidth=1.4, label=f"into small caps {_pct(rule.upper)}")
    top.axhline(rule.lower, color=LARGE_COLOUR, linewidth=1.4, label=f"into mega caps {_pct(rule.lower)}")
    top.axhline(rule.upper - rule.hysteresis, color=SMALL_COLOUR, linewidth=1, linestyle="--", label="re-arm")
    top.axhline(rule.lower + rule.hysteresis, color=LARGE_COLOUR, linewidth=1, linestyle="--")
    if spread:
        days, values = [d for d, _ in spread], [v for _, v in spread]
        top.plot(days, values, color=LINE_COLOUR, linewidth=1.6)
        top.fill_between(days, values, rule.upper, where=[v >= rule.upper for v in values], color=SMALL_COLOUR,
                         alpha=0.25, interpolate=True)
        top.fill_between(days, values, rule.lower, where=[v <= rule.lower for v in values], color=LARGE_COLOUR,
                         alpha=0.25, interpolate=True)
        top.annotate(_pct(values[-1]), (days[-1], values[-1]), xytext=(4, 0), textcoords="offset points",
                     fontsize=10, fontweight="bold", va="center", color=LINE_COLOUR, bbox=_LABEL_BOX)
    else:
        top.text(0.5, 0.5, "no spread yet: too few sessions with both closes", transform=top.transAxes,
                 ha="center", va="center", fontsize=11)
    low, high = top.get_ylim()
    top.set_ylim(low, high + (high - low) * 0.15)  # headroom, so the legend never sits on the line
    top.legend(loc="upper left", fontsize=8, ncols=3, frameon=False)
    top.grid(axis="y", alpha=0.3)

    name = NAMES.get(rule.small, rule.small)
    bottom.set_title(f"{name} close; \u25b2 record close", fontsize=11, loc="left")
    if closes:
        bottom.plot([p.date for p in closes], [p.close for p in closes], color="#34495e", linewidth=1.4)
        if records:
            bottom.scatter([p.date for p in records], [p.close for p in records], marker="^", s=42,
                           color=RECORD_COLOUR, edgecolors="#7d6608", linewidths=0.6, zorder=3,
                           label=f"{len(records)} record closes")
            bottom.legend(loc="upper left", fontsize=8, frameon=False)
        last = closes[-1]
        bottom.annotate(f"{last.close:,.2f}", (last.date, last.close), xytext=(4, 0), textcoords="offset points",
                        fontsize=10, fontweight="bold", va="center", bbox=_LABEL_BOX)
        low, high = bottom.get_ylim()
        bottom.set_ylim(low, high + (high - low) * 0.08)
    else:
        bottom.text(0.5, 0.5, f"no closes of {rule.small} stored", transform=bottom.transAxes, ha="center",
                    va="center", fontsize=11)
    bottom.grid(axis="y", alpha=0.3)
    bottom.yaxis.set_major_formatter("{x:,.0f}")

    locator = mdates.AutoDateLocator(minticks=4, maxticks=8)
    bottom.xaxis.set_major_locator(locator)
    bottom.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    bottom.set_xlim(start, end + timedelta(days=CHART_DAYS // 12))  # room for the last values' labels
    for axes in (top, bottom):
        axes.tick_params(labelsize=10)
        axes.spines[["top", "right"]].set_visible(False)

    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


async def rotation_chart_async(history: Mapping[str, Sequence[Point]], spread_rule: RotationSpread,
                               end: date) -> bytes:
    """rotation_chart on a worker thread: drawing takes a few hundred milliseconds the event loop cannot spare."""
    return await asyncio.to_thread(rotation_chart, history, spread_rule, end)
