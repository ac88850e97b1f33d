"""Slash commands are published only when they changed: the real bot logs in to the loopback fake Discord (REST
only: publishing happens at login, before any gateway), and the fake counts the bulk overwrites it receives."""

from __future__ import annotations

import json
import logging

import pytest

from bot.commands.catalog import build_router
from bot.secret import Secret
from bot.transports.discord import DiscordTransport
from bot.transports.discord.command_sync import PublishedCommands, beside, fingerprint
from tests.fake_discord import FakeDiscord

OTHER_APPLICATION = 1_150_000_000_000_000_777


@pytest.fixture
async def fake():
    fake = FakeDiscord()
    await fake.start()
    with fake.use_with_discord_py():
        yield fake
    await fake.close()


def publishes(fake: FakeDiscord) -> list[str]:
    """The path of each bulk overwrite of commands Discord answered, in order (failed ones included)."""
    return [f"{r.status} {r.path}" for r in fake.requests if r.method == "PUT" and r.path.endswith("/commands")]


async def log_in(database, *, change=None) -> DiscordTransport:
    """What a start does up to the gateway: log in, which runs setup_hook, which publishes (or not)."""
    transport = DiscordTransport(Secret("fake-token"), router=build_router("!"), context=None, database=database,
                                 on_fatal=lambda _: None)
    if change is not None:
        change(transport.bot.tree)
    await transport.bot.login("fake-token")
    await transport.close()
    return transport


async def test_commands_are_published_once_and_not_again_while_unchanged(fake, database, caplog):
    caplog.set_level(logging.INFO)
    await log_in(database)
    path = f"/applications/{fake.application_id}/commands"
    assert publishes(fake) == [f"200 {path}"]
    assert sorted(c["name"] for c in fake.commands[None]) == sorted(c.name for c in build_router("!").commands)
    record = json.loads(beside(database.path).read_text())
    assert set(record) == {str(fake.application_id)} and len(record[str(fake.application_id)]) == 64

    for _ in range(3):  # three restarts
        await log_in(database)
    assert publishes(fake) == [f"200 {path}"]
    assert "unchanged since they were last published" in caplog.text


async def test_a_changed_command_is_published_again(fake, database):
    await log_in(database)
    first = json.loads(beside(database.path).read_text())

    def redescribe(tree) -> None:
        tree.get_command("status").description = "what rotobot has stored, and how it runs"

    await log_in(database, change=redescribe)
    assert len(publishes(fake)) == 2
    assert next(c for c in fake.commands[None] if c["name"] == "status")["description"] == \
        "what rotobot has stored, and how it runs"
    assert json.loads(beside(database.path).read_text()) != first

    await log_in(database, change=lambda tree: tree.remove_command("mute"))  # a command removed
    assert len(publishes(fake)) == 3 and "mute" not in {c["name"] for c in fake.commands[None]}
    await log_in(database, change=lambda tree: tree.remove_command("mute"))
    assert len(publishes(fake)) == 3


async def test_a_failed_publish_is_not_recorded_and_the_next_login_tries_again(fake, database, caplog):
    fake.fail("PUT /applications/*/commands", status=403, count=1)
    await log_in(database)
    assert publishes(fake)[0].startswith("403 ")
    assert not beside(database.path).exists()
    assert "Could not publish the slash commands (Forbidden)" in caplog.text

    await log_in(database)
    assert [line.split()[0] for line in publishes(fake)] == ["403", "200"]
    await log_in(database)
    assert len(publishes(fake)) == 2  # recorded at last, so not again


async def test_another_application_on_the_same_database_publishes_its_own(fake, database):
    await log_in(database)
    fake.application_id = OTHER_APPLICATION  # another token, another application
    await log_in(database)
    assert publishes(fake)[-1] == f"200 /applications/{OTHER_APPLICATION}/commands"
    assert len(publishes(fake)) == 2
    assert set(json.loads(beside(database.path).read_text())) == {str(OTHER_APPLICATION), "1150000000000000001"}


@pytest.mark.parametrize("garbage", [b"not json", b"[1, 2]", b'{"1150000000000000001": 7}', b"\xff\xfe\x00",
                                     b""])
async def test_a_garbled_record_means_one_more_publish_and_is_rewritten(fake, database, garbage, caplog):
    beside(database.path).write_bytes(garbage)
    await log_in(database)
    assert len(publishes(fake)) == 1
    assert json.loads(beside(database.path).read_text())[str(fake.application_id)]
    if garbage not in (b'{"1150000000000000001": 7}',):
        assert "published again and it is rewritten" in caplog.text


async def test_a_record_that_cannot_be_written_is_logged_and_publishing_still_counts(fake, database, caplog):
    beside(database.path).mkdir()  # a folder where the file should be: reading and writing both fail
    await log_in(database)
    assert len(publishes(fake)) == 1
    assert "will be published again at the next login" in caplog.text
    assert not beside(database.path).with_name(beside(database.path).name + ".tmp").exists()  # no litter


def test_the_fingerprint_ignores_the_order_of_commands_and_moves_with_any_change(database):
    def tree_of(router):
        return DiscordTransport(Secret("t"), router=router, context=None, database=database,
                                on_fatal=lambda _: None).bot.tree

    one = build_router("!")
    reordered = build_router("!")
    reordered._commands = dict(reversed(list(reordered._commands.items())))
    assert [c.name for c in reordered.commands] != [c.name for c in one.commands]
    assert fingerprint(tree_of(one)) == fingerprint(tree_of(reordered))
    renamed = tree_of(build_router("!"))
    renamed.get_command("price").description = "the last price"
    assert fingerprint(renamed) != fingerprint(tree_of(one))


def test_the_record_keeps_each_application_apart(tmp_path):
    record = PublishedCommands(tmp_path / "rotobot.db.commands.json")
    assert record.fingerprint_of(1) is None
    record.remember(1, "a" * 64)
    record.remember(2, "b" * 64)
    assert (record.fingerprint_of(1), record.fingerprint_of(2), record.fingerprint_of(3)) == ("a" * 64, "b" * 64, None)
    assert not (tmp_path / "rotobot.db.commands.json.tmp").exists()


async def test_a_record_nested_too_deeply_for_json_means_one_more_publish_not_a_failed_login(fake, database, caplog):
    # json.loads raises RecursionError, not ValueError, on brackets nested past the interpreter's limit
    # (alerts/market/yahoo_chart.py load_json catches it for Yahoo's bodies); a garbled record must cost a publish.
    beside(database.path).write_bytes(b"[" * 100_000)
    transport = DiscordTransport(Secret("fake-token"), router=build_router("!"), context=None, database=database,
                                 on_fatal=lambda _: None)
    try:
        await transport.bot.login("fake-token")
    finally:
        await transport.close()
    assert len(publishes(fake)) == 1
    assert json.loads(beside(database.path).read_text())[str(fake.application_id)]
    assert "published again and it is rewritten" in caplog.text
