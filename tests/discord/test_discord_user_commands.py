"""The trader and admin commands (subscribe, unsubscribe, subscriptions, price, alerts, set, mute, unmute) as typed
in Discord, through the real bot and router (dpytest), and the alerts they lead to, through the real dispatcher.
"""

from __future__ import annotations

import re
from datetime import timedelta

import discord.ext.test as dpytest
import pytest

from alerts.payloads import Server, Subscriber
from storage import guild_settings, outbox, subscriptions
from storage.subscriptions import Subscription
from tests.discord.conftest import NOW, deliver, sample_alert
from tests.discord.test_discord_commands import is_error, text_of


def subs_of(harness, member) -> list[Subscription]:
    return harness.database.call(subscriptions.for_user, harness.guild.id, member.id)


def settings_of(harness) -> dict:
    return harness.database.call(guild_settings.all_for, harness.guild.id)


# --- !subscribe ---------------------------------------------------------------------------------------------------

async def test_subscribe_defaults_to_a_3_percent_move_and_52_week_extremes_by_dm(harness):
    answer = await harness.say("!subscribe cfg")
    assert not is_error(answer), text_of(answer)
    assert "CFG" in text_of(answer)
    got = sorted((s.symbol, s.kind, s.threshold, s.channel_id) for s in subs_of(harness, harness.trader))
    assert got == [("CFG", "high_52w", 0.0, None), ("CFG", "low_52w", 0.0, None), ("CFG", "move", 3.0, None)]


async def test_subscribe_here_posts_in_this_channel(harness):
    answer = await harness.say("!subscribe CFG above 60 here")
    assert not is_error(answer), text_of(answer)
    (sub,) = subs_of(harness, harness.trader)
    assert (sub.kind, sub.threshold, sub.channel_id) == ("above", 60.0, harness.channel.id)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("!subscribe $$$", r"CFG|IWM|\^RUT"),  # a ticker with bad syntax: a valid example is shown
        ("!subscribe CFG above abc", r"price.*\d"),  # what is expected, with a number
        ("!subscribe CFG above -5", r"above zero|price"),
        ("!subscribe CFG move -3%", r"percentage"),
        ("!subscribe CFG move 0%", r"percentage|above 0"),
    ],
)
async def test_subscribe_refuses_bad_input_saying_what_is_expected(harness, typed, expected):
    answer = await harness.say(typed)
    assert is_error(answer)
    assert re.search(expected, text_of(answer)), text_of(answer)
    assert subs_of(harness, harness.trader) == []
    assert harness.payloads[-1]["allowed_mentions"] == {"parse": []}


async def test_the_51st_subscription_is_refused_naming_the_limit(harness):
    for price in range(1, 51):
        harness.database.call(subscriptions.add, Subscription(harness.guild.id, harness.trader.id, "IWM", "above",
                                                              NOW, float(price)))
    answer = await harness.say("!subscribe CFG above 60")
    assert is_error(answer)
    assert "50" in text_of(answer) and "limit" in text_of(answer)
    assert len(subs_of(harness, harness.trader)) == 50


async def test_a_ticker_never_seen_is_accepted_as_pending(harness):
    answer = await harness.say("!subscribe ZZZQ above 12")
    assert not is_error(answer), text_of(answer)
    assert "next data job" in text_of(answer)
    (sub,) = subs_of(harness, harness.trader)
    assert sub.symbol == "ZZZQ" and getattr(sub, "status", "pending") == "pending"


# --- !unsubscribe and !subscriptions --------------------------------------------------------------------------------

async def test_subscriptions_lists_them_and_unsubscribe_removes_one_kind_or_all(harness):
    await harness.say("!subscribe CFG")
    await harness.say("!subscribe KRE below 50 here")
    listed = text_of(await harness.say("!subscriptions"))
    assert "CFG" in listed and "KRE" in listed and "below 50" in listed

    answer = await harness.say("!unsubscribe CFG move")
    assert not is_error(answer), text_of(answer)
    assert sorted(s.kind for s in subs_of(harness, harness.trader) if s.symbol == "CFG") == ["high_52w", "low_52w"]

    await harness.say("!unsubscribe CFG")
    assert [s.symbol for s in subs_of(harness, harness.trader)] == ["KRE"]
    assert "CFG" not in text_of(await harness.say("!subscriptions"))


async def test_subscriptions_are_per_user(harness):
    await harness.say("!subscribe CFG", member=harness.trader)
    answer = await harness.say("!subscriptions", member=harness.admin)
    assert answer.embeds[0].title == "You have no subscriptions here"
    assert "CFG" in text_of(await harness.say("!subscriptions", member=harness.trader))


# --- !price and !alerts ---------------------------------------------------------------------------------------------

async def test_price_answers_from_stored_data(harness):
    answer = await harness.say("!price IWM")
    text = text_of(answer)
    assert not is_error(answer), text
    assert "IWM" in text and re.search(r"\d+\.\d\d", text)
    assert "stale" in text  # the stored history is months old


async def test_price_of_an_unknown_ticker_says_so_clearly(harness):
    answer = await harness.say("!price ZZZQ")
    assert is_error(answer)
    assert "no data for ZZZQ" in text_of(answer)


async def test_alerts_lists_this_servers_recent_alerts(harness):
    assert "No alerts" in text_of(await harness.say("!alerts"))
    for day in (10, 11, 12):
        harness.database.call(outbox.enqueue, sample_alert("record", key=f"new_high|^RUT|2025-12-{day}",
                                                           message=f"Russell 2000 record on 12-{day}"),
                              NOW - timedelta(days=20 - day))
    harness.database.call(outbox.enqueue, sample_alert("move", message="someone's private CFG alert",
                                                       route=Subscriber(harness.guild.id, harness.admin.id)), NOW)
    harness.database.call(outbox.enqueue, sample_alert("spread", key="theirs", message="another server's own spread",
                                                       route=Server(harness.guild.id + 1)), NOW)
    text = text_of(await harness.say("!alerts 2"))
    assert text.count("Russell 2000 record") == 2
    assert "private" not in text  # a DM alert is nobody else's business
    assert "another server" not in text_of(await harness.say("!alerts 25"))


# --- admin: !set, !mute, !unmute ------------------------------------------------------------------------------------

async def test_set_is_for_admins_only(harness):
    answer = await harness.say(f"!set channel <#{harness.channel.id}>", member=harness.trader)
    assert is_error(answer)
    assert "admin" in text_of(answer) and "Manage Server" in text_of(answer)
    assert "alert_channel" not in settings_of(harness)


async def test_set_channel_and_role_then_alerts_go_there(harness):
    answer = await harness.say(f"!set channel <#{harness.channel.id}>", member=harness.admin)
    assert not is_error(answer), text_of(answer)
    answer = await harness.say(f"!set role <@&{harness.admin_role.id}>", member=harness.admin)
    assert not is_error(answer), text_of(answer)
    assert settings_of(harness)["alert_channel"] == harness.channel.id
    assert settings_of(harness)["alert_role"] == harness.admin_role.id
    assert harness.payloads[-1]["allowed_mentions"] == {"parse": []}  # confirming a role does not ping it

    dispatcher = await deliver(harness, sample_alert("record", key="k1", message="Russell 2000 record"))
    alert = dpytest.get_message()
    assert alert.channel.id == harness.channel.id
    assert alert.content.startswith(f"<@&{harness.admin_role.id}>")

    await harness.say("!set channel off", member=harness.admin)
    assert "alert_channel" not in settings_of(harness)
    await deliver(harness, sample_alert("record", key="k2", message="another record"), dispatcher=dispatcher)
    assert dpytest.verify().message().nothing()  # no channel: skipped


async def test_set_upper_stores_this_servers_threshold(harness):
    answer = await harness.say("!set upper 6", member=harness.admin)
    assert not is_error(answer), text_of(answer)
    assert settings_of(harness)["upper"] == 6.0
    refused = await harness.say("!set upper lots", member=harness.admin)
    assert is_error(refused)


async def test_mute_holds_channel_alerts_until_unmute(harness):
    await harness.say(f"!set channel <#{harness.channel.id}>", member=harness.admin)
    refused = await harness.say("!mute 2h", member=harness.trader)
    assert is_error(refused)

    answer = await harness.say("!mute 2h", member=harness.admin)
    assert not is_error(answer), text_of(answer)
    until = settings_of(harness)["muted_until"]
    assert abs((harness.clock.now + timedelta(hours=2)).timestamp() - _timestamp(until)) < 5
    assert f"<t:{int(_timestamp(until))}" in text_of(answer) or "2" in text_of(answer)
    dispatcher = await deliver(harness, sample_alert("record", key="k1", message="muted record"))
    assert dpytest.verify().message().nothing()

    answer = await harness.say("!unmute", member=harness.admin)
    assert not is_error(answer), text_of(answer)
    assert "muted_until" not in settings_of(harness)
    await deliver(harness, sample_alert("record", key="k2", message="unmuted record"), dispatcher=dispatcher)
    assert "unmuted record" in dpytest.get_message().content


async def test_mute_with_a_bad_duration_says_what_works(harness):
    answer = await harness.say("!mute forever", member=harness.admin)
    assert is_error(answer)
    assert re.search(r"\d+[mhd]", text_of(answer))


def _timestamp(iso: str) -> float:
    from datetime import datetime, timezone

    when = datetime.fromisoformat(iso)
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp()
