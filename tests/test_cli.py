"""The `rotobot` command line: usage errors exit 2, bad settings exit 78 with one line, never a traceback."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

import pytest

from tests.conftest import clean_env

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.tOkEn-ThAt-MuSt-NeVeR-LeAk_0123456789"


@pytest.mark.parametrize(
    "args",
    [(), ("frobnicate",), ("run", "--verbose"), ("db",), ("db", "restore", "x"), ("db", "backup"), ("--bogus", "run")],
)
def test_usage_errors_print_usage_and_exit_2(rotobot, args):
    result = rotobot(*args)
    assert result.returncode == 2
    assert "usage: rotobot" in result.stderr
    assert "Traceback" not in result.stderr


def test_version_and_help(rotobot):
    assert rotobot("--version").stdout.startswith("rotobot ")
    helped = rotobot("--help")
    assert helped.returncode == 0
    for command in ("run", "config", "db"):
        assert command in helped.stdout


def test_python_dash_m_bot_is_the_same_program(rotobot):
    assert "usage: rotobot" in rotobot("--help").stdout


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"ROTOBOT_ROTATION_UPPER": "five"}, "rotation.upper = 'five'"),
        ({"ROTOBOT_DISPLAY_TIMEZONE": "Mars/Olympus"}, "display.timezone = 'Mars/Olympus'"),
        ({"ROTOBOT_ROTATOIN_UPPER": "5"}, "ROTOBOT_ROTATOIN_UPPER"),
        ({"ROTOBOT_CONFIG": "missing.toml"}, "missing.toml does not exist"),
    ],
)
def test_bad_settings_stop_start_up_with_one_line(rotobot, env, expected):
    result = rotobot("run", env=clean_env(**env))
    assert result.returncode == 78
    assert expected in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_bad_toml_file_names_the_file_and_the_line(rotobot, tmp_path):
    (tmp_path / "bad.toml").write_text("[rotation]\nupper = \n")
    result = rotobot("config", "--config", "bad.toml")
    assert result.returncode == 78
    assert "bad.toml is not valid TOML" in result.stderr and "line 2" in result.stderr


def test_config_file_and_env_layer_and_config_shows_their_origin(rotobot, tmp_path):
    (tmp_path / "rotobot.toml").write_text('[rotation]\nupper = 7.5\nwindow = 30\n')
    env = clean_env(ROTOBOT_CONFIG="rotobot.toml", ROTOBOT_ROTATION_WINDOW="40")
    out = rotobot("config", env=env).stdout
    assert "upper = 7.5  # file rotobot.toml" in out
    assert "window = 40  # env ROTOBOT_ROTATION_WINDOW" in out
    assert "lower = -5.0  # default" in out


def test_config_masks_every_secret(rotobot, tmp_path):
    (tmp_path / "webhook").write_text("https://discord.com/api/webhooks/1/secret-webhook-part\n")
    env = clean_env(DISCORD_TOKEN=TOKEN, ROTOBOT_WEBHOOK_URL_FILE="webhook", ROTOBOT_STOOQ_API_KEY="stooq-key-42")
    result = rotobot("config", env=env)
    assert result.returncode == 0
    for secret in (TOKEN, "secret-webhook-part", "stooq-key-42"):
        assert secret not in result.stdout + result.stderr
    assert result.stdout.count('"********"') == 3


def test_not_a_database_is_refused_and_left_untouched(rotobot, tmp_path):
    (tmp_path / "data").mkdir()
    target = tmp_path / "data" / "rotobot.db"
    target.write_bytes(b"these are my notes, not a database\n")
    before = target.read_bytes(), target.stat().st_mtime_ns
    result = rotobot("run")
    assert result.returncode == 1
    assert "is not a SQLite database" in result.stderr and "untouched" in result.stderr
    assert "Traceback" not in result.stderr
    assert (target.read_bytes(), target.stat().st_mtime_ns) == before


def test_newer_schema_is_refused_and_left_untouched(rotobot, tmp_path):
    (tmp_path / "data").mkdir()
    target = tmp_path / "data" / "rotobot.db"
    conn = sqlite3.connect(target)
    conn.execute("CREATE TABLE future (x)")
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    before = target.read_bytes(), target.stat().st_mtime_ns
    result = rotobot("run")
    assert result.returncode == 1
    assert "schema version 99" in result.stderr and "Upgrade rotobot" in result.stderr
    assert (target.read_bytes(), target.stat().st_mtime_ns) == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["rotobot.db", "rotobot.db.lock"]


def test_db_backup_copies_a_database(rotobot, tmp_path):
    from storage.database import Database

    Database.open(tmp_path / "data" / "rotobot.db").close()  # created and migrated as `rotobot run` does
    result = rotobot("db", "backup", "copy.db")
    assert result.returncode == 0, result.stderr
    assert "Backed up" in result.stdout
    conn = sqlite3.connect(tmp_path / "copy.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
    again = rotobot("db", "backup", "copy.db")
    assert again.returncode == 1 and "already exists" in again.stderr
    assert rotobot("db", "backup", "copy.db", "--force").returncode == 0


def test_db_backup_without_a_database_says_so(rotobot):
    result = rotobot("db", "backup", "copy.db")
    assert result.returncode == 1
    assert "no database at data/rotobot.db" in result.stderr


def test_db_prune_says_what_it_removes_and_a_dry_run_removes_nothing(rotobot, tmp_path):
    from storage import outbox
    from storage.database import Database
    from tests.discord.conftest import sample_alert

    database = Database.open(tmp_path / "data" / "rotobot.db")
    long_ago = datetime(2020, 1, 2, tzinfo=timezone.utc)
    database.call(outbox.enqueue, sample_alert("notice", at=long_ago), long_ago)
    database.call(lambda d: d.execute("UPDATE outbox SET delivered_at = ?", [long_ago.isoformat()]))
    database.close()
    dry = rotobot("db", "prune", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would remove 1 alerts delivered before" in dry.stdout
    done = rotobot("db", "prune")
    assert done.returncode == 0 and "removed 1 alerts" in done.stdout
    assert "removed 0 alerts" in rotobot("db", "prune").stdout


def test_db_prune_without_a_database_says_so(rotobot, tmp_path):
    result = rotobot("db", "prune")
    assert result.returncode == 1 and "does not exist: nothing to prune" in result.stderr
    assert not (tmp_path / "data" / "rotobot.db").exists()
