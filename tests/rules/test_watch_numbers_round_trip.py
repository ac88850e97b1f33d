"""Every number the `!watch` grammar shows (a watch's name, an example, a message) is one it reads back: plain
decimals, at most nine places, never float noise or an exponent, across the numbers an admin can type."""

from __future__ import annotations

import itertools
import re

import pytest

from alerts.watch_grammar import WatchError, parse_watch
from alerts.watches import plain_number

TRICKY = ["0.1", "-0.2", "0.3", "0.000000001", "0.0000001", "-0.0000001", "1.000000001", "123456789", "0.5", "5",
          "-5", "12.345678912", "0.07", "1e-07", "0", "-100", "-99.5", "999999.999999999", "1000000"]
_NOISE = re.compile(r"[0-9]e[+-]?[0-9]|[0-9]\.[0-9]{10}")  # an exponent, or more places than the grammar takes


@pytest.mark.parametrize("value, text", [(0.07500000000000001, "0.075"), (1e-07, "0.0000001"), (5.0, "5"),
                                         (-0.0, "0"), (0.30000000000000004, "0.3"), (-2.5, "-2.5"), (1e6, "1000000")])
def test_plain_number_is_a_plain_decimal(value, text):
    assert plain_number(value) == text


def typed_watches():
    for a, b in itertools.product(TRICKY, repeat=2):
        yield f"KRE/SPY spread 20 above {a} below {b}"
        yield f"KRE/SPY spread 20 above {a} band {b}"
    for a in TRICKY:
        yield f"^RUT ma 20 band {a}"
        yield f"^RUT move 15 {a}%"
        yield f"KRE/SPY spread 20 below {a}"


def test_whatever_is_typed_the_name_or_the_example_reads_back():
    wrong = []
    for typed in typed_watches():
        try:
            spec = parse_watch(typed.split())
        except WatchError as refused:
            said = refused.reason.replace("1e-07", "")  # what the admin typed may be echoed back as typed
            if _NOISE.search(said) or _NOISE.search(refused.example):
                wrong.append((typed, str(refused)))
            try:
                parse_watch(refused.example.split())
            except WatchError as again:
                wrong.append((typed, f"example {refused.example!r} refused: {again}"))
        else:
            if parse_watch(spec.text.split()) != spec or parse_watch(spec.text.split()).text != spec.text:
                wrong.append((typed, f"named {spec.text!r}"))
    assert wrong == []
