"""How a rule compares a price, a change or the spread with its line: read to a grid of integers, then exactly.

The rule, the one every rule and every view uses:

- A price is read to the nearest hundred-millionth, an integer (`price_units`). A percentage line (a move's pct,
  the spread's upper, lower and hysteresis, the re-arm band) is read to the nearest billionth of a percentage
  point, an integer (`pct_units`).
- What a rule holds against a line is worked out from those integers with integer arithmetic, never a float
  subtraction or division: a price or a record is its integer; the day's change is 100 * (price - previous) /
  previous; the spread is ((small_now / large_now) / (small_then / large_then) - 1) * 100; the re-arm band's edge
  is line * (1 -/+ band). Each is exact, and it reaches its line exactly when the exact number does: 41.50 to
  45.65 is +10% and fires a 10% move (the float formula says 9.999999999999986); a price equal to a line to every
  decimal is at the line, whatever its float's last bit.

Why the grid is safe: a price a quote or a close carries has a few decimals, so it is a whole number of grid
units, and the float holding it is within half an ulp of it (7e-12 at 100,000.00), far inside half a unit
(5e-9): the reading recovers the decimal exactly, so two two-decimal prices up to 100,000.00 are never mis-ordered
or mis-equated (nor into the tens of millions, where the float's own spacing nears a unit), and neither is a
change or a spread made of them. A price that is the decimal to every digit a quote carries but not to a float's
last bit (41.50 * 1.1 is 45.650000000000006) reads as the decimal. The grid is still fine where a cent is coarse:
a quote of 0.00001234 is 1,234 units.

How each quantity stays exact and cheap:
- The day's change is kept in billionths of a point rounded toward zero (`change_units`): a line is a whole
  number of billionths, so the rounded size reaches a line exactly when the exact size does. One integer per
  symbol and poll, which the 100,000-subscription poll bisects its move rules over.
- The spread is an exact Fraction in the same units (`spread_units`): judged once a session, on both sides.
- A re-arm edge is rounded toward the price side that re-arms (`band_under`, `band_over`), so comparing an
  integer price with it is the exact comparison.
- Where many floats meet one grid value (a line's 100,000 subscribers, a year of closes against one tick),
  `least_price` turns the grid value into the float where the reading turns: comparing a float with it is the
  grid comparison, exactly, with no reading per float (lines.py, ticks.SymbolView, series.record).

Floats stay for what people read and for event payloads: `change_pct` and `as_pct` give the exact value,
rounded once to the nearest float.
"""

from __future__ import annotations

import math
from fractions import Fraction

PRICE_UNIT = 100_000_000  # grid units in 1.00 of price
PCT_UNIT = 1_000_000_000  # grid units in one percentage point
_HUNDRED = 100 * PCT_UNIT  # 100% in pct units


def price_units(price: float) -> int:
    """A price on the grid: the nearest whole number of hundred-millionths."""
    return round(price * PRICE_UNIT)


def least_price(units: int) -> float:
    """The smallest float that reads as `units` or more: price_units(x) >= units exactly when x >= least_price(units).

    Exact because reading to the grid never decreases as the price grows (a correctly rounded product, then a
    rounding). It lets a walk over a year of closes compare floats, without reading each close, and still decide
    on the grid: the 52-week questions of a 100,000-subscription poll do that.
    """
    x = (units - 0.5) / PRICE_UNIT  # where reading turns from units - 1 to units, to within a few floats
    if round(x * PRICE_UNIT) >= units:  # price_units, inline: this runs for every symbol of every poll
        below = math.nextafter(x, -math.inf)
        while round(below * PRICE_UNIT) >= units:
            x, below = below, math.nextafter(below, -math.inf)
        return x
    x = math.nextafter(x, math.inf)
    while round(x * PRICE_UNIT) < units:
        x = math.nextafter(x, math.inf)
    return x


def pct_units(pct: float) -> int:
    """A percentage line on the grid: the nearest whole number of billionths of a percentage point."""
    return round(pct * PCT_UNIT)


def as_pct(units: int | Fraction) -> float:
    """A quantity in pct units as a float percentage: the exact value, rounded once."""
    value = Fraction(units)
    return value.numerator / (value.denominator * PCT_UNIT)  # int / int rounds correctly


def change_units(price: int, previous: int) -> int:
    """(price / previous - 1) * 100 in pct units, rounded toward zero: its size reaches a line exactly when the
    exact change's does. Both prices in price units; `previous` above 0."""
    size = abs(price - previous) * _HUNDRED // previous
    return size if price >= previous else -size


def change_pct(price: int, previous: int) -> float:
    """The same change as a float percentage, for a message or a view: exact, rounded once."""
    return (price - previous) * 100 / previous


def percent_change(price: float, previous: float) -> float:
    """(price / previous - 1) * 100 of two prices as floats, read to the grid first: for anything that shows a
    change, so that what is shown agrees with what the rules judged."""
    return change_pct(price_units(price), price_units(previous))


def spread_units(small_now: float, large_now: float, small_then: float, large_then: float) -> Fraction:
    """((small_now / large_now) / (small_then / large_then) - 1) * 100, in pct units, exactly: the rotation
    spread of the prices read to the grid. As one fraction: (sn * lt - st * ln) / (st * ln)."""
    sn, ln, st, lt = (price_units(p) for p in (small_now, large_now, small_then, large_then))
    return Fraction(_HUNDRED * (sn * lt - st * ln), st * ln)


def band_under(line: int, band: int) -> int:
    """The highest price (price units) at or under line * (1 - band%), `band` in pct units."""
    return line * (_HUNDRED - band) // _HUNDRED


def band_over(line: int, band: int) -> int:
    """The lowest price (price units) at or over line * (1 + band%)."""
    return -(-line * (_HUNDRED + band) // _HUNDRED)



def ratio_units(first: float, second: float) -> int:
    """first / second, two prices, as a value on the price grid: the exact quotient of the prices read to the grid,
    to the nearest hundred-millionth (a half rounds up). The value an `ma_cross` on a ratio averages and judges."""
    a, b = price_units(first), price_units(second)
    return (2 * a * PRICE_UNIT + b) // (2 * b)


def over_average(value: int, total: int, count: int, band: int) -> bool:
    """value >= (total / count) * (1 + band%), exactly: grid values, `band` in pct units."""
    return value * count * _HUNDRED >= total * (_HUNDRED + band)


def under_average(value: int, total: int, count: int, band: int) -> bool:
    """value <= (total / count) * (1 - band%), exactly."""
    return value * count * _HUNDRED <= total * (_HUNDRED - band)


def change_reaches(now: int, then: int, line: int) -> int:
    """+1 when now / then - 1 >= line% (pct units, above 0), -1 when it is <= -line%, else 0; exactly."""
    if (now - then) * _HUNDRED >= line * then:
        return 1
    if (then - now) * _HUNDRED >= line * then:
        return -1
    return 0
