"""The picture behind `!fomc dots`: the FOMC's dot plot from stored projections.

x: the horizons (each year, then the longer run); y: the level, each participant's midpoint of the target range in
percent; one dot per level, sized by the participants there, with their number to its left. This round's median is
a solid bar to the right of each horizon's dots, the previous round's a dashed one at the same place, and the range
in force a shaded band.

As bot/charts.py: matplotlib is imported inside the function that draws, only its object-oriented API is used (a
Figure of its own, an Agg canvas, never pyplot), and dot_plot_chart_async draws on a worker thread so that the
event loop (and Discord's heartbeat) stays free.
"""

from __future__ import annotations

import asyncio
import io

from alerts.fomc.projections import LONGER_RUN, Projections
from alerts.fomc.projections_text import meeting_text, range_text

FIGSIZE, DPI = (8, 6), 100  # 800 x 600 px, as the rotation chart
DOT_COLOUR, MEDIAN_COLOUR, PREVIOUS_COLOUR, RANGE_COLOUR = "#2e86de", "#c0392b", "#7f8c8d", "#f5b041"
BAR = (0.1, 0.42)  # where a median's bar starts and ends, in horizons right of the dots


def dot_plot_chart(projections: Projections, range_in_force: tuple[float, float] | None = None) -> bytes:
    """A PNG of `projections`' dot plot with this round's and the previous round's medians marked."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    horizons = projections.horizons
    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots()
    fig.suptitle(f"FOMC projections of {meeting_text(projections.meeting)}: the dot plot", fontsize=14,
                 fontweight="bold")
    axes.set_title(f"End-of-year midpoint of the target range, %; number = participants at that level "
                   f"(of {projections.participants})", fontsize=10, loc="left")
    if range_in_force is not None:
        low, high = range_in_force
        axes.axhspan(low, high, color=RANGE_COLOUR, alpha=0.25, linewidth=0,
                     label=f"range in force {range_text(low, high)}")
    for x, horizon in enumerate(horizons):
        levels = projections.dots.get(horizon, {})
        if not levels:
            continue
        counts = list(levels.values())
        axes.scatter([x] * len(levels), list(levels), s=[30 + 24 * c for c in counts], color=DOT_COLOUR,
                     edgecolors="white", linewidths=0.8, alpha=0.9, zorder=3)
        for level, count in levels.items():
            axes.annotate(str(count), (x, level), xytext=(-6 - 2.4 * count ** 0.5, 0), textcoords="offset points",
                          fontsize=8, ha="right", va="center", color="#34495e")
    funds = projections.variables.get("funds_rate", {})
    shown = [(x, funds[h]) for x, h in enumerate(horizons) if h in funds]
    axes.hlines([row.median for _, row in shown], [x + BAR[0] for x, _ in shown], [x + BAR[1] for x, _ in shown],
                colors=MEDIAN_COLOUR, linewidths=2.4, zorder=4, label="median, this round")
    before = [(x, row.previous_median) for x, row in shown if row.previous_median is not None]
    if before:
        axes.hlines([m for _, m in before], [x + BAR[0] for x, _ in before], [x + BAR[1] for x, _ in before],
                    colors=PREVIOUS_COLOUR, linewidths=1.8, linestyles=(0, (3, 2)), zorder=4,
                    label=f"median, {projections.previous_round} round")
    axes.set_xticks(range(len(horizons)), ["Longer run" if h == LONGER_RUN else str(h) for h in horizons])
    axes.set_xlim(-0.6, len(horizons) - 0.4)
    low, high = axes.get_ylim()
    axes.set_ylim(low, high + (high - low) * 0.12)  # headroom for the legend
    axes.yaxis.set_major_formatter("{x:.2f}")
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="upper right", fontsize=9, frameon=False, ncols=3)
    axes.tick_params(labelsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


async def dot_plot_chart_async(projections: Projections, range_in_force: tuple[float, float] | None = None) -> bytes:
    """dot_plot_chart on a worker thread: drawing takes a few hundred milliseconds the event loop cannot spare."""
    return await asyncio.to_thread(dot_plot_chart, projections, range_in_force)
