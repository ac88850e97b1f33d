"""lines.Lines, the index a poll judges a symbol's lines with, answers for each line what lines.step answers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.rules.lines import Lines, step
from alerts.rules.model import Above, Below

CENTS = st.integers(9_000, 11_000)  # a cent grid near 100.00: lines tie each other, the price and band edges


@settings(max_examples=200, deadline=None)
@given(st.booleans(), st.lists(CENTS, min_size=1, max_size=30), st.lists(CENTS, min_size=1, max_size=10),
       st.integers(0, 3))
def test_each_stretch_answers_for_every_line_in_it_as_step_does(rises, lines, prices, decimals_off):
    kind = Above if rises else Below
    rules = [kind(f"r{i}", "X", cents / 100) for i, cents in enumerate(lines)]
    index = Lines(list(enumerate(rules)))
    assert sorted(position for position, _, _ in index.items) == list(range(len(rules)))
    for cents in prices:
        # On the cent grid, and a hair off it (a float's last bits, which must not matter).
        price = cents / 100 + (0, 1e-12, -1e-12, 0.0025)[decimals_off]
        cut = index.stretches(price)
        assert [(start, end) for start, end, _ in cut][0][0] == 0 and cut[-1][1] == len(rules)
        for start, end, answers in cut:
            for _, rule_id, rule in index.items[start:end]:
                assert rule_id == rule.id
                assert answers == (step(rule.edges, True, price) is not None,
                                   step(rule.edges, False, price) is not None), (rule, price)
