"""Charts on the console: a terminal shows no picture, so the console writes it next to the database and prints
its path. Through the real ConsoleTransport, into real folders under tmp_path."""

from __future__ import annotations

import asyncio
import errno
import io
import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from alerts.market.calendar import TradingCalendar
from bot.commands.catalog import build_router
from bot.commands.context import CommandContext
from bot.commands.reply import Reply
from bot.jobs.seed import seed_if_empty
from bot.settings import load_settings
from bot.transports import console as console_module
from bot.transports.console import KEEP_CHARTS, ConsoleTransport, charts_folder
from storage.database import Database

NEW_YORK = ZoneInfo("America/New_York")
# 03:00 UTC on the 24th is still the evening of the 23rd in New York: the file takes New York's date.
LATE_EVENING = datetime(2026, 2, 24, 3, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def converse(lines: str, answer, **options) -> str:
    """Type `lines` at a real console transport and return what it printed, once it reached the end of input."""
    out, ended = io.StringIO(), asyncio.Event()
    console = ConsoleTransport(answer=answer, on_eof=ended.set, stdin=io.StringIO(lines), stdout=out,
                               interactive=False, zone=NEW_YORK, **options)
    await console.start()
    await asyncio.wait_for(ended.wait(), timeout=60)
    await console.close()
    return out.getvalue()


def answers(*pictures: bytes):
    """A command layer whose every answer is a reply with the next of `pictures` attached as rotation.png."""
    left = list(pictures)

    async def answer(text: str) -> Reply:
        if text.strip() == "!plain":
            return Reply("Plain answer", ("no picture",))
        return Reply("Rotation: small caps vs mega caps", ("a line",), attachments=(("rotation.png", left.pop(0)),))

    return answer


def test_the_charts_folder_is_next_to_the_database(tmp_path):
    assert charts_folder("data/rotobot.db").as_posix() == "data/charts"
    assert charts_folder(tmp_path / "db" / "rotobot.db") == tmp_path / "db" / "charts"


@pytest.fixture
async def seeded_router(tmp_path):
    """The real command layer on a real seeded database in tmp_path/data, as `rotobot run` would have it."""
    path = tmp_path / "data" / "rotobot.db"
    path.parent.mkdir()
    database = Database.open(path)
    await seed_if_empty(database, LATE_EVENING)
    context = CommandContext(settings=load_settings(environ={"ROTOBOT_STORAGE_DATABASE": str(path)}),
                             database=database, now=lambda: LATE_EVENING, started_at=LATE_EVENING,
                             calendar=TradingCalendar(), transports=("console",))
    router = build_router("!")
    yield (lambda text: router.dispatch(text, context)), path
    database.close()


async def test_rotation_chart_on_the_console_is_written_next_to_the_database_and_its_path_printed(seeded_router):
    answer, database_path = seeded_router
    charts = charts_folder(database_path)
    said = await converse("!rotation chart\n", answer, charts=charts, clock=Clock(LATE_EVENING))
    chart = charts / "rotation-2026-02-23.png"
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert "Rotation: small caps vs mega caps" in said and "Russell 2000 (^RUT)" in said  # the text reply too
    assert f"  [rotation.png saved: {chart}]" in said.splitlines()
    assert "[attached:" not in said
    assert [p.name for p in charts.iterdir()] == ["rotation-2026-02-23.png"]  # nothing half-written left


async def test_a_newer_chart_of_the_same_day_replaces_that_days_file(tmp_path):
    clock = Clock(datetime(2026, 2, 23, 15, 0, tzinfo=timezone.utc))
    charts = tmp_path / "data" / "charts"
    said = await converse("!rotation chart\n!rotation chart\n", answers(b"morning", b"evening"), charts=charts,
                          clock=clock)
    assert [p.name for p in charts.iterdir()] == ["rotation-2026-02-23.png"]
    assert (charts / "rotation-2026-02-23.png").read_bytes() == b"evening"
    assert said.count(f"[rotation.png saved: {charts / 'rotation-2026-02-23.png'}]") == 2


async def test_only_the_last_charts_are_kept_and_nothing_else_in_the_folder_is_touched(tmp_path):
    charts = tmp_path / "charts"
    charts.mkdir()
    (charts / "notes.txt").write_text("mine")
    (charts / "rotation-old.png").write_bytes(b"not one of the dated charts")
    days = KEEP_CHARTS + 3

    class EveryDay(Clock):
        def __call__(self) -> datetime:
            self.now += timedelta(days=1)
            return self.now

    start = datetime(2026, 1, 1, 18, 0, tzinfo=timezone.utc)
    said = await converse("!rotation chart\n" * days, answers(*[b"png %d" % n for n in range(days)]), charts=charts,
                          clock=EveryDay(start))
    dated = sorted(p.name for p in charts.glob("rotation-????-??-??.png"))
    assert len(dated) == KEEP_CHARTS
    assert dated[0] == f"rotation-{(start + timedelta(days=4)).date()}.png"  # the first three went, oldest first
    assert dated[-1] == f"rotation-{(start + timedelta(days=days)).date()}.png"
    assert (charts / dated[-1]).read_bytes() == b"png %d" % (days - 1)
    assert (charts / "notes.txt").read_text() == "mine" and (charts / "rotation-old.png").exists()
    assert said.count("saved:") == days


async def test_a_folder_that_cannot_be_made_gives_one_line_and_the_reply_still_prints(tmp_path):
    charts = tmp_path / "data" / "charts"
    charts.parent.mkdir()
    charts.write_text("a file where the folder should be")
    said = await converse("!rotation chart\n!plain\n", answers(b"png"), charts=charts,
                          clock=Clock(LATE_EVENING))
    lines = said.splitlines()
    assert "Rotation: small caps vs mega caps" in lines and "  a line" in lines
    assert f"  [rotation.png was not saved: cannot write {charts}: a file, not a folder]" in lines
    assert "Plain answer" in lines  # and the console goes on answering
    assert charts.read_text() == "a file where the folder should be"


async def test_a_chart_whose_file_cannot_be_replaced_says_so(tmp_path):
    charts = tmp_path / "charts"
    (charts / "rotation-2026-02-23.png").mkdir(parents=True)  # a folder in the way of that day's file
    said = await converse("!rotation chart\n", answers(b"png"), charts=charts, clock=Clock(LATE_EVENING))
    assert (f"  [rotation.png was not saved: cannot write {charts / 'rotation-2026-02-23.png'}: Is a directory]"
            in said.splitlines())
    assert "Rotation: small caps vs mega caps" in said
    assert sorted(p.name for p in charts.iterdir()) == ["rotation-2026-02-23.png"]  # no half-written file left


async def test_a_full_disk_keeps_the_days_earlier_chart_whole(tmp_path, monkeypatch):
    charts = tmp_path / "charts"
    clock = Clock(LATE_EVENING)
    await converse("!rotation chart\n", answers(b"earlier chart"), charts=charts, clock=clock)
    real_write = console_module._write_bytes

    def disk_full(path, content):
        real_write(path, content[:3])  # part of it got out before the disk filled up
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(console_module, "_write_bytes", disk_full)
    said = await converse("!rotation chart\n", answers(b"later chart"), charts=charts, clock=clock)
    chart = charts / "rotation-2026-02-23.png"
    assert f"  [rotation.png was not saved: cannot write {chart}: No space left on device]" in said.splitlines()
    assert "Rotation: small caps vs mega caps" in said
    assert chart.read_bytes() == b"earlier chart"
    assert [p.name for p in charts.iterdir()] == [chart.name]


async def test_the_file_is_written_on_a_worker_thread_not_the_event_loop(tmp_path, monkeypatch):
    written_on = []
    real_write = console_module._write_bytes

    def spy(path, content):
        written_on.append(threading.get_ident())
        real_write(path, content)

    monkeypatch.setattr(console_module, "_write_bytes", spy)
    loop_thread = threading.get_ident()
    await converse("!rotation chart\n", answers(b"png"), charts=tmp_path / "charts", clock=Clock(LATE_EVENING))
    assert len(written_on) == 1 and written_on[0] != loop_thread


async def test_without_a_charts_folder_the_console_names_the_attachment_as_before(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    said = await converse("!rotation chart\n", answers(b"png"))
    assert "  [attached: rotation.png, 3 bytes]" in said.splitlines()
    assert list(tmp_path.iterdir()) == []


async def test_a_reply_without_attachments_is_printed_as_before(tmp_path):
    said = await converse("!plain\n", answers(), charts=tmp_path / "charts")
    assert said.splitlines()[1:] == ["Plain answer", "  no picture", ""]
    assert not (tmp_path / "charts").exists()

