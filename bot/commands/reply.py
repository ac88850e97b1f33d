"""A transport-neutral answer: the console prints it as text, Discord as an embed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reply:
    title: str
    lines: tuple[str, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()  # (name, value) pairs, shown as a table
    footer: str = ""
    error: bool = False
    attachments: tuple[tuple[str, bytes], ...] = ()  # (file name, content), e.g. ("rotation.png", png)
    follow_up: str = ""  # said to the user later, e.g. once a new ticker is confirmed (not used for rendering)


class CommandError(Exception):
    """A user's command that cannot be answered; the message says what was wrong and what would be right."""


def as_text(reply: Reply) -> str:
    out = [("Error: " if reply.error else "") + reply.title]
    out += [f"  {line}" for line in reply.lines]
    if reply.fields:
        width = max(len(name) for name, _ in reply.fields)
        out += [f"  {name.ljust(width)}  {value}" for name, value in reply.fields]
    if reply.footer:
        out.append(f"  ({reply.footer})")
    out += [f"  [attached: {name}, {len(content):,} bytes]" for name, content in reply.attachments]
    return "\n".join(out)
