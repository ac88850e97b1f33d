"""bot.settings: defaults, then a TOML file, then ROTOBOT_* variables; every bad value is one line naming it.

Every call passes an explicit `environ`, so the environment of the test run never leaks in.
"""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from bot.secret import MASK, Secret
from bot.settings import Settings, SettingsError, load_settings, render

TOKEN = "MTIzNDU2Nzg5.SeCrEt-ToKeN_that-must-never-show"


def write(tmp_path: Path, text: str, name: str = "rotobot.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refusal(config=None, **environ: str) -> str:
    """The SettingsError message of loading these settings; it must be one line."""
    with pytest.raises(SettingsError) as info:
        load_settings(config, environ=environ)
    message = str(info.value)
    assert "\n" not in message and "\r" not in message, message
    return message


# --- layering ---------------------------------------------------------------------------------------------------------


def test_defaults_apply_without_file_or_environment():
    s = load_settings(environ={})
    assert s.market.poll_seconds == 60
    assert s.market.watchlist == ("^RUT", "^NDX", "IWM", "QQQ")
    assert (s.rotation.small, s.rotation.large, s.rotation.upper, s.rotation.lower) == ("^RUT", "^NDX", 5.0, -5.0)
    assert s.storage.database == Path("data/rotobot.db")
    assert s.discord.token is None and s.secrets() == []
    assert s.sources["market.poll_seconds"] == "default"
    assert s.sources["discord.token"] == "not set"


def test_toml_file_overrides_defaults_and_is_named_as_the_source(tmp_path):
    path = write(tmp_path, '[market]\npoll_seconds = 30\nwatchlist = ["iwm", "^rut"]\n[rotation]\nupper = 7\n')
    s = load_settings(path, environ={})
    assert s.market.poll_seconds == 30
    assert s.market.watchlist == ("IWM", "^RUT")
    assert s.rotation.upper == 7.0 and isinstance(s.rotation.upper, float)
    assert s.rotation.lower == -5.0
    assert s.sources["market.poll_seconds"] == f"file {path}"
    assert s.sources["rotation.lower"] == "default"


def test_environment_overrides_the_file(tmp_path):
    path = write(tmp_path, "[market]\npoll_seconds = 30\n")
    s = load_settings(path, environ={"ROTOBOT_MARKET_POLL_SECONDS": " 90 "})
    assert s.market.poll_seconds == 90
    assert s.sources["market.poll_seconds"] == "env ROTOBOT_MARKET_POLL_SECONDS"


def test_rotobot_config_names_the_file(tmp_path):
    path = write(tmp_path, "[log]\nlevel = \"DEBUG\"\n")
    assert load_settings(environ={"ROTOBOT_CONFIG": str(path)}).log.level == "DEBUG"


def test_an_explicit_config_path_wins_over_rotobot_config(tmp_path):
    chosen = write(tmp_path, "[log]\nlevel = \"ERROR\"\n", "chosen.toml")
    other = write(tmp_path, "[log]\nlevel = \"DEBUG\"\n", "other.toml")
    assert load_settings(chosen, environ={"ROTOBOT_CONFIG": str(other)}).log.level == "ERROR"


def test_lists_from_the_environment_are_comma_separated_and_symbols_upper_cased():
    s = load_settings(
        environ={"ROTOBOT_MARKET_WATCHLIST": " iwm, qqq,,^rut ,brk-b", "ROTOBOT_FOMC_REMIND_HOURS_BEFORE": "48, 2.5"}
    )
    assert s.market.watchlist == ("IWM", "QQQ", "^RUT", "BRK-B")
    assert s.fomc.remind_hours_before == (48.0, 2.5)


# --- a bad file ---------------------------------------------------------------------------------------------------------


def test_missing_config_file_is_named(tmp_path):
    path = tmp_path / "nowhere.toml"
    message = refusal(path)
    assert str(path) in message and "does not exist" in message and "TOML file" in message


def test_config_file_that_is_not_utf8_is_named(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"[display]\ntimezone = \"Europe/Z\xfcrich\"\n")
    message = refusal(path)
    assert str(path) in message and "UnicodeDecodeError" in message and "expected a readable UTF-8 TOML file" in message


def test_config_path_that_cannot_be_read_is_named(tmp_path):
    folder = tmp_path / "a-folder.toml"
    folder.mkdir()
    message = refusal(folder)
    assert str(folder) in message and "cannot be read" in message and "expected a readable UTF-8 TOML file" in message


def test_invalid_toml_names_the_file_and_the_line(tmp_path):
    path = write(tmp_path, "[market]\npoll_seconds = = 30\n")
    message = refusal(path)
    assert str(path) in message and "is not valid TOML" in message and "line 2" in message


def test_unknown_section_is_named_with_a_hint(tmp_path):
    path = write(tmp_path, "[rotaton]\nupper = 6\n")
    message = refusal(path)
    assert "Unknown section 'rotaton'" in message and str(path) in message
    assert "expected one of discord, storage" in message and "did you mean 'rotation'?" in message


def test_unknown_key_is_named_with_a_hint(tmp_path):
    path = write(tmp_path, "[rotation]\nuper = 6\n")
    message = refusal(path)
    assert "Unknown setting 'rotation.uper'" in message and str(path) in message
    assert "rotation.upper" in message and "did you mean 'rotation.upper'?" in message


def test_section_that_is_not_a_table_is_refused(tmp_path):
    path = write(tmp_path, "rotation = 5\n")
    message = refusal(path)
    assert message == f"[rotation] in config file {path} is 5: expected a table of settings"


@pytest.mark.parametrize(
    ("toml", "dotted", "shown", "expected"),
    [
        ('[market]\npoll_seconds = "30"', "market.poll_seconds", "'30'", "a whole number"),
        ("[market]\npoll_seconds = true", "market.poll_seconds", "True", "a whole number"),  # bool is an int subclass
        ("[market]\npoll_seconds = 30.0", "market.poll_seconds", "30.0", "a whole number"),
        ("[rotation]\nupper = true", "rotation.upper", "True", "a number such as 5.0"),
        ('[rotation]\nupper = "5"', "rotation.upper", "'5'", "a number such as 5.0"),
        ("[rotation]\nupper = nan", "rotation.upper", "nan", "a finite number"),
        ("[rotation]\nupper = inf", "rotation.upper", "inf", "a finite number"),
        ('[display]\ntimezone = ["UTC"]', "display.timezone", "['UTC']", "a string in quotes"),
        ('[storage]\ndatabase = "  "', "storage.database", "'  '", "a non-empty string"),
        ('[market]\nwatchlist = "IWM"', "market.watchlist", "'IWM'", "a list of symbols"),
        ("[fomc]\nremind_hours_before = [24, 200]", "fomc.remind_hours_before", "[24, 200]", "at most 168"),
        ("[rules]\nrecord_horizon = 0", "rules.record_horizon", "0", "sessions from 1 to 260"),
        ("[rules]\nrecord_horizon = 20.5", "rules.record_horizon", "20.5", "a whole number"),
        ('[rules]\nrecord_last = "twelve"', "rules.record_last", "'twelve'", "a whole number"),
        ("[rules]\nrecord_last = 1000", "rules.record_last", "1000", "signals from 1 to 100"),
    ],
)
def test_wrong_value_in_the_file_names_key_value_file_and_expectation(tmp_path, toml, dotted, shown, expected):
    path = write(tmp_path, toml + "\n")
    message = refusal(path)
    assert message.startswith(f"Bad setting {dotted} = {shown} (from file {path}): expected ")
    assert expected in message


def test_integer_too_large_for_a_float_in_the_file_is_a_settings_error(tmp_path):
    path = write(tmp_path, "[rotation]\nupper = 1" + "0" * 400 + "\n")
    message = refusal(path)
    assert "rotation.upper" in message and str(path) in message and "expected" in message


def test_integer_too_long_to_parse_in_the_file_is_a_settings_error(tmp_path):
    path = write(tmp_path, "[market]\npoll_seconds = 1" + "0" * 5000 + "\n")
    message = refusal(path)
    assert str(path) in message


@pytest.mark.parametrize(
    ("section", "key", "env"),
    [
        ("discord", "token", "DISCORD_TOKEN"),
        ("webhook", "url", "ROTOBOT_WEBHOOK_URL"),
        ("alerts", "webhook_url", "ROTOBOT_WEBHOOK_URL"),  # its old name: still a secret, still refused in a file
        ("market", "stooq_api_key", "ROTOBOT_STOOQ_API_KEY"),
    ],
)
def test_secret_in_the_file_is_refused_without_echoing_it(tmp_path, section, key, env):
    path = write(tmp_path, f'[{section}]\n{key} = "{TOKEN}"\n')
    message = refusal(path)
    assert TOKEN not in message
    assert f"{section}.{key}" in message and str(path) in message and f"expected it in {env} or {env}_FILE" in message


# --- a bad environment -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "dotted", "expected"),
    [
        ("ROTOBOT_ROTATION_UPPER", "five", "rotation.upper", "a number such as 5.0"),
        ("ROTOBOT_ROTATION_UPPER", "nan", "rotation.upper", "a finite number"),
        ("ROTOBOT_ROTATION_UPPER", "inf", "rotation.upper", "a finite number"),
        ("ROTOBOT_ROTATION_UPPER", "-Infinity", "rotation.upper", "a finite number"),
        ("ROTOBOT_ROTATION_UPPER", "101", "rotation.upper", "percent from -100.0 to 100.0"),
        ("ROTOBOT_MARKET_POLL_SECONDS", "1", "market.poll_seconds", "seconds from 15 to 3600"),
        ("ROTOBOT_MARKET_POLL_SECONDS", "1.5", "market.poll_seconds", "a whole number"),
        ("ROTOBOT_ROTATION_WINDOW", "0", "rotation.window", "trading days from 1 to 260"),
        ("ROTOBOT_DISCORD_ALERT_CHANNEL_ID", "-1", "discord.alert_channel_id", "a channel id from 0 to"),
        ("ROTOBOT_DISPLAY_TIMEZONE", "Mars/Olympus_Mons", "display.timezone", "an IANA time zone"),
        ("ROTOBOT_LOG_LEVEL", "LOUD", "log.level", "one of DEBUG, INFO, WARNING, ERROR"),
        ("ROTOBOT_DISCORD_PREFIX", "!!!!", "discord.prefix", "one to three characters without spaces"),
        ("ROTOBOT_DISCORD_PREFIX", "! ?", "discord.prefix", "one to three characters without spaces"),
        ("ROTOBOT_MARKET_YAHOO_URL", "ftp://example.com", "market.yahoo_url", "an http:// or https:// URL"),
        ("ROTOBOT_MARKET_WATCHLIST", "IWM,B@D", "market.watchlist", "ticker symbols such as ^RUT"),
        ("ROTOBOT_ROTATION_SMALL", "R U T", "rotation.small", "ticker symbols such as ^RUT"),
        ("ROTOBOT_FOMC_REMIND_HOURS_BEFORE", "24,0", "fomc.remind_hours_before", "each above 0"),
        ("ROTOBOT_STORAGE_DATABASE", "   ", "storage.database", "a non-empty string"),
        ("ROTOBOT_RULES_RECORD_HORIZON", "261", "rules.record_horizon", "sessions from 1 to 260"),
        ("ROTOBOT_RULES_RECORD_HORIZON", "-5", "rules.record_horizon", "sessions from 1 to 260"),
        ("ROTOBOT_RULES_RECORD_LAST", "a dozen", "rules.record_last", "a whole number"),
        ("ROTOBOT_RULES_RECORD_LAST", "0", "rules.record_last", "signals from 1 to 100"),
    ],
)
def test_wrong_value_in_the_environment_names_variable_value_and_expectation(name, value, dotted, expected):
    message = refusal(**{name: value})
    assert message.startswith(f"Bad setting {dotted} = {value!r} (from env {name}): expected ")
    assert expected in message


@pytest.mark.parametrize("zone", ["America", "Europe" * 60])
def test_time_zone_that_names_a_folder_or_is_too_long_is_a_settings_error(zone):
    message = refusal(ROTOBOT_DISPLAY_TIMEZONE=zone)
    assert "display.timezone" in message and "an IANA time zone" in message


def test_bad_symbol_in_a_list_is_named_itself():
    assert "(not 'B@D')" in refusal(ROTOBOT_MARKET_WATCHLIST="IWM,b@d")


@pytest.mark.parametrize("lower", ["6", "5"])
def test_lower_not_below_upper_is_refused(lower):
    message = refusal(ROTOBOT_ROTATION_LOWER=lower)
    assert message == (
        f"Bad setting rotation.lower = {float(lower)} (from env ROTOBOT_ROTATION_LOWER): "
        "expected a number below rotation.upper (5.0)"
    )


def test_small_equal_to_large_is_refused(tmp_path):
    path = write(tmp_path, '[rotation]\nlarge = "^RUT"\n')
    message = refusal(path)
    assert message == f"Bad setting rotation.large = '^RUT' (from file {path}): expected a symbol other than rotation.small (^RUT)"


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("ROTOBOT_ROTATION_UPPR", "ROTOBOT_ROTATION_UPPER"),
        ("ROTOBOT_CONFG", "ROTOBOT_CONFIG"),
        ("ROTOBOT_MARKET_POLL_SECOND", "ROTOBOT_MARKET_POLL_SECONDS"),
    ],
)
def test_unknown_rotobot_variable_is_named_with_a_hint(name, hint):
    message = refusal(**{name: "1"})
    assert f"Unknown environment variable {name!r}" in message
    assert "expected one of ROTOBOT_" in message and f"did you mean {hint!r}?" in message


def test_unknown_variable_under_a_section_of_secrets_still_says_what_is_expected():
    message = refusal(ROTOBOT_ALERTS_WEBHOOK_URL="https://discord.com/api/webhooks/1/x")
    assert not message.rstrip().endswith("expected one of")
    assert "did you mean 'ROTOBOT_WEBHOOK_URL'?" in message  # the old [alerts] section held it; it never had this name


def test_variables_without_the_prefix_are_ignored():
    assert load_settings(environ={"HOME": "/root", "rotobot_log_level": "LOUD"}).log.level == "INFO"


# --- secrets -----------------------------------------------------------------------------------------------------------


def test_token_and_token_file_both_set_are_refused(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    message = refusal(DISCORD_TOKEN=TOKEN, DISCORD_TOKEN_FILE=str(token_file))
    assert message == "Both DISCORD_TOKEN and DISCORD_TOKEN_FILE are set: expected only one of them"


def test_missing_token_file_is_named(tmp_path):
    path = tmp_path / "no-token"
    message = refusal(DISCORD_TOKEN_FILE=str(path))
    assert message.startswith(f"DISCORD_TOKEN_FILE = {str(path)!r} cannot be read (")
    assert "expected a readable file holding the secret" in message


@pytest.mark.parametrize("content", ["", "\n", "  \n\n"])
def test_empty_token_file_is_refused(tmp_path, content):
    path = tmp_path / "token"
    path.write_text(content)
    assert refusal(DISCORD_TOKEN_FILE=str(path)) == "DISCORD_TOKEN_FILE is empty: expected the secret itself, or unset it"


def test_token_with_inner_whitespace_is_refused_without_echoing_it():
    half = TOKEN[:20]
    message = refusal(DISCORD_TOKEN=f"{half} {TOKEN[20:]}")
    assert half not in message and TOKEN[20:] not in message
    assert message == "DISCORD_TOKEN holds whitespace inside the value: expected a single token with no spaces"


def test_token_file_is_read_and_stripped_of_its_newline(tmp_path):
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    s = load_settings(environ={"DISCORD_TOKEN_FILE": str(path)})
    assert s.discord.token.reveal() == TOKEN


def test_token_from_a_file_is_reported_as_coming_from_the_file_variable(tmp_path):
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    s = load_settings(environ={"DISCORD_TOKEN_FILE": str(path)})
    assert "DISCORD_TOKEN_FILE" in s.sources["discord.token"]


def test_render_masks_every_secret_and_names_each_source(tmp_path):
    path = write(tmp_path, "[market]\npoll_seconds = 30\n")
    webhook, stooq = "https://discord.com/api/webhooks/123/hook-SECRET", "stooq-KEY-SECRET"
    s = load_settings(
        path,
        environ={
            "DISCORD_TOKEN": TOKEN,
            "ROTOBOT_WEBHOOK_URL": webhook,
            "ROTOBOT_STOOQ_API_KEY": stooq,
            "ROTOBOT_ROTATION_UPPER": "6.5",
        },
    )
    text = render(s)
    for value in (TOKEN, webhook, stooq):
        assert value not in text
    lines = text.splitlines()
    assert f'token = "{MASK}"  # env DISCORD_TOKEN; bot token; without one rotobot talks on the console' in lines
    assert any(line.startswith(f'url = "{MASK}"  # env ROTOBOT_WEBHOOK_URL;') for line in lines)
    assert any(line.startswith(f'stooq_api_key = "{MASK}"  # env ROTOBOT_STOOQ_API_KEY;') for line in lines)
    assert any(line.startswith(f"poll_seconds = 30  # file {path};") for line in lines)
    assert any(line.startswith("upper = 6.5  # env ROTOBOT_ROTATION_UPPER;") for line in lines)
    assert any(line.startswith("window = 20  # default;") for line in lines)


def test_render_says_which_secrets_are_not_set():
    text = render(load_settings(environ={}))
    assert "# token: not set (DISCORD_TOKEN or DISCORD_TOKEN_FILE)" in text
    assert "# url: not set (ROTOBOT_WEBHOOK_URL or ROTOBOT_WEBHOOK_URL_FILE)" in text


def test_repr_str_and_format_of_settings_never_show_the_token():
    s = load_settings(environ={"DISCORD_TOKEN": TOKEN})
    for shown in (repr(s), str(s), f"{s}", f"{s!r}", f"{s.discord.token}", f"{s.discord.token:>40}", str(s.discord)):
        assert TOKEN not in shown
    assert MASK in repr(s)
    assert s.secrets() == [TOKEN]


def test_secret_cannot_be_pickled():
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(Secret(TOKEN))
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(load_settings(environ={"DISCORD_TOKEN": TOKEN}))


def test_settings_compare_equal_whatever_their_sources(tmp_path):
    from_file = load_settings(write(tmp_path, "[market]\npoll_seconds = 30\n"), environ={})
    from_env = load_settings(environ={"ROTOBOT_MARKET_POLL_SECONDS": "30"})
    assert from_file == from_env and isinstance(from_file, Settings)


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_for_a_threshold_gives_a_finite_number_or_a_settings_error(text):
    try:
        value = load_settings(environ={"ROTOBOT_ROTATION_UPPER": text}).rotation.upper
    except SettingsError as error:
        assert "\n" not in str(error)
    else:
        assert isinstance(value, float) and math.isfinite(value)
