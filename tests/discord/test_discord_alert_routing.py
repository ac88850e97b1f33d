"""DiscordTransport.send: where each alert lands, who it may mention, and grouping (dpytest)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import discord
import discord.ext.test as dpytest
import pytest

from bot.transports.base import Notification
from bot.transports.discord import DeliveryError
from storage import guild_settings
from tests.discord.conftest import NOW, make_harness

HAPPENED = NOW - timedelta(minutes=2)
RECORD = Notification("new_high|^RUT|2026-11-24", "Russell 2000 closes at a record 2,712.40", "previous record 2,690.1",
                      occurred_at=HAPPENED)
SPREAD = Notification("rotation_spread|up|2026-11-24", "Rotation into small caps: spread +5.2%", occurred_at=HAPPENED)


def setting(h, key, value):
    h.database.call(guild_settings.set_value, h.guild.id, key, value, NOW)


def sent_messages() -> list[discord.Message]:
    out = []
    while not dpytest.sent_queue.empty():
        out.append(dpytest.get_message())
    return out


async def test_a_server_wide_alert_lands_in_the_servers_channel_mentioning_its_role(harness):
    setting(harness, "alert_channel", harness.channel.id)
    setting(harness, "alert_role", harness.admin_role.id)
    await harness.transport.send(RECORD)
    (message,) = sent_messages()
    assert message.channel.id == harness.channel.id
    assert message.content.startswith(f"<@&{harness.admin_role.id}>\n")
    assert "**Russell 2000 closes at a record 2,712.40**\nprevious record 2,690.1" in message.content
    assert f"<t:{int(HAPPENED.timestamp())}:f>" in message.content  # each reader sees their own time zone
    # Only that role may be pinged: not @everyone, not users, not another role.
    assert harness.payloads[-1]["allowed_mentions"] == {"parse": [], "roles": [harness.admin_role.id]}


async def test_without_a_server_setting_the_configured_channel_is_used(database, sent_payloads):
    harness = await make_harness(database, sent_payloads)
    try:
        harness.transport._alert_channel_id = harness.channel.id  # as discord.alert_channel_id would set it
        await harness.transport.send(SPREAD)
        (message,) = sent_messages()
        assert message.channel.id == harness.channel.id
        assert message.content.startswith("**Rotation into small caps")
        assert sent_payloads[-1]["allowed_mentions"] == {"parse": []}
    finally:
        harness.bot.ws = None
        await harness.transport.close()


async def test_a_muted_server_gets_nothing_and_the_alert_counts_as_handled(harness):
    setting(harness, "alert_channel", harness.channel.id)
    setting(harness, "muted_until", (NOW + timedelta(hours=2)).isoformat())
    await harness.transport.send(RECORD)  # no exception: the dispatcher must not retry a muted server
    assert sent_messages() == []


async def test_a_mute_that_has_ended_no_longer_holds_alerts_back(harness):
    setting(harness, "alert_channel", harness.channel.id)
    setting(harness, "muted_until", (NOW - timedelta(minutes=1)).isoformat())
    await harness.transport.send(RECORD)
    assert len(sent_messages()) == 1


async def test_a_server_without_an_alert_channel_is_skipped_quietly(harness):
    await harness.transport.send(RECORD)
    assert sent_messages() == []


async def test_a_subscription_alert_by_dm_reaches_the_subscriber(harness):
    alert = Notification("sub|CFG|move|2026-11-25", "CFG moved +3.4% today", "last 61.20",
                         route={"guild_id": harness.guild.id, "user_id": harness.trader.id, "channel_id": None},
                         occurred_at=HAPPENED)
    await harness.transport.send(alert)
    (message,) = sent_messages()
    assert isinstance(message.channel, discord.DMChannel)
    dm = harness.bot.get_user(harness.trader.id).dm_channel  # dpytest's copy of the message has no recipient
    assert message.channel.id == dm.id and dm.recipient.id == harness.trader.id
    assert message.content.startswith("**CFG moved +3.4% today**")
    assert harness.payloads[-1]["allowed_mentions"] == {"parse": []}


async def test_a_subscription_alert_in_a_channel_mentions_only_the_subscriber(harness):
    setting(harness, "alert_role", harness.admin_role.id)  # a server-wide setting: not for a personal alert
    alert = Notification("sub|CFG|above|2026-11-25", "CFG crossed above 60.00",
                         route={"guild_id": harness.guild.id, "user_id": harness.trader.id,
                                "channel_id": harness.channel.id})
    await harness.transport.send(alert)
    (message,) = sent_messages()
    assert message.channel.id == harness.channel.id
    assert message.content == f"<@{harness.trader.id}>\n**CFG crossed above 60.00**"
    assert harness.payloads[-1]["allowed_mentions"] == {"parse": [], "users": [harness.trader.id]}


async def test_alerts_within_the_window_arrive_as_one_message(harness):
    setting(harness, "alert_channel", harness.channel.id)
    await asyncio.gather(harness.transport.send(RECORD), harness.transport.send(SPREAD))
    (message,) = sent_messages()
    assert message.content.index("Russell 2000 closes at a record") < message.content.index("Rotation into small")
    assert "\n\n" in message.content  # one block per alert


async def test_an_alert_after_the_window_is_a_message_of_its_own(harness):
    setting(harness, "alert_channel", harness.channel.id)
    await harness.transport.send(RECORD)
    await harness.transport.send(SPREAD)
    assert len(sent_messages()) == 2


async def test_an_unreachable_channel_raises_so_the_dispatcher_retries(harness):
    setting(harness, "alert_channel", 424242424242)  # no such channel
    with pytest.raises(DeliveryError, match="no Discord destination took the alert"):
        await harness.transport.send(RECORD)


async def test_before_the_gateway_is_ready_an_alert_is_handed_back(harness):
    setting(harness, "alert_channel", harness.channel.id)
    harness.bot._ready.clear()
    with pytest.raises(DeliveryError, match="not connected to Discord yet"):
        await harness.transport.send(RECORD)
    assert sent_messages() == []


async def test_one_server_failing_does_not_fail_the_alert_for_the_others(harness, caplog):
    import discord.ext.test.backend as backend

    other = backend.make_guild("Second server")
    backend.make_member(backend.get_state().user, other)  # the bot is in it too
    setting(harness, "alert_channel", harness.channel.id)
    harness.database.call(guild_settings.set_value, other.id, "alert_channel", 515151515151, NOW)  # deleted channel
    await harness.transport.send(RECORD)  # delivered somewhere: no retry, which would repeat it where it went
    (message,) = sent_messages()
    assert message.channel.id == harness.channel.id
    assert any("did not reach Discord channel 515151515151" in r.getMessage() for r in caplog.records)


async def test_a_subscription_alert_for_a_muted_servers_channel_is_not_posted(harness):
    setting(harness, "muted_until", (NOW + timedelta(hours=1)).isoformat())
    alert = Notification("sub|CFG|above|x", "CFG crossed above 60.00",
                         route={"guild_id": harness.guild.id, "user_id": harness.trader.id,
                                "channel_id": harness.channel.id})
    await harness.transport.send(alert)
    assert sent_messages() == []


async def test_with_a_ready_timeout_an_alert_waits_for_the_gateway(harness):
    setting(harness, "alert_channel", harness.channel.id)
    harness.bot._ready.clear()
    harness.transport._ready_timeout = 2.0
    asyncio.get_running_loop().call_later(0.05, harness.bot._ready.set)
    await harness.transport.send(RECORD)
    assert len(sent_messages()) == 1


class Refusal:
    status, reason = 403, "Forbidden"


async def test_a_user_who_closed_their_dms_is_not_retried_forever(harness, monkeypatch, caplog):
    async def refuse(self, *args, **kwargs):
        raise discord.Forbidden(Refusal(), {"code": 50007, "message": "Cannot send messages to this user"})

    monkeypatch.setattr(discord.DMChannel, "send", refuse)
    alert = Notification("sub|CFG|x", "CFG moved", route={"guild_id": harness.guild.id, "user_id": harness.trader.id,
                                                          "channel_id": None})
    await harness.transport.send(alert)  # handled: a retry could never succeed
    assert "does not accept direct messages" in caplog.text


async def test_a_channel_the_bot_may_not_post_in_is_retried(harness, monkeypatch):
    async def refuse(self, *args, **kwargs):
        raise discord.Forbidden(Refusal(), {"code": 50013, "message": "Missing Permissions"})

    monkeypatch.setattr(discord.TextChannel, "send", refuse)
    setting(harness, "alert_channel", harness.channel.id)
    with pytest.raises(DeliveryError, match="Missing Permissions"):
        await harness.transport.send(RECORD)  # an admin can fix the permission: worth retrying


async def test_a_server_with_its_own_spread_lines_gets_only_its_own_alert(harness):
    from dataclasses import replace

    setting(harness, "alert_channel", harness.channel.id)
    await harness.transport.send(replace(SPREAD, route={"exclude_guilds": [harness.guild.id]}))
    assert sent_messages() == []  # the shared rule's alert skips this server
    await harness.transport.send(replace(SPREAD, key="own", route={"guild_id": harness.guild.id}))
    (message,) = sent_messages()
    assert message.channel.id == harness.channel.id


async def test_an_operator_notice_goes_only_to_the_configured_channel(harness):
    from dataclasses import replace

    setting(harness, "alert_channel", harness.channel.id)  # a server's own alert channel: not for notices
    notice = replace(SPREAD, key="operator:yahoo:down", title="Data source yahoo has been failing for 10 min",
                     route={"operator": True})
    await harness.transport.send(notice)
    assert sent_messages() == []  # no operator channel configured: the log and console carry it
    harness.transport._alert_channel_id = harness.channel.id  # as discord.alert_channel_id would set it
    await harness.transport.send(notice)
    (message,) = sent_messages()
    assert message.channel.id == harness.channel.id
