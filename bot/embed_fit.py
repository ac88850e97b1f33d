"""Fitting `!rotation`'s fields within Discord's embed limits before a transport sees them.

bot/transports/discord/render.py cuts whatever is still too long at the limit; a table cut here loses whole rows
and says how many ("… and 3 more"), and the notes after it are dropped whole, so what is shown still reads.
"""

from __future__ import annotations

FIELD_LIMIT, FIELDS_MAX = 1024, 25  # characters in one field's value, fields in one embed
NAME_LIMIT = 256  # characters in one field's name


def fit_table(block: str, notes: list[str]) -> str:
    """The table and as many notes as fit in one embed field; a table too long for it loses its last rows."""
    reserve = 32  # room for the "… and N more" line
    rows = block.split("\n")
    if len(block) > FIELD_LIMIT - reserve:
        body, kept = rows[1:-1], []
        while body and len("\n".join(["```", *kept, body[0], "… and 999 more", "```"])) <= FIELD_LIMIT - reserve:
            kept.append(body.pop(0))
        rows = ["```", *kept, f"… and {len(body)} more", "```"]
    text = "\n".join(rows)
    for k, note in enumerate(notes):
        if len(text) + 1 + len(note) > FIELD_LIMIT - reserve:
            return text + f"\n… and {len(notes) - k} more notes"
        text += "\n" + note
    return text


def clip_fields(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Every (name, value) within its limit, a value cut with '…', and no more fields than an embed holds."""
    return [(name[:NAME_LIMIT], value if len(value) <= FIELD_LIMIT else value[: FIELD_LIMIT - 1] + "…")
            for name, value in fields][:FIELDS_MAX]
