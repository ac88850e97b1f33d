"""Review C: every bad argument is answered with a valid example. A WatchError's example is itself a `!watch` the
grammar must accept; built from float arithmetic or repr, it can carry 17 decimals or an exponent, which the
grammar's own numbers ("no exponent", at most nine decimals) refuse."""

from __future__ import annotations

import pytest

from alerts.watch_grammar import WatchError, parse_watch


@pytest.mark.parametrize("typed", [
    "KRE/SPY spread 20 above 0.1 below -0.2",  # the gap is 0.30000000000000004; the band offered 0.07500000000000001
    "^RUT move 15 -0.0000001%",  # offered back as "1e-07%"
])
def test_the_example_a_bad_watch_is_answered_with_is_a_watch_the_grammar_takes(typed):
    with pytest.raises(WatchError) as refused:
        parse_watch(typed.split())
    example = refused.value.example
    try:
        parse_watch(example.split())
    except WatchError as again:
        pytest.fail(f"{typed!r} was answered with the example {example!r}, which is refused too: {again}")


@pytest.mark.parametrize("typed", ["^RUT ma 20 band 0.000000001", "^RUT move 15 0.0000001%"])
def test_a_watch_is_named_in_words_the_grammar_takes_back(typed):
    # The text is the watch's name in alerts, !watches and !rotation, and what tells two watches apart; shown as
    # "band 1e-09" or "1e-07%", an admin who copies it gets "is not a number".
    text = parse_watch(typed.split()).text
    try:
        assert parse_watch(text.split()).text == text
    except WatchError as again:
        pytest.fail(f"{typed!r} is stored and shown as {text!r}, which the grammar refuses: {again}")
