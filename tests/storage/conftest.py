"""A real, migrated SQLite database in the test's own folder, opened and closed the way the bot does it."""

from __future__ import annotations

import pytest

from storage.database import Database


@pytest.fixture
def db(tmp_path):
    database = Database.open(tmp_path / "data" / "rotobot.db")
    yield database
    database.close()
