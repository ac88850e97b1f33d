"""!rotation from a real SQLite file seeded with the bundled history, read the way the command reads it.

The reads are bounded (the all-time high comes from the record rule's state), so they must give exactly the view
that all of stored history gives; without that state the small leg is read in full and the view is the same.
"""

from __future__ import annotations

import asyncio
import shutil
from datetime import datetime, timedelta, timezone

import pytest

from alerts.market.bundled import ADJUSTED_SOURCE
from alerts.market.calendar import NEW_YORK, TradingCalendar
from alerts.market.models import Quote
from alerts.rotation_view import rotation_view
from bot.commands.context import CommandContext
from bot.commands.reply import as_text
from bot.jobs.engine import RuleEngine
from bot.jobs.seed import seed_fomc_if_empty, seed_if_empty
from bot.rotation_reads import load_rotation_facts
from bot.rotation_reply import rotation_reply, view_from_facts
from bot.rotation_rule import spread_rule
from bot.settings import load_settings
from bot.wiring import configured_rules
from storage import prices, quotes
from storage.database import Database
from tests.conftest import publisher

NOW = datetime(2026, 11, 25, 17, 0, tzinfo=timezone.utc)  # noon in New York; the bundled ^RUT ends 23 Feb 2026
SETTINGS = load_settings(environ={})
RULE = spread_rule(SETTINGS.rotation)
BASKET = SETTINGS.market.basket


async def judge(database: Database) -> None:
    """What the bot does at start: the close-based rules judge the stored history and store their states."""
    publish = publisher(database, lambda: NOW)

    jobs = RuleEngine(database=database, rules=configured_rules(SETTINGS), calendar=TradingCalendar(), publish=publish,
                     clock=lambda: NOW)
    await jobs.judge_sessions()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """Seeded once (a few seconds); each test gets its own copy. Returns (without states, with states)."""
    folder = tmp_path_factory.mktemp("rotation")
    bare, judged = folder / "bare.db", folder / "judged.db"
    database = Database.open(bare)
    asyncio.run(seed_if_empty(database, NOW))
    asyncio.run(seed_fomc_if_empty(database, NOW))
    database.close()
    shutil.copy(bare, judged)
    database = Database.open(judged)
    asyncio.run(judge(database))
    database.close()
    return bare, judged


@pytest.fixture(params=["judged", "bare"])
def database(request, seeded, tmp_path):
    shutil.copy(seeded[0] if request.param == "bare" else seeded[1], tmp_path / "rotobot.db")
    db = Database.open(tmp_path / "rotobot.db")
    db.kind = request.param
    yield db
    db.close()


def test_bounded_reads_give_the_view_of_all_stored_history(database):
    calendar = TradingCalendar().around(NOW)
    today = NOW.astimezone(NEW_YORK).date()
    facts = database.call(load_rotation_facts, RULE, BASKET, today)
    if database.kind == "judged":
        assert facts.small_record is not None and round(facts.small_record.value, 2) == 2718.77
        assert len(facts.history["^RUT"]) < 300 and len(facts.history["^NDX"]) < 300  # not 1987 and 1938 onwards
        assert facts.spread_state is not None and facts.spread_state["last_session"] == "2026-02-23"
    else:
        assert facts.small_record is None and facts.history["^RUT"][0].date.year == 1987
    view = view_from_facts(facts, RULE, BASKET, NOW, calendar, 60)
    everything = database.call(prices.history_points, [RULE.small, RULE.large, *BASKET])
    adjusted = {s: {b.date for b in database.call(prices.daily_bars, s) if b.source == ADJUSTED_SOURCE} for s in BASKET}
    reference = rotation_view(history=everything, quotes=facts.quotes, spread_rule=RULE,
                              spread_state=facts.spread_state, basket=BASKET, fomc=view.fomc, now=NOW,
                              calendar=calendar, poll_seconds=60, adjusted=adjusted)
    assert view == reference
    assert view.from_high.high_date.isoformat() == "2026-01-22"
    assert all(line.last is not None for line in view.basket)  # the seed's whole basket is bundled, RF included
    assert {line.symbol: line.last.session.isoformat() for line in view.basket if line.symbol in ("RF", "CFG")} == {
        "RF": "2026-07-14", "CFG": "2026-07-13"}
    # The close-only files (adjusted closes) are marked; KRE and ZION, daily files of quoted closes, are not.
    assert {line.symbol for line in view.basket if line.adjusted} == {"CFG", "RF", "AAON", "ROAD"}
    assert view.fomc is not None and view.fomc.next_meeting is not None


async def test_the_command_reply_and_its_chart(database):
    at = datetime(2026, 11, 25, 11, 58, tzinfo=NEW_YORK)
    await database.run(quotes.save_quote, Quote("^RUT", 2480.5, at, "yahoo", at + timedelta(seconds=3), 2471.2))
    context = CommandContext(settings=SETTINGS, database=database, now=lambda: NOW, started_at=NOW,
                             calendar=TradingCalendar(), transports=("console",))
    reply = await rotation_reply(context)
    assert reply.title == "Rotation: small caps vs mega caps" and not reply.attachments
    assert reply.lines[0].startswith("Russell 2000 (^RUT): 2,480.50, +0.38% on the day — live 11:58 New York")
    assert "stale" in reply.footer  # the bundled closes end in 2026: nine months behind by November
    with_chart = await rotation_reply(context, chart=True)
    (name, png), = with_chart.attachments
    assert name == "rotation.png" and png.startswith(b"\x89PNG")
    assert with_chart.fields == reply.fields
    assert f"[attached: rotation.png, {len(png):,} bytes]" in as_text(with_chart)
