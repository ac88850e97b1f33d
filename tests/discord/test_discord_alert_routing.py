"""The Discord transport behind the real dispatcher: where each alert lands, who it may mention, grouping, and
what a refusal comes to (dpytest plays Discord)."""

from __future__ import annotations

from datetime import timedelta

import discord
import discord.ext.test as dpytest
from alerts.payloads import Everyone, Operator, Server, Subscriber
from storage import guild_settings, outbox, subscriptions
from tests.discord.conftest import NOW, deliver, make_harness, sample_alert

RECORD = sample_alert("record", body="previous record 2,690.1")
SPREAD = sample_alert("spread")


def setting(h, key, value):
    h.database.call(guild_settings.set_value, h.guild.id, key, value, NOW)


def sent_messages() -> list[discord.Message]:
    out = []
    while not dpytest.sent_queue.empty():
        out.append(dpytest.get_message())
    return out


def owed(h) -> int:
    return h.database.call(outbox.pending_count)


def delivery_rows(h) -> list[dict]:
    return h.database.call(lambda d: list(d.query("SELECT * FROM deliveries ORDER BY event_id, target")))


async def test_a_server_wide_alert_lands_in_the_servers_channel_mentioning_its_role(harness):
    setting(harness, "alert_channel", harness.channel.id)
    setting(harness, "alert_role", harness.admin_role.id)
    await deliver(harness, RECORD)
    (message,) = sent_messages()
    assert message.channel.id == harness.channel.id
    assert message.content.startswith(f"<@&{harness.admin_role.id}>\n")
    assert "**Russell 2000 closes at a record 2,712.40**\nprevious record 2,690.1" in message.content
    assert f"<t:{int(RECORD.occurred_at.timestamp())}:f>" in message.content  # each reader sees their own zone
    # Only that role may be pinged: not @everyone, not users, not another role.
    assert harness.payloads[-1]["allowed_mentions"] == {"parse": [], "roles": [harness.admin_role.id]}
    assert owed(harness) == 0


async def test_without_a_server_setting_the_configured_channel_is_used(database, sent_payloads):
    harness = await make_harness(database, sent_payloads, alert_channel_id=0)
    try:
        harness.transport._alert_channel_id = harness.channel.id  # as discord.alert_channel_id would set it
        await deliver(harness, SPREAD)
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
    await deliver(harness, RECORD)
    assert sent_messages() == [] and owed(harness) == 0  # nothing to retry: the server asked for quiet


async def test_a_server_that_mutes_after_the_alert_was_queued_is_not_posted_to(harness):
    setting(harness, "alert_channel", harness.channel.id)
    harness.transport.bot._ready.clear()  # not connected yet: the alert waits
    dispatcher = await deliver(harness, RECORD)
    setting(harness, "muted_until", (NOW + timedelta(hours=2)).isoformat())
    harness.transport.bot._ready.set()
    await deliver(harness, dispatcher=dispatcher)
    assert sent_messages() == [] and owed(harness) == 0


async def test_a_mute_that_has_ended_no_longer_holds_alerts_back(harness):
    setting(harness, "alert_channel", harness.channel.id)
    setting(harness, "muted_until", (NOW - timedelta(minutes=1)).isoformat())
    await deliver(harness, RECORD)
    assert len(sent_messages()) == 1


async def test_a_server_without_an_alert_channel_is_skipped_quietly(harness):
    await deliver(harness, RECORD)
    assert sent_messages() == [] and owed(harness) == 0


async def test_a_subscription_alert_by_dm_reaches_the_subscriber(harness):
    await deliver(harness, sample_alert("move", route=Subscriber(harness.guild.id, harness.trader.id, None),
                                        body="last 61.20"))
    (message,) = sent_messages()
    assert isinstance(message.channel, discord.DMChannel)
    dm = harness.bot.get_user(harness.trader.id).dm_channel  # dpytest's copy of the message has no recipient
    assert message.channel.id == dm.id and dm.recipient.id == harness.trader.id
    assert message.content.startswith("**CFG is up 3.40% on the day at 61.20**")
    assert harness.payloads[-1]["allowed_mentions"] == {"parse": []}


async def test_a_subscription_alert_in_a_channel_mentions_only_the_subscriber(harness):
    setting(harness, "alert_role", harness.admin_role.id)  # a server-wide setting: not for a personal alert
    await deliver(harness, sample_alert("move", route=Subscriber(harness.guild.id, harness.trader.id,
                                                                 harness.channel.id)))
    (message,) = sent_messages()
    assert message.channel.id == harness.channel.id
    assert message.content.startswith(f"<@{harness.trader.id}>\n**CFG is up 3.40% on the day at 61.20**")
    assert harness.payloads[-1]["allowed_mentions"] == {"parse": [], "users": [harness.trader.id]}


async def test_alerts_due_together_arrive_as_one_message(harness):
    setting(harness, "alert_channel", harness.channel.id)
    await deliver(harness, RECORD, SPREAD)
    (message,) = sent_messages()
    assert message.content.index("Russell 2000 closes at a record") < message.content.index("Rotation into small")
    assert "\n\n" in message.content  # one block per alert


async def test_an_alert_queued_later_is_a_message_of_its_own(harness):
    setting(harness, "alert_channel", harness.channel.id)
    dispatcher = await deliver(harness, RECORD)
    await deliver(harness, SPREAD, dispatcher=dispatcher)
    assert len(sent_messages()) == 2


async def test_an_unknown_channel_is_a_permanent_failure_retried_patiently(harness):
    setting(harness, "alert_channel", 424242424242)  # no such channel
    await deliver(harness, RECORD)
    (row,) = delivery_rows(harness)
    assert row["done_at"] is None and "does not exist" in row["last_error"]
    assert row["next_attempt_at"] > (NOW + timedelta(minutes=4)).isoformat()  # not in 5 s: a person must act
    assert owed(harness) == 1


async def test_before_the_gateway_is_ready_nothing_is_tried(harness):
    setting(harness, "alert_channel", harness.channel.id)
    harness.bot._ready.clear()
    dispatcher = await deliver(harness, RECORD)
    assert sent_messages() == [] and delivery_rows(harness) == [] and owed(harness) == 1
    harness.bot._ready.set()
    await deliver(harness, dispatcher=dispatcher)
    assert len(sent_messages()) == 1 and owed(harness) == 0


async def test_a_subscription_alert_for_a_muted_servers_channel_is_not_posted(harness):
    setting(harness, "muted_until", (NOW + timedelta(hours=1)).isoformat())
    await deliver(harness, sample_alert("move", route=Subscriber(harness.guild.id, harness.trader.id,
                                                                 harness.channel.id)))
    assert sent_messages() == [] and owed(harness) == 0


class Refusal:
    status, reason = 403, "Forbidden"


async def test_a_user_who_closed_their_dms_is_retried_patiently_not_dropped(harness, monkeypatch):
    async def refuse(self, *args, **kwargs):
        raise discord.Forbidden(Refusal(), {"code": 50007, "message": "Cannot send messages to this user"})

    monkeypatch.setattr(discord.DMChannel, "send", refuse)
    await deliver(harness, sample_alert("move", route=Subscriber(harness.guild.id, harness.trader.id, None)))
    (row,) = delivery_rows(harness)
    assert "does not accept direct messages" in row["last_error"] and row["done_at"] is None


async def test_a_channel_the_bot_may_not_post_in_is_retried(harness, monkeypatch):
    async def refuse(self, *args, **kwargs):
        raise discord.Forbidden(Refusal(), {"code": 50013, "message": "Missing Permissions"})

    monkeypatch.setattr(discord.TextChannel, "send", refuse)
    setting(harness, "alert_channel", harness.channel.id)
    await deliver(harness, RECORD)
    (row,) = delivery_rows(harness)
    assert "Send Messages" in row["last_error"] and row["done_at"] is None  # an admin can fix the permission


async def test_a_server_with_its_own_spread_lines_gets_only_its_own_alert(harness):
    setting(harness, "alert_channel", harness.channel.id)
    dispatcher = await deliver(harness, sample_alert("spread", route=Everyone((harness.guild.id,))))
    assert sent_messages() == []  # the shared rule's alert skips this server
    await deliver(harness, sample_alert("spread", key="own", route=Server(harness.guild.id)), dispatcher=dispatcher)
    (message,) = sent_messages()
    assert message.channel.id == harness.channel.id


async def test_an_operator_notice_goes_only_to_the_configured_channel(harness):
    setting(harness, "alert_channel", harness.channel.id)  # a server's own alert channel: not for notices
    dispatcher = await deliver(harness, sample_alert("notice", key="n1", route=Operator()))
    assert sent_messages() == []  # no operator channel configured: the log and console carry it
    harness.transport._alert_channel_id = harness.channel.id  # as discord.alert_channel_id would set it
    await deliver(harness, sample_alert("notice", key="n2", route=Operator()), dispatcher=dispatcher)
    (message,) = sent_messages()
    assert message.channel.id == harness.channel.id


async def test_a_notice_about_a_server_goes_to_that_servers_alert_channel(harness):
    setting(harness, "alert_channel", harness.channel.id)
    await deliver(harness, sample_alert("notice", message="rotobot gave up delivering to a direct message",
                                        route=Operator(guild_id=harness.guild.id)))
    (message,) = sent_messages()
    assert message.channel.id == harness.channel.id and "gave up" in message.content


async def test_a_role_that_is_not_the_servers_own_is_never_mentioned(harness):
    setting(harness, "alert_channel", harness.channel.id)
    setting(harness, "alert_role", 999999999999)  # stored earlier; no role of this server
    await deliver(harness, RECORD)
    (message,) = sent_messages()
    assert "<@&" not in message.content and harness.payloads[-1]["allowed_mentions"] == {"parse": []}


async def test_a_notice_about_a_server_never_pings_its_alert_role(harness):
    """A give-up notice for a DM (or a subscriber's channel) goes to that server's alert channel for its admins. It
    resolves to the server's own target (server:G), and send() gives every server: target the alert role, so the
    notice ("rotobot gave up delivering to a direct message to <@42> ...") pings everyone who took @traders for
    market alerts: a role mention where none belongs, as for a personal subscription alert (see above)."""
    setting(harness, "alert_channel", harness.channel.id)
    setting(harness, "alert_role", harness.admin_role.id)
    await deliver(harness, sample_alert("notice", key="gave_up|discord|dm:42|t0", route=Operator(harness.guild.id),
                                        message="rotobot gave up delivering to a direct message to <@42> after 24 h"))
    (message,) = sent_messages()
    assert message.channel.id == harness.channel.id and "gave up" in message.content
    assert "<@&" not in message.content and harness.payloads[-1]["allowed_mentions"] == {"parse": []}


async def test_a_subscription_made_here_in_a_dm_gets_its_alerts_in_that_dm(harness):
    """`!subscribe CFG here` typed in a DM stores the DM channel with guild 0 (caller_from: no guild). The target
    is channel:<dm> with guild_id 0, and _destination refuses any channel whose guild is not the target's (a DM's
    guild is None, and 0 is not None): 'channel ... is not in server 0', permanent. The subscriber never gets an
    alert; after a day the target is given up on. 0.1 posted these to the DM."""
    user = harness.bot.get_user(harness.trader.id)
    dm = user.dm_channel or await user.create_dm()
    await dpytest.message("!subscribe CFG here", channel=dm, member=harness.trader)
    dpytest.get_message()  # the command's own answer
    subs = harness.database.call(subscriptions.for_user, 0, harness.trader.id)
    assert subs and all(s.channel_id is None for s in subs)  # "here" in a DM is that DM: stored as by DM
    sub = subs[0]
    dispatcher = await deliver(harness, sample_alert("move", route=Subscriber(sub.guild_id, sub.user_id,
                                                                              sub.channel_id)))
    # And one stored the old way, with the DM's channel id and no server, still goes to that DM.
    await deliver(harness, sample_alert("move", key="old-style", route=Subscriber(0, harness.trader.id, dm.id)),
                  dispatcher=dispatcher)
    rows = delivery_rows(harness)
    assert [(r["last_error"], r["outcome"]) for r in rows] == [(None, "sent"), (None, "sent")]
    messages = sent_messages()
    assert [m.channel.id for m in messages] == [dm.id, dm.id] and "CFG is up 3.40%" in messages[0].content
