"""An alert's track record line as readers see it: in the Discord message (dpytest) and the webhook's text, on the
console, whole whatever else is cut; and no line at all for an alert without one."""

from __future__ import annotations

import dataclasses
import io
from zoneinfo import ZoneInfo

import discord.ext.test as dpytest

from alerts.track_record import TrackRecord
from bot.dispatch import Dispatcher
from bot.transports.base import Notification
from bot.transports.console import ConsoleTransport
from bot.transports.discord.render import alert_text
from storage import guild_settings, outbox
from tests.discord.conftest import NOW, deliver, sample_alert

RECORD = TrackRecord(horizon=20, count=12, hits=8, median=2.14, baseline_hit_rate=0.52)
LINE = ("the last 12 crossings into small caps: small caps led over the next 20 sessions 8 times, median spread "
        "+2.1 pts; any session: 52%")
WITH = dataclasses.replace(sample_alert("spread"), track_record=RECORD)


async def test_a_spread_alert_shows_its_track_record_in_discord_on_a_line_of_its_own(harness):
    harness.database.call(guild_settings.set_value, harness.guild.id, "alert_channel", harness.channel.id, NOW)
    await deliver(harness, WITH)
    message = dpytest.get_message()
    lines = message.content.split("\n")
    assert lines[0] == "**Rotation into small caps: spread +5.2%**"
    assert lines[1] == f"*{LINE}*"  # under the headline, in italics: one line, read whole on a phone
    assert lines[2].startswith("<t:")


async def test_an_alert_without_a_track_record_has_no_line_for_it(harness):
    harness.database.call(guild_settings.set_value, harness.guild.id, "alert_channel", harness.channel.id, NOW)
    await deliver(harness, sample_alert("spread"))
    lines = dpytest.get_message().content.split("\n")
    assert len(lines) == 2 and lines[1].startswith("<t:")


def test_the_track_record_stays_whole_when_the_details_are_cut():
    note = Notification("k", "Rotation into small caps", "x" * 5000, notes=("late: this happened Thu 11 Dec 16:00",),
                        track_record=LINE)
    text = alert_text(note, limit=1000)
    assert len(text) <= 1000 and f"\n*{LINE}*\n" in text and "late: this happened" in text and "x…" in text


async def test_the_console_prints_the_track_record_under_the_alert(tmp_path):
    from storage.database import Database

    database = Database.open(tmp_path / "rotobot.db")
    try:
        database.call(outbox.commit, [WITH, dataclasses.replace(sample_alert("record"), key="plain")], NOW)
        out = io.StringIO()
        console = ConsoleTransport(answer=None, on_eof=lambda: None, stdin=io.StringIO(), stdout=out,
                                   interactive=False, zone=ZoneInfo("America/New_York"))
        await Dispatcher(database, [console], lambda: NOW, ZoneInfo("America/New_York")).run_once()
        spread, record = sorted(out.getvalue().split("ALERT ")[1:], key=lambda text: "Rotation" not in text)
        assert spread.splitlines()[1] == f"  {LINE}"
        assert "the last" not in record  # a record close carries no track record
    finally:
        database.close()
