"""The daily wrap delivered after a crash: the real wrap job, outbox, dispatcher and Discord transport (dpytest plays
Discord)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import discord.ext.test as dpytest

from alerts.market.calendar import NEW_YORK, TradingCalendar
from alerts.payloads import WrapAlert
from bot.dispatch import Dispatcher
from bot.jobs.wrap import daily_wrap
from storage import deliveries, guild_settings, outbox
from tests.conftest import publisher
from tests.discord.conftest import deliver, sample_alert


async def test_a_wrap_sent_again_after_a_crash_says_possibly_repeated(harness):
    """The wrap's body is the day's line ("Fired today: ...") and the !rotation summary (some 1,850 characters
    alone); notification_for appends the "possibly repeated" note at the end of the body, and render.alert_text
    clips the whole text to Discord's 2,000 characters from the end. On a day when two alerts fired, the one mark
    that makes a repeat acceptable is cut away (and the "late" note and the timestamp with it): the server reads
    the same wrap twice, the second time as if new."""
    h = harness
    for key, value in (("alert_channel", h.channel.id), ("daily_wrap", True)):
        h.database.call(guild_settings.set_value, h.guild.id, key, value, h.clock())
    h.clock.now = datetime(2026, 11, 25, 16, 20, tzinfo=NEW_YORK)
    await deliver(h, sample_alert("record", at=h.clock()), sample_alert("spread", at=h.clock()))  # today's news
    while not dpytest.sent_queue.empty():
        dpytest.get_message()
    h.clock.now = datetime(2026, 11, 25, 16, 30, tzinfo=NEW_YORK)
    assert await daily_wrap(h.context, TradingCalendar(), publisher(h.database, h.clock), h.clock) == 1
    (wrap,) = [q for q in h.database.call(outbox.recent, 5) if isinstance(q.alert, WrapAlert)]
    assert wrap.alert.body.startswith("Fired today: Russell 2000 closes at a record 2,712.40; Rotation into small")
    # The send began and reached Discord, and the process was killed before it was recorded.
    (target,) = await h.transport.targets(wrap.alert)
    h.database.call(deliveries.resolve, wrap.id, "discord", [target], h.clock(), ["discord"])
    h.database.call(deliveries.mark_sending, "discord", [(wrap.id, target.key)], h.clock())

    restarted = Dispatcher(h.database, [h.transport], h.clock, ZoneInfo("America/New_York"))
    assert await restarted.recover() == 1
    await deliver(h, dispatcher=restarted)
    (message,) = [dpytest.get_message() for _ in range(dpytest.sent_queue.qsize())]
    assert message.content.startswith("**Daily wrap, Wed 25 Nov 2026**")
    assert "possibly repeated" in message.content
