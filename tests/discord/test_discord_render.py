"""Replies as embeds and alerts as text, within Discord's limits."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.commands.reply import Reply
from bot.transports.base import Notification
from bot.transports.discord.render import alert_text, as_embed, group_text, mentions, pack


def test_an_oversized_reply_is_cut_to_discords_limits():
    reply = Reply("T" * 300, tuple("line " * 50 for _ in range(40)),
                  tuple((f"field {i}" * 40, "v" * 2000) for i in range(40)), footer="f" * 3000, error=True)
    embed = as_embed(reply)
    assert len(embed.title) == 256 and embed.title.endswith("…")
    assert 1000 < len(embed.description) <= 4096 and embed.description.endswith("…")
    assert len(embed.fields) <= 25
    assert all(len(f.name) <= 256 and len(f.value) <= 1024 for f in embed.fields)
    assert len(embed.footer.text) == 2048
    assert len(embed) <= 6000  # Discord refuses the whole message past this
    assert embed.fields[-1].name == "…" and embed.fields[-1].value.endswith("more not shown")
    assert embed.colour.value == 0xC0392B


def test_a_reply_with_many_small_fields_keeps_25_and_says_how_many_are_hidden():
    embed = as_embed(Reply("t", fields=tuple((f"n{i}", f"v{i}") for i in range(30))))
    assert len(embed.fields) == 25
    assert embed.fields[23].name == "n23"
    assert embed.fields[24].value == "6 more not shown"  # 24 shown + 6 hidden = 30


def test_a_normal_reply_is_shown_whole():
    embed = as_embed(Reply("rotobot status", ("a", "b"), (("x", "1"), ("y", "")), footer="ft"))
    assert (embed.title, embed.description, embed.footer.text) == ("rotobot status", "a\nb", "ft")
    assert [(f.name, f.value, f.inline) for f in embed.fields] == [("x", "1", False), ("y", "—", False)]
    assert embed.colour.value == 0x2E86DE


def test_an_alert_shows_its_time_as_a_discord_timestamp():
    when = datetime(2025, 12, 10, 19, 0, tzinfo=timezone.utc)
    text = alert_text(Notification("k", "FOMC lowers the target range 25 bp", "to 3.50%–3.75%", occurred_at=when))
    assert text == "**FOMC lowers the target range 25 bp**\nto 3.50%–3.75%\n<t:1765393200:f>"


def test_many_alerts_are_split_only_where_a_message_would_overflow():
    role = frozenset({111111111111111111})
    blocks = [("x" * 900, role, frozenset()), ("y" * 900, role, frozenset()), ("z" * 900, role, frozenset())]
    groups = pack(blocks)
    assert groups == [[0, 1], [2]]
    assert all(len(group_text([blocks[i][0] for i in g], mentions(role, ()))) <= 2000 for g in groups)


def test_a_message_mentions_only_its_own_alerts_people():
    ann, bob = frozenset({222222222222222222}), frozenset({333333333333333333})
    groups = pack([("**a**", frozenset(), ann), ("**b**", frozenset(), bob)])
    assert groups == [[0, 1]]  # together they fit: one message mentioning both
    long = ("c" * 1960, frozenset(), bob)
    assert pack([("**a**", frozenset(), ann), long]) == [[0], [1]]  # bob's long alert goes alone, with bob only


def test_a_long_alert_keeps_its_notes_and_time_whole_beside_its_mentions():
    when = datetime(2025, 12, 10, 19, 0, tzinfo=timezone.utc)
    note = Notification("k", "Daily wrap, Wed 10 Dec 2025", "x" * 5000, occurred_at=when,
                        notes=("possibly repeated: an earlier send was not confirmed",))
    head = mentions(frozenset({111111111111111111}), ())
    text = alert_text(note, limit=2000 - len(head) - 1)
    message = group_text([text], head)
    assert len(message) <= 2000
    assert message.endswith("(possibly repeated: an earlier send was not confirmed)\n<t:1765393200:f>")
