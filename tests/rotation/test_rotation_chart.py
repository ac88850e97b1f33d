"""The rotation chart: a PNG a phone shows full width, drawn off the event loop, safe to draw twice at once."""

from __future__ import annotations

import asyncio
import struct
import subprocess
import sys
from datetime import date

from bot.charts import rotation_chart, rotation_chart_async
from tests.conftest import ROOT
from tests.rotation.rotationkit import RECORD_DAY

PNG = b"\x89PNG\r\n\x1a\n"


def size(png: bytes) -> tuple[int, int]:
    return struct.unpack(">II", png[16:24])  # the IHDR chunk: width, height


def test_the_chart_is_a_phone_sized_png(history, spread_rule, tmp_path):
    """How long it takes is `python -m bench rotation`'s to say (median of renders), not a limit here."""
    png = rotation_chart(history, spread_rule, RECORD_DAY)
    assert png.startswith(PNG) and size(png) == (800, 600)
    (tmp_path / "rotation.png").write_bytes(png)


async def test_two_concurrent_renders_both_succeed_and_match_a_lone_one(history, spread_rule):
    alone = rotation_chart(history, spread_rule, RECORD_DAY)
    loop_ticks = 0

    async def ticker():
        nonlocal loop_ticks
        while True:
            await asyncio.sleep(0.01)
            loop_ticks += 1

    beat = asyncio.create_task(ticker())
    try:
        first, second = await asyncio.gather(rotation_chart_async(history, spread_rule, RECORD_DAY),
                                             rotation_chart_async(history, spread_rule, date(2025, 6, 30)))
        again = await rotation_chart_async(history, spread_rule, RECORD_DAY)
    finally:
        beat.cancel()
    assert first.startswith(PNG) and second.startswith(PNG)
    assert first == alone == again  # no render disturbed the other: same pixels as drawing alone
    assert second != first
    assert loop_ticks > 5  # the event loop kept running while they drew


def test_no_data_still_gives_a_chart(spread_rule):
    png = rotation_chart({}, spread_rule, RECORD_DAY)
    assert png.startswith(PNG) and size(png) == (800, 600)


def test_matplotlib_is_imported_only_when_a_chart_is_drawn():
    code = ("import sys, alerts.rotation_view, bot.rotation_reply, bot.charts\n"
            "print('matplotlib' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "False"
