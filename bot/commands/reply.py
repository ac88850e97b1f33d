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


class CommandError(Exception):
    """A user's command that cannot be answered; the message says what was wrong and what would be right."""


def as_text(reply: Reply) -> str:
    """The console's rendering: the embed's parts as indented text, Discord's code fences dropped."""
    out = [("Error: " if reply.error else "") + reply.title]
    for line in reply.lines:
        out += [f"  {part}" for part in line.splitlines() or [""]]
    single = [(n, v) for n, v in reply.fields if "\n" not in v.strip("`\n")]
    width = max((len(name) for name, _ in single), default=0)
    for name, value in reply.fields:
        parts = [p for p in value.replace("```", "").strip("\n").splitlines()]
        if len(parts) <= 1:
            out.append(f"  {name.ljust(width)}  {parts[0] if parts else ''}")
        else:
            out.append(f"  {name}")
            out += [f"    {part}" for part in parts]
    if reply.footer:
        out.append(f"  ({reply.footer})")
    out += [f"  [attached: {name}, {len(content):,} bytes]" for name, content in reply.attachments]
    return "\n".join(out)
