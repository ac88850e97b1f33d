"""`!fomc` and `!fomc dots` through the real router, on a real database seeded with the bundled FOMC history and,
where a test says so, the real December 2025 projections stored as the reader stores them."""

from __future__ import annotations

import dataclasses
import struct
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from alerts.fomc.projections import parse_projections
from alerts.market.calendar import TradingCalendar
from bot.commands.catalog import build_router
from bot.commands.context import CommandContext
from bot.commands.reply import as_text
from bot.commands.router import Caller
from bot.jobs.seed import seed_fomc_if_empty
from bot.settings import load_settings
from storage import fomc
from storage.database import Database

PAGE = Path(__file__).resolve().parents[1] / "fixtures" / "fomc" / "fomcprojtabl20251210.htm"
URL = "https://www.federalreserve.gov/monetarypolicy/fomcprojtabl20251210.htm"
NOW = datetime(2025, 12, 11, 15, 0, tzinfo=timezone.utc)  # the morning after the December 2025 meeting
TRADER = Caller(user_id=11, guild_id=99, channel_id=555, is_admin=False, name="trader")
PATH = "median funds rate, % (September's): 2025 3.6 (3.6) · 2026 3.4 (3.4) · 2027 3.1 (3.1) · 2028 3.1 (3.1) · " \
       "longer run 3.0 (3.0)"


@pytest.fixture(scope="module")
def december():
    return parse_projections(PAGE.read_bytes().decode("utf-8"))


@pytest.fixture
async def ask(tmp_path):
    database = Database.open(tmp_path / "rotobot.db")
    await seed_fomc_if_empty(database, NOW)
    clock = [NOW]
    context = CommandContext(settings=load_settings(environ={}), database=database, now=lambda: clock[0],
                             started_at=NOW, calendar=TradingCalendar(), transports=("console",))
    router = build_router("!")

    async def run(text: str):
        clock[0] += timedelta(seconds=3)
        return await router.dispatch(text, context, TRADER)

    run.database = database
    yield run
    database.close()


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", png[16:24])


async def test_fomc_says_when_no_projections_are_stored(ask):
    reply = await ask("!fomc")
    assert not reply.error and reply.attachments == ()
    fields = dict(reply.fields)
    assert fields["projections"] == "none stored yet"
    assert "3.50%–3.75% since 2025-12-10" in fields["target range"]


async def test_fomc_dots_with_nothing_stored_says_so_in_a_sentence(ask):
    reply = await ask("!fomc dots")
    assert not reply.error and reply.attachments == ()
    assert reply.title == "FOMC dot plot"
    assert reply.lines[0] == "No FOMC projections are stored yet, so there is no dot plot to draw."


async def test_fomc_shows_the_latest_projections_after_the_decisions(ask, december):
    ask.database.call(fomc.upsert_projections, dataclasses.replace(december, meeting=date(2025, 9, 17),
                                                                   previous_round="June"), URL, NOW)
    ask.database.call(fomc.upsert_projections, december, URL, NOW)
    reply = await ask("!fomc")
    assert not reply.error and reply.attachments == ()
    names = [name for name, _ in reply.fields]
    assert names[:3] == ["next meeting", "decision", "target range"] and names[-1] == "projections 2025-12-10"
    assert names[3:6] == ["2025-12-10", "2025-10-29", "2025-09-17"]  # what it showed before, first
    assert reply.fields[-1][1] == PATH
    text = as_text(reply)
    assert f"  projections 2025-12-10  {PATH}" in text.splitlines()


async def test_fomc_dots_attaches_the_dot_plot(ask, december):
    ask.database.call(fomc.upsert_projections, december, URL, NOW)
    reply = await ask("!fomc DOTS")
    assert not reply.error
    ((name, png),) = reply.attachments
    assert name == "fomc-dots.png" and png_size(png) == (800, 600)
    assert reply.fields == (await ask("!fomc")).fields  # the same answer, with the picture


@pytest.mark.parametrize("text", ["!fomc foo", "!fomc dots extra", "!fomc chart"])
async def test_a_bad_argument_gets_a_clear_message_with_a_valid_example(ask, text):
    reply = await ask(text)
    assert reply.error and reply.attachments == ()
    assert reply.title.startswith("fomc takes nothing, or 'dots' for the dot plot (got '")
    assert reply.lines == ("Usage: !fomc [dots]",)


async def test_a_long_or_odd_argument_is_echoed_short_and_harmless(ask):
    reply = await ask("!fomc `" + "x" * 100)
    assert reply.error and "`" not in reply.title and "…" in reply.title


async def test_fomc_shows_the_last_vote_and_the_next_decision_in_each_reader_s_zone(ask):
    """The vote of the last decision as the real 10 December 2025 statement gives it (nine for, three against),
    and the next decision as a Discord timestamp: each reader's Discord shows it in their own zone."""
    from alerts.fomc.statement import read_statement
    from alerts.fomc.models import Decision

    statement = (Path(__file__).resolve().parents[1] / "fixtures" / "fomc" / "statement_2025-12-10_pagetext.txt")
    reading = read_statement(statement.read_text())
    votes = {"for": reading.voted_for, "against": reading.voted_against, "notes": reading.dissent_notes}
    ask.database.call(fomc.upsert_decision, Decision(date(2025, 12, 10), "lower", 3.5, 3.75, -25, "statement",
                                                     votes=votes), NOW)
    fields = dict((await ask("!fomc")).fields)
    vote = fields["vote 2025-12-10"]
    assert vote.startswith("9–3; Dissent: ") and "Miran" in vote and "Goolsbee" in vote and "Schmid" in vote
    at = int(datetime(2026, 1, 28, 14, 0, tzinfo=timezone(timedelta(hours=-5))).timestamp())
    assert fields["decision"] == f"<t:{at}:F> (<t:{at}:R>)"
