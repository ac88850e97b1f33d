"""Renamed settings: `[alerts] rules_file` became `[rules] file` and `[alerts] webhook_url` became `[webhook] url`.

The old spelling of rules_file (in the file, or ROTOBOT_ALERTS_RULES_FILE) still works, with one deprecation line at
load; the old and the new name together in one layer are refused, naming both. Every call passes an explicit
`environ`, so the environment of the test run never leaks in.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings, render

DEPRECATION = ("settings: alerts.rules_file (ROTOBOT_ALERTS_RULES_FILE) is now rules.file (ROTOBOT_RULES_FILE); "
               "the old name still works for now")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rotobot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def refusal(config=None, **environ: str) -> str:
    with pytest.raises(SettingsError) as info:
        load_settings(config, environ=environ)
    return str(info.value)


def deprecations(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "is now" in r.getMessage()]


def test_the_new_names_are_read_without_a_deprecation_line(tmp_path, caplog):
    path = write(tmp_path, '[rules]\nfile = "mine.toml"\n')
    with caplog.at_level(logging.WARNING):
        assert load_settings(path, environ={}).rules.file == Path("mine.toml")
        assert load_settings(environ={"ROTOBOT_RULES_FILE": "env.toml"}).rules.file == Path("env.toml")
        webhook = load_settings(environ={"ROTOBOT_WEBHOOK_URL": "https://discord.com/api/webhooks/1/x"}).webhook.url
    assert webhook.reveal() == "https://discord.com/api/webhooks/1/x"
    assert deprecations(caplog) == []


def test_the_old_name_in_the_file_still_works_with_one_deprecation_line(tmp_path, caplog):
    path = write(tmp_path, '[alerts]\nrules_file = "mine.toml"\n')
    with caplog.at_level(logging.WARNING):
        s = load_settings(path, environ={})
    assert s.rules.file == Path("mine.toml") and s.sources["rules.file"] == f"file {path}"
    assert deprecations(caplog) == [DEPRECATION]


def test_the_old_variable_still_works_with_one_deprecation_line(caplog):
    with caplog.at_level(logging.WARNING):
        s = load_settings(environ={"ROTOBOT_ALERTS_RULES_FILE": "env.toml"})
    assert s.rules.file == Path("env.toml") and s.sources["rules.file"] == "env ROTOBOT_ALERTS_RULES_FILE"
    assert deprecations(caplog) == [DEPRECATION]


def test_old_names_in_the_file_and_the_environment_log_one_line_and_the_environment_wins(tmp_path, caplog):
    path = write(tmp_path, '[alerts]\nrules_file = "file.toml"\n')
    with caplog.at_level(logging.WARNING):
        s = load_settings(path, environ={"ROTOBOT_ALERTS_RULES_FILE": "env.toml"})
    assert s.rules.file == Path("env.toml")
    assert deprecations(caplog) == [DEPRECATION]


def test_an_old_name_in_the_file_is_overridden_by_the_new_variable_as_any_file_value_is(tmp_path):
    path = write(tmp_path, '[alerts]\nrules_file = "file.toml"\n')
    assert load_settings(path, environ={"ROTOBOT_RULES_FILE": "env.toml"}).rules.file == Path("env.toml")


def test_old_and_new_name_together_in_the_file_are_refused_naming_both(tmp_path):
    path = write(tmp_path, '[alerts]\nrules_file = "old.toml"\n\n[rules]\nfile = "new.toml"\n')
    assert refusal(path) == (f"Both alerts.rules_file and rules.file are set in config file {path}: "
                             "expected only rules.file (alerts.rules_file is its old name)")


def test_old_and_new_variable_together_are_refused_naming_both():
    message = refusal(ROTOBOT_RULES_FILE="new.toml", ROTOBOT_ALERTS_RULES_FILE="old.toml")
    assert message == ("Both ROTOBOT_ALERTS_RULES_FILE and ROTOBOT_RULES_FILE are set in the environment: "
                       "expected only ROTOBOT_RULES_FILE (ROTOBOT_ALERTS_RULES_FILE is its old name)")


def test_an_unknown_key_under_the_old_section_names_the_settings_that_replaced_it(tmp_path):
    path = write(tmp_path, '[alerts]\nrule_file = "x.toml"\n')
    assert refusal(path) == (f"Unknown setting 'alerts.rule_file' in config file {path}: "
                             "expected one of rules.file, webhook.url; did you mean 'rules.file'?")


def test_rotobot_config_shows_the_new_names(tmp_path):
    path = write(tmp_path, '[alerts]\nrules_file = "mine.toml"\n')
    lines = render(load_settings(path, environ={})).splitlines()
    assert "[rules]" in lines and "[webhook]" in lines and "[alerts]" not in lines
    assert any(line.startswith(f'file = "mine.toml"  # file {path};') for line in lines)
    assert ("# url: not set (ROTOBOT_WEBHOOK_URL or ROTOBOT_WEBHOOK_URL_FILE) - "
            "Discord webhook that also receives every alert") in lines
