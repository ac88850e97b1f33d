"""The outbox dispatcher and the Discord transport together: alerts due at once reach a channel as one message.

Grouping needs the dispatcher to hand simultaneous deliveries over concurrently; while bot/dispatch.py still sends
one at a time (each send waits out the grouping window alone), this is skipped.
"""

from __future__ import annotations

import inspect
from zoneinfo import ZoneInfo

import discord.ext.test as dpytest
import pytest

from bot.dispatch import Dispatcher
from storage import guild_settings, outbox
from tests.discord.conftest import NOW

if "gather" not in inspect.getsource(Dispatcher.run_once):
    pytest.skip("bot/dispatch.py delivers one alert at a time, so nothing can be grouped", allow_module_level=True)


async def test_alerts_due_together_reach_the_channel_as_one_message(harness):
    harness.database.call(guild_settings.set_value, harness.guild.id, "alert_channel", harness.channel.id, NOW)
    for key, message in (("new_high|^RUT|2026-11-24", "Russell 2000 closes at a record"),
                         ("rotation_spread|up|2026-11-24", "Rotation into small caps: spread +5.2%")):
        harness.database.call(outbox.enqueue, key, "alert", {"message": message, "occurred_at": NOW.isoformat()}, NOW)
    dispatcher = Dispatcher(harness.database, [harness.transport], harness.clock, ZoneInfo("America/New_York"))
    assert await dispatcher.run_once() == 2
    message = dpytest.get_message()
    assert "Russell 2000 closes at a record" in message.content and "Rotation into small caps" in message.content
    assert dpytest.verify().message().nothing()  # one message, not two
    assert harness.database.call(outbox.pending_count) == 0
