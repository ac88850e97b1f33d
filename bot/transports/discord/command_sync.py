"""Publishing the slash commands only when they changed, not at every login.

Discord keeps an application's commands between logins, and each bulk overwrite counts against its daily quota of
command updates; a bot in a restart loop would spend it fast. So the payload discord.py would send (`to_dict` of
each command in the tree, sorted, as canonical JSON) is fingerprinted with SHA-256, and the fingerprint Discord
last accepted is kept per application id in a small JSON file beside the database. The same fingerprint at the
next login: nothing is sent. Another one (a command added, renamed, described anew, an option changed): the tree
is synced and, once Discord accepted it, the new fingerprint is written. A sync that failed is never written, so
the next login tries again; a missing, unreadable or garbled file only means one more sync.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
from pathlib import Path

from discord import app_commands

log = logging.getLogger(__name__)


def fingerprint(tree: app_commands.CommandTree) -> str:
    """SHA-256 of the global commands' payload, the same whatever order they were added in."""
    payload = [command.to_dict(tree) for command in tree.get_commands()]
    payload.sort(key=lambda command: (command.get("type", 1), command["name"]))
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def beside(database: Path) -> Path:
    """Where the record of published commands lives for the database at `database`."""
    return database.with_name(database.name + ".commands.json")


class PublishedCommands:
    """{"<application id>": "<fingerprint>"} in one file; another token (another application) syncs its own."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fingerprint_of(self, application_id: int) -> str | None:
        found = self._read().get(str(application_id))
        return found if isinstance(found, str) else None

    def remember(self, application_id: int, value: str) -> None:
        """Written whole to a temporary file, then renamed over the old one: a crash leaves one or the other."""
        record = {**self._read(), str(application_id): value}
        temporary = self.path.with_name(self.path.name + ".tmp")
        try:
            temporary.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
            os.replace(temporary, self.path)
        finally:
            temporary.unlink(missing_ok=True)

    def _read(self) -> dict:
        try:
            record = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
            # RecursionError: json.loads on brackets nested past the interpreter's limit (a garbled file, too)
            log.warning("%s cannot be read (%s); the slash commands are published again and it is rewritten",
                        self.path, type(exc).__name__)
            return {}
        if not isinstance(record, dict):
            log.warning("%s is not a JSON object of application ids; the slash commands are published again and "
                        "it is rewritten, such as {\"1150000000000000001\": \"<sha256>\"}", self.path)
            return {}
        return record


async def publish_if_changed(tree: app_commands.CommandTree, application_id: int,
                             published: PublishedCommands | None) -> int | None:
    """Sync the tree unless these very commands were published before; returns how many went, None if skipped.
    A failed sync raises (and nothing is written); a record that cannot be written is logged, not raised."""
    current = fingerprint(tree)
    if published is not None and await asyncio.to_thread(published.fingerprint_of, application_id) == current:
        log.info("The slash commands are unchanged since they were last published; not publishing them again")
        return None
    synced = await tree.sync()
    if published is not None:
        try:
            await asyncio.to_thread(published.remember, application_id, current)
        except OSError as exc:
            log.warning("Could not write %s (%s); the slash commands will be published again at the next login",
                        published.path, exc.strerror or type(exc).__name__)
    return len(synced)
