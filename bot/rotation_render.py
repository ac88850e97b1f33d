"""The words of `!rotation`: a RotationView rendered as a Reply, for a phone.

Figures with thousands separators, signed percentages with a real minus sign, tables in code blocks so columns
line up; bot/embed_fit.py keeps every field within Discord's embed limits.
"""

from __future__ import annotations

from datetime import date

from alerts.fomc.announce import NEW_YORK, FomcSummary, meeting_days, rate_range
from alerts.market.freshness import Freshness
from alerts.rotation_view import BASKET_MONTH, NO_DATA, Last, Leg, RotationView
from bot.commands.reply import Reply
from bot.embed_fit import clip_fields, fit_table

MINUS = "\u2212"
WARN = "\u26a0"
ADJUSTED = "\u2020"  # a dagger: the basket line rests on closes adjusted for splits and dividends


def money(value: float) -> str:
    return f"{value:,.2f}"


def signed(value: float, decimals: int = 2, unit: str = "%") -> str:
    """'+1.21%', '−4.30%' (a real minus sign), '0.00%' when it rounds to nothing."""
    text = f"{abs(value):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        return text + unit
    return ("+" if value > 0 else MINUS) + text + unit


def day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def _optional(value: float | None, decimals: int = 2, unit: str = "%") -> str:
    return "n/a" if value is None else signed(value, decimals, unit)


def _age(last: Last, mark: bool = True) -> str:
    """How old a price is: 'close of 11 Dec 2025' or 'live 15:42 New York, 45s ago', flagged when stale."""
    if last.from_quote:
        text = f"live {last.at.astimezone(NEW_YORK):%H:%M} New York, {last.freshness.text}"
    else:
        text = f"close of {day(last.session)}" + (f", {last.freshness.text}" if last.freshness.stale else "")
    return f"{WARN} {text}" if mark and last.freshness.stale else text


def _leg_line(leg: Leg) -> str:
    title = f"{leg.name} ({leg.symbol})" if leg.name != leg.symbol else leg.symbol
    if leg.last is None:
        return f"{title}: {NO_DATA}"
    change = leg.last.change_pct
    on_day = f", {signed(change)} on the day" if change is not None else ""
    return f"{title}: {money(leg.last.price)}{on_day} — {_age(leg.last)}"


def _high_line(view: RotationView) -> str:
    high = view.from_high
    if high is None:
        return f"All-time high: {NO_DATA}"
    if round(high.pct, 1) == 0:
        return f"At its all-time high (record close of {day(high.high_date)})"
    if high.pct > 0:
        return f"{signed(high.pct, 1)} above the {money(high.high)} record close of {day(high.high_date)}"
    return f"{signed(high.pct, 1)} from the {money(high.high)} high of {day(high.high_date)}"


def _stale_note(fresh: Freshness | None) -> str:
    return f" {WARN} {fresh.text}" if fresh is not None and fresh.stale else ""


def _spread_field(view: RotationView) -> tuple[str, str]:
    s = view.spread
    name = f"Rotation spread {s.pair}, {s.window} sessions"
    lines = []
    if s.value is None:
        lines.append(f"{NO_DATA}: needs {s.window + 1} sessions with both closes")
    else:
        lines.append(f"{signed(s.value)} at the {day(s.session)} close{_stale_note(s.freshness)}")
    lines.append(f"alerts at {signed(s.upper)} (into small caps) and {signed(s.lower)} (into mega caps); "
                 f"re-arm {s.hysteresis:g} pt back")
    if not s.evaluated:
        lines.append("armed: not yet evaluated")
    else:
        lines.append("small caps: " + (f"armed, fires at {signed(s.upper)} or more" if s.small_armed
                                       else f"fired, re-arms below {signed(s.upper - s.hysteresis)}"))
        lines.append("mega caps: " + (f"armed, fires at {signed(s.lower)} or less" if s.large_armed
                                      else f"fired, re-arms above {signed(s.lower + s.hysteresis)}"))
        if s.state_session is not None and s.state_session != s.session:
            lines.append(f"(alert state as judged on {day(s.state_session)})")
    return name, "\n".join(lines)


def _periods_field(view: RotationView) -> tuple[str, str]:
    if view.periods_through is None:
        return "Small vs mega caps", f"{NO_DATA}: no session with both closes"
    small, large = view.small.symbol[:8], view.large.symbol[:8]
    rows = [f"{'':9}{small:>8}{large:>8}{'gap':>7}"]
    for p in view.periods:
        rows.append(f"{p.label:<9}{_optional(p.small_pct):>8}{_optional(p.large_pct):>8}"
                    f"{_optional(p.gap, unit=''):>7}")
    ytd = view.periods[-1]
    notes = ["gap: points, small minus mega" + (f"; YTD from the {day(ytd.since)} close" if ytd.since else "")]
    if view.periods_freshness is not None and view.periods_freshness.stale:
        notes.append(f"{WARN} {view.periods_freshness.text}")
    name = f"Small vs mega caps, to the {day(view.periods_through)} close"
    return name, "```\n" + "\n".join(rows) + "\n```\n" + "\n".join(notes)


def _basket_field(view: RotationView) -> tuple[str, str]:
    rows = [f"{'':6}{'last':>9}{'day':>8}{'month':>8}"]
    ages: dict[str, list[str]] = {}
    for line in view.basket:
        if line.last is None:
            rows.append(f"{line.symbol:<6} {NO_DATA}")
            continue
        mark = (f" {WARN}" if line.stale else "") + (f" {ADJUSTED}" if line.adjusted else "")
        rows.append(f"{line.symbol:<6}{money(line.last.price):>9}{_optional(line.last.change_pct):>8}"
                    f"{_optional(line.month_pct):>8}{mark}")
        age = _age(line.last, mark=False)
        if line.last.from_quote and line.bars is not None and line.bars.stale:
            age += f"; closes {line.bars.text}"
        ages.setdefault((line.stale, age), []).append(line.symbol)
    notes = [(f"{WARN} " if stale else "") + f"{', '.join(symbols)}: {age}" for (stale, age), symbols in ages.items()]
    adjusted = [line.symbol for line in view.basket if line.last is not None and line.adjusted]
    if adjusted:
        notes.append(f"{ADJUSTED} {', '.join(adjusted)}: adjusted closes (splits, dividends), not the prices of the day")
    block = "```\n" + "\n".join(rows) + "\n```"
    name = f"Basket: last, day, {BASKET_MONTH} sessions"
    if not view.basket:
        return name, "no basket configured (market.basket)"
    return name, fit_table(block, notes)


def _fed_field(fed: FomcSummary | None) -> tuple[str, str]:
    if fed is None:
        return "Fed funds", "no FOMC data stored yet"
    lines = []
    if fed.current is not None:
        c = fed.current
        change = f" ({c.change_bp:+d} bp)".replace("-", MINUS) if c.change_bp else ""
        lines.append(f"{rate_range(c.lower, c.upper)} since {day(c.date)}{change}")
    else:
        lines.append("target range: not stored yet")
    m = fed.next_meeting
    if m is None:
        lines.append("next FOMC: none on the stored calendar")
    else:
        away = ("today" if fed.days_away == 0 else f"in {fed.days_away} days" if fed.days_away > 0
                else "under way")
        lines.append(f"next FOMC: {meeting_days(m)} {m.end.year}, {away}" + (", with projections" if m.sep else ""))
    return "Fed funds", "\n".join(lines)


def render_rotation(view: RotationView) -> Reply:
    lines = [_leg_line(view.small), _high_line(view), _leg_line(view.large)]
    fields = [_spread_field(view), _periods_field(view), _basket_field(view), _fed_field(view.fomc)]
    fields = clip_fields(fields)
    at = view.now.astimezone(NEW_YORK)
    footer = f"stored data, no live fetch · as of {day(at.date())} {at:%H:%M} New York"
    if view.stale:
        footer += f" · {WARN} stale: {', '.join(view.stale)}"
    return Reply("Rotation: small caps vs mega caps", tuple(lines), tuple(fields), footer=footer)
