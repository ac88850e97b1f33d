"""Fixtures of the command tests in this folder."""

from __future__ import annotations

import asyncio

import pytest

from bot.jobs.seed import seed_if_empty
from storage.database import Database
from tests.bot.test_commands import NOW


@pytest.fixture(scope="session")
def seeded_file(tmp_path_factory):
    """Seeding takes a few seconds: do it once a worker, and give each test its own copy of the file (`ask`)."""
    path = tmp_path_factory.mktemp("seeded") / "rotobot.db"
    database = Database.open(path)
    asyncio.run(seed_if_empty(database, NOW))
    database.close()
    return path
