"""`!rotation`: read what it needs from storage, build the pure RotationView, and render it as a Reply.

The reads are bounded on purpose: forty years of ^RUT and ninety of ^NDX cost more to read than the whole
answer is allowed to take. The all-time high comes from the new_high rule's state (its record close, folded
over every stored close up to the session it last judged) plus the closes after it; only when that state is
missing (a rules file without the built-in record rule) is the small leg read in full. The chart, which marks
every record close of the year, always reads the small leg in full.

Rendering is for a phone: figures with thousands separators, signed percentages with a real minus sign, tables
in code blocks so columns line up, and every field within Discord's embed limits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from alerts.fomc.announce import NEW_YORK, FomcSummary, meeting_days, rate_range, summary
from alerts.fomc.models import Decision, Meeting
from alerts.market.freshness import Freshness
from alerts.market.models import Quote
from alerts.market.sessions import NyseSessions
from alerts.rotation_changes import PERIODS
from alerts.rotation_view import (
    BASKET_MONTH,
    NO_DATA,
    Last,
    Leg,
    RecordClose,
    RotationView,
    rotation_view,
)
from alerts.rules.model import Point, RotationSpread, own_spread_rule
from bot.charts import CHART_DAYS, rotation_chart_async
from bot.commands.reply import Reply
from storage import alert_state, fomc, guild_settings, prices, quotes

if TYPE_CHECKING:
    from bot.commands.context import CommandContext

STATE_KEY = "*"  # as bot/jobs/alerts.py stores one state per rule
FIELD_LIMIT, FIELDS_MAX = 1024, 25  # Discord embed limits
MINUS = "\u2212"
WARN = "\u26a0"


async def rotation_reply(ctx: CommandContext, *, chart: bool = False, guild_id: int = 0) -> Reply:
    """The whole of `!rotation` (and `!rotation chart`): stored data only, never the network. In a server that
    set its own spread lines (!set upper ...), the lines and the armed side shown are that server's."""
    now = ctx.now()
    today = now.astimezone(NEW_YORK).date()
    rule = spread_rule(ctx.settings.rotation)
    if guild_id:
        own = await ctx.database.run(_own_lines, guild_id)
        if own:
            rule = own_spread_rule(rule, guild_id, own) or rule
    basket = ctx.settings.market.basket
    facts = await ctx.database.run(load_rotation_facts, rule, basket, today, chart=chart)
    view = view_from_facts(facts, rule, basket, now, ctx.sessions.around(now), ctx.settings.market.poll_seconds)
    reply = render_rotation(view)
    if chart:
        png = await rotation_chart_async(facts.history, rule, view.periods_through or today)
        reply = dataclasses.replace(reply, attachments=(("rotation.png", png),))
    return reply


def _own_lines(db, guild_id: int) -> dict[str, float]:
    chosen = guild_settings.all_for(db, guild_id)
    return {key: float(chosen[key]) for key in ("upper", "lower", "hysteresis") if key in chosen}


def spread_rule(rotation) -> RotationSpread:
    """The built-in rotation_spread rule from [rotation] settings, with the id its state is stored under."""
    rule = RotationSpread("-", rotation.small, rotation.large, rotation.window, rotation.upper, rotation.lower,
                          rotation.hysteresis)
    return dataclasses.replace(rule, id=rule.natural_id)


@dataclass(frozen=True)
class RotationFacts:
    history: dict[str, list[Point]]
    quotes: dict[str, Quote]
    spread_state: dict | None
    small_record: RecordClose | None
    meetings: list[Meeting] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)  # newest first


def load_rotation_facts(db, rule: RotationSpread, basket: Sequence[str], today: date, *,
                        chart: bool = False) -> RotationFacts:
    """Everything `!rotation` (and with `chart`, its picture) reads; run it on the database thread."""
    small_last, large_last = prices.last_bar(db, rule.small), prices.last_bar(db, rule.large)
    history: dict[str, list[Point]] = {}
    record = _record_from_state(alert_state.load_state(db, f"new_high:{rule.small}:close", STATE_KEY))
    if small_last is not None and large_last is not None:
        end = min(small_last.date, large_last.date, today)
        since = legs_since(end, rule.window, chart=chart)
        if chart or record is None or record.through < since:
            history[rule.small] = prices.history_points(db, [rule.small])[rule.small]
        else:
            history[rule.small] = _points(prices.daily_bars(db, rule.small, since))
        history[rule.large] = _points(prices.daily_bars(db, rule.large, since))
    else:  # a leg has nothing stored: the view says so, and there is nothing to bound the reads by
        for symbol, last in ((rule.small, small_last), (rule.large, large_last)):
            history[symbol] = [] if last is None else prices.history_points(db, [symbol])[symbol]
    for symbol in basket:
        if symbol in history:
            continue
        last = prices.last_bar(db, symbol)
        history[symbol] = [] if last is None else _points(
            prices.daily_bars(db, symbol, last.date - timedelta(days=BASKET_MONTH * 7 // 5 + 20)))
    wanted = {rule.small, rule.large, *basket}
    stored = {s: q for s, q in quotes.all_quotes(db).items() if s in wanted}
    return RotationFacts(
        history=history,
        quotes=stored,
        spread_state=alert_state.load_state(db, rule.id, STATE_KEY),
        small_record=record,
        meetings=fomc.meetings(db, since=today - timedelta(days=7)),
        decisions=fomc.decisions(db, limit=12),
    )


def legs_since(end: date, window: int, *, chart: bool = False) -> date:
    """The first date the legs must be read from for a view (or a chart) whose last joint session is `end`."""
    longest = max(max(n for _, n in PERIODS), window) + 1
    since = min(date(end.year, 1, 1), end) - timedelta(days=longest * 7 // 5 + 30)  # + holidays and gaps
    if chart:
        since = min(since, end - timedelta(days=CHART_DAYS + window * 7 // 5 + 30))
    return since


def _record_from_state(state: dict | None) -> RecordClose | None:
    if not state or state.get("record") is None or not state.get("record_date") or not state.get("last_session"):
        return None
    return RecordClose(float(state["record"]), date.fromisoformat(state["record_date"]),
                       date.fromisoformat(state["last_session"]))


def _points(bars) -> list[Point]:
    return [Point(bar.date, bar.close, bar.high, bar.low) for bar in bars]


def view_from_facts(facts: RotationFacts, rule: RotationSpread, basket: Sequence[str], now: datetime,
                    sessions: NyseSessions, poll_seconds: int) -> RotationView:
    today = now.astimezone(NEW_YORK).date()
    fed = summary(facts.meetings, facts.decisions, today) if (facts.meetings or facts.decisions) else None
    return rotation_view(history=facts.history, quotes=facts.quotes, spread_rule=rule,
                         spread_state=facts.spread_state, basket=basket, fomc=fed, now=now, sessions=sessions,
                         poll_seconds=poll_seconds, small_record=facts.small_record)


# ---- rendering ----------------------------------------------------------------------------------------------

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
        mark = f" {WARN}" if line.stale else ""
        rows.append(f"{line.symbol:<6}{money(line.last.price):>9}{_optional(line.last.change_pct):>8}"
                    f"{_optional(line.month_pct):>8}{mark}")
        age = _age(line.last, mark=False)
        if line.last.from_quote and line.bars is not None and line.bars.stale:
            age += f"; closes {line.bars.text}"
        ages.setdefault((line.stale, age), []).append(line.symbol)
    notes = [(f"{WARN} " if stale else "") + f"{', '.join(symbols)}: {age}" for (stale, age), symbols in ages.items()]
    block = "```\n" + "\n".join(rows) + "\n```"
    name = f"Basket: last, day, {BASKET_MONTH} sessions"
    if not view.basket:
        return name, "no basket configured (market.basket)"
    return name, _fit(block, notes)


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


def _fit(block: str, notes: list[str]) -> str:
    """The table and as many notes as fit in one embed field; a table too long for it loses its last rows."""
    reserve = 32  # room for the "… and N more" line
    rows = block.split("\n")
    if len(block) > FIELD_LIMIT - reserve:
        body, kept = rows[1:-1], []
        while body and len("\n".join(["```", *kept, body[0], "… and 999 more", "```"])) <= FIELD_LIMIT - reserve:
            kept.append(body.pop(0))
        rows = ["```", *kept, f"… and {len(body)} more", "```"]
    text = "\n".join(rows)
    for k, note in enumerate(notes):
        if len(text) + 1 + len(note) > FIELD_LIMIT - reserve:
            return text + f"\n… and {len(notes) - k} more notes"
        text += "\n" + note
    return text


def render_rotation(view: RotationView) -> Reply:
    lines = [_leg_line(view.small), _high_line(view), _leg_line(view.large)]
    fields = [_spread_field(view), _periods_field(view), _basket_field(view), _fed_field(view.fomc)]
    fields = [(name[:256], value if len(value) <= FIELD_LIMIT else value[: FIELD_LIMIT - 1] + "…")
              for name, value in fields][:FIELDS_MAX]
    at = view.now.astimezone(NEW_YORK)
    footer = f"stored data, no live fetch · as of {day(at.date())} {at:%H:%M} New York"
    if view.stale:
        footer += f" · {WARN} stale: {', '.join(view.stale)}"
    return Reply("Rotation: small caps vs mega caps", tuple(lines), tuple(fields), footer=footer)
