"""The dot plot behind `!fomc dots`, drawn from the real December 2025 reading: a phone-sized PNG, off the event loop."""

from __future__ import annotations

import asyncio
import dataclasses
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from alerts.fomc.projections import LONGER_RUN, parse_projections
from bot.dot_plot_chart import dot_plot_chart, dot_plot_chart_async
from tests.conftest import ROOT

PAGE = Path(__file__).resolve().parents[1] / "fixtures" / "fomc" / "fomcprojtabl20251210.htm"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def december():
    return parse_projections(PAGE.read_bytes().decode("utf-8"))


def size(png: bytes) -> tuple[int, int]:
    return struct.unpack(">II", png[16:24])


def test_the_real_dot_plot_is_a_phone_sized_png(december, tmp_path):
    png = dot_plot_chart(december, (3.5, 3.75))
    assert png.startswith(PNG) and size(png) == (800, 600)
    (tmp_path / "fomc-dots.png").write_bytes(png)


def test_what_is_drawn_follows_the_reading(december):
    # Another previous round, or no range in force, is another picture; the same input is the same picture.
    funds = {h: dataclasses.replace(row, previous_median=None if h == 2028 else row.median + 0.25)
             for h, row in december.variables["funds_rate"].items()}
    moved = dataclasses.replace(december, variables={**december.variables, "funds_rate": funds})
    pictures = [dot_plot_chart(december, (3.5, 3.75)), dot_plot_chart(moved, (3.5, 3.75)),
                dot_plot_chart(december, None), dot_plot_chart(december, (3.5, 3.75))]
    assert all(p.startswith(PNG) and size(p) == (800, 600) for p in pictures)
    assert pictures[0] == pictures[3] and len({pictures[0], pictures[1], pictures[2]}) == 3


def test_a_horizon_without_dots_still_draws(december):
    sparse = dataclasses.replace(december, dots={**december.dots, LONGER_RUN: {}})
    assert size(dot_plot_chart(sparse)) == (800, 600)


async def test_it_is_drawn_off_the_event_loop(december):
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0)  # a turn of the loop, no waiting
            ticks += 1

    beat = asyncio.create_task(ticker())
    try:
        first, second = await asyncio.gather(dot_plot_chart_async(december, (3.5, 3.75)),
                                             dot_plot_chart_async(december, None))
    finally:
        beat.cancel()
    assert first == dot_plot_chart(december, (3.5, 3.75)) and second != first
    assert ticks > 100  # the loop kept turning while they drew


def test_matplotlib_is_imported_only_when_a_dot_plot_is_drawn():
    code = "import sys, bot.dot_plot_chart, bot.commands.overview\nprint('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "False"
