"""How rotobot looks in Discord: a Reply as an embed (within Discord's limits), an alert as a short text block.

Pure functions of data: no client, no network. Times go out as Discord timestamps (`<t:UNIX:f>`) so every reader
sees them in their own time zone.
"""

from __future__ import annotations

import io
from datetime import datetime, timezone

import discord

from bot.commands.reply import Reply
from bot.transports.base import Notification

COLOUR_OK, COLOUR_ERROR = 0x2E86DE, 0xC0392B

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
TITLE_MAX, DESCRIPTION_MAX, FIELDS_MAX, FIELD_NAME_MAX, FIELD_VALUE_MAX, FOOTER_MAX = 256, 4096, 25, 256, 1024, 2048
EMBED_TOTAL_MAX = 6000
CONTENT_MAX = 2000  # characters of a message's text
FILES_MAX = 10

NO_MENTIONS = discord.AllowedMentions.none()
_NOTE_ROOM = 40  # kept free for the "… N more not shown" field


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_embed(reply: Reply) -> discord.Embed:
    """The reply as one embed: red for an error; every part cut to Discord's limits, the whole under 6,000."""
    title = clip(reply.title or "rotobot", TITLE_MAX)
    footer = clip(reply.footer, FOOTER_MAX)
    room = max(1, min(DESCRIPTION_MAX, EMBED_TOTAL_MAX - len(title) - len(footer) - _NOTE_ROOM))
    description = clip("\n".join(reply.lines), room)
    embed = discord.Embed(
        title=title,
        description=description or None,
        colour=COLOUR_ERROR if reply.error else COLOUR_OK,
    )
    budget = EMBED_TOTAL_MAX - len(title) - len(description) - len(footer)
    fields = list(reply.fields)
    for index, (name, value) in enumerate(fields):
        name = clip(name or "\u200b", FIELD_NAME_MAX)
        value = clip(value or "—", FIELD_VALUE_MAX)
        left = len(fields) - index
        last_slot = len(embed.fields) == FIELDS_MAX - 1
        if (last_slot and left > 1) or len(name) + len(value) > budget - _NOTE_ROOM:
            embed.add_field(name="…", value=f"{left} more not shown", inline=False)
            break
        embed.add_field(name=name, value=value, inline=False)
        budget -= len(name) + len(value)
    if footer:
        embed.set_footer(text=footer)
    return embed


def as_files(reply: Reply) -> list[discord.File]:
    return [discord.File(io.BytesIO(content), filename=name) for name, content in reply.attachments[:FILES_MAX]]


def message_parts(reply: Reply) -> dict:
    """Keyword arguments for `send`: the embed, any files (a PNG is shown inside the embed), never a mention."""
    embed = as_embed(reply)
    files = as_files(reply)
    images = [f.filename for f in files if f.filename.lower().endswith((".png", ".jpg", ".jpeg", ".gif"))]
    if images:
        embed.set_image(url=f"attachment://{images[0]}")
    parts: dict = {"embed": embed, "allowed_mentions": NO_MENTIONS}
    if files:
        parts["files"] = files
    return parts


def timestamp(when: datetime, style: str = "f") -> str:
    """A Discord timestamp: each reader's client shows it in their own zone."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return f"<t:{int(when.timestamp())}:{style}>"


def notes_line(notification: Notification) -> str:
    return "(" + "; ".join(notification.notes) + ")" if notification.notes else ""


def alert_text(notification: Notification, limit: int = CONTENT_MAX) -> str:
    """One alert as a text block of at most `limit` characters: the headline in bold, its details, its track
    record in italics (one line), the delivery's notes, when it happened.

    Only the details are shortened to fit: the headline, the track record, the notes ("possibly repeated",
    "late") and the time always show whole. Leave room in `limit` for the mentions line that goes before it.
    """
    head = f"**{clip(notification.title, 300)}**"
    record = f"*{clip(notification.track_record, 300)}*" if notification.track_record else ""
    tail = [part for part in (record, notes_line(notification),
                              timestamp(notification.occurred_at) if notification.occurred_at else "") if part]
    room = limit - len(head) - sum(len(part) + 1 for part in tail) - 1
    parts = [head] + ([clip(notification.body, room)] if notification.body and room > 1 else []) + tail
    return "\n".join(parts)


def role_mention(role_id: int) -> str:
    return f"<@&{role_id}>"


def user_mention(user_id: int) -> str:
    return f"<@{user_id}>"


def mentions(roles, users) -> str:
    """The mentions line of a message: its roles, then its users."""
    return " ".join([role_mention(r) for r in sorted(roles)] + [user_mention(u) for u in sorted(users)])


def pack(blocks: list[tuple[str, frozenset[int], frozenset[int]]], limit: int = CONTENT_MAX) -> list[list[int]]:
    """Alerts for one channel, as (text, roles, users), packed in order into as few messages as fit `limit`: each
    message mentions only the roles and users of its own alerts. An alert whose text fits with its own mentions
    (alert_text's `limit` makes sure) always fits in a message of its own, so nothing is ever cut here."""
    out: list[list[int]] = []
    roles: set[int] = set()
    users: set[int] = set()
    size = 0
    for index, (text, own_roles, own_users) in enumerate(blocks):
        if out:
            merged = mentions(roles | own_roles, users | own_users)
            grown = len(merged) + 1 + size + 2 + len(text) if merged else size + 2 + len(text)
            if grown <= limit:
                out[-1].append(index)
                roles |= own_roles
                users |= own_users
                size += 2 + len(text)
                continue
        out.append([index])
        roles, users, size = set(own_roles), set(own_users), len(text)
    return out


def group_text(blocks: list[str], head: str = "") -> str:
    """Alerts for one destination as one message: the mentions first, then each alert, a blank line between."""
    body = "\n\n".join(blocks)
    return f"{head}\n{body}" if head else body
