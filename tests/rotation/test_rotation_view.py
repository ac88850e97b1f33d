"""The !rotation view on real history: 11 Dec 2025, the Russell 2000's record close and the spread's crossing of +5%.

Figures the issue states are pinned as numbers; the rest are recomputed here independently, straight from the
fixture CSVs by date, so the view is checked against the data and not against itself.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from alerts.fomc.announce import summary
from alerts.fomc.bundled import bundled_decisions, bundled_meetings
from alerts.market.bundled import bundled_history
from alerts.market.calendar import NEW_YORK, NyseCalendar
from alerts.market.models import Quote
from alerts.rotation_series import record_closes, spread_series
from alerts.rotation_view import RecordClose, rotation_view
from alerts.rules.engine import evaluate_sessions
from alerts.rules.model import NewHigh, Point
from bot.commands.reply import as_text
from bot.rotation_render import render_rotation
from tests.rotation.rotationkit import AS_OF, RECORD_DAY, read_closes, through

BASKET = ("KRE", "RF", "ROAD")  # RF: not among the test fixtures, so nothing stored


def view_as_of(history, rule, state, calendar, now=AS_OF, *, quotes=None, basket=BASKET, fomc=None, **extra):
    return rotation_view(history=history, quotes=quotes or {}, spread_rule=rule, spread_state=state, basket=basket,
                         fomc=fomc, now=now, calendar=calendar, poll_seconds=60, **extra)


@pytest.fixture(scope="module")
def view(history, spread_rule, spread_state, calendar_2025):
    return view_as_of(history, spread_rule, spread_state, calendar_2025)


@pytest.fixture(scope="module")
def fomc_2025():
    decisions = sorted(bundled_decisions(), key=lambda d: d.date, reverse=True)
    return summary(bundled_meetings(), [d for d in decisions if d.date <= RECORD_DAY], RECORD_DAY)


def sessions_back(closes: dict[date, float], day: date, n: int) -> date:
    days = sorted(d for d in closes if d <= day)
    return days[-1 - n]


def change(closes: dict[date, float], day: date, then: date) -> float:
    return (closes[day] / closes[then] - 1) * 100


def test_the_russell_2000_last_is_the_record_close_with_its_change(view):
    last = view.small.last
    assert round(last.price, 2) == 2590.61 and last.session == RECORD_DAY and not last.from_quote
    assert last.change_pct == pytest.approx((2590.610107421875 / 2559.610107421875 - 1) * 100)
    assert not last.freshness.stale and not view.small.bars.stale
    assert view.small.name == "Russell 2000"


def test_it_is_at_its_all_time_high(view):
    high = view.from_high
    assert high.pct == 0
    assert high.high_date == RECORD_DAY and round(high.high, 2) == 2590.61


def test_distance_from_the_high_later_on(full_history, spread_rule):
    history = through(full_history, date(2026, 2, 23))
    calendar = NyseCalendar.around(date(2026, 2, 23))
    view = view_as_of(history, spread_rule, None, calendar, datetime(2026, 2, 23, 17, tzinfo=NEW_YORK))
    closes = read_closes("^RUT")
    record_day = max((d for d in closes if d <= date(2026, 2, 23)), key=lambda d: closes[d])
    assert view.from_high.high_date == record_day == date(2026, 1, 22)
    assert view.from_high.pct == pytest.approx(change(closes, date(2026, 2, 23), record_day))
    assert render_rotation(view).lines[1] == "\u22123.6% from the 2,718.77 high of 22 Jan 2026"


def test_a_record_from_the_rule_state_stands_for_the_history_before_it(full_history, spread_rule, calendar_2025):
    history = through(full_history, RECORD_DAY)
    full = view_as_of(history, spread_rule, None, calendar_2025)
    recent = {s: [p for p in points if p.date >= date(2024, 6, 1)] for s, points in history.items()}
    # 27 Oct 2025's 2,520.44 was the record the rule had folded in by 1 Dec; the closes after it are in `recent`.
    before = [p for p in history["^RUT"] if p.date <= date(2025, 12, 1)]
    best = max(before, key=lambda p: p.close)
    record = RecordClose(best.close, best.date, date(2025, 12, 1))
    assert view_as_of(recent, spread_rule, None, calendar_2025, small_record=record) == full


def test_the_spread_its_lines_and_which_side_is_armed(view, spread_rule):
    spread = view.spread
    assert spread.value == pytest.approx(5.01, abs=0.005) and spread.session == RECORD_DAY
    assert (spread.upper, spread.lower, spread.hysteresis, spread.window) == (5.0, -5.0, 1.0, 20)
    assert spread.evaluated and spread.small_armed is False and spread.large_armed is True
    name, value = render_rotation(view).fields[0]
    assert name == "Rotation spread ^RUT/^NDX, 20 sessions"
    assert value.splitlines() == [
        "+5.01% at the 11 Dec 2025 close",
        "alerts at +5.00% (into small caps) and \u22125.00% (into mega caps); re-arm 1 pt back",
        "small caps: fired, re-arms below +4.00%",
        "mega caps: armed, fires at \u22125.00% or less",
    ]


def test_without_a_state_the_spread_is_not_yet_evaluated(history, spread_rule, calendar_2025):
    view = view_as_of(history, spread_rule, None, calendar_2025)
    assert view.spread.value == pytest.approx(5.01, abs=0.005) and not view.spread.evaluated
    assert "armed: not yet evaluated" in render_rotation(view).fields[0][1]


def test_the_performance_periods_against_the_csvs(view):
    rut, ndx = read_closes("^RUT"), read_closes("^NDX")
    periods = {p.label: p for p in view.periods}
    assert list(periods) == ["1 day", "1 week", "1 month", "3 months", "YTD"]
    assert view.periods_through == RECORD_DAY
    for label, n in (("1 day", 1), ("1 week", 5), ("1 month", 21), ("3 months", 63)):
        then = sessions_back(rut, RECORD_DAY, n)  # both indexes traded on the same days in this stretch
        assert periods[label].since == then == sessions_back(ndx, RECORD_DAY, n)
        assert periods[label].small_pct == pytest.approx(change(rut, RECORD_DAY, then))
        assert periods[label].large_pct == pytest.approx(change(ndx, RECORD_DAY, then))
    year_end = max(d for d in rut if d.year == 2024)
    ytd = periods["YTD"]
    assert ytd.since == year_end == date(2024, 12, 31)
    assert ytd.small_pct == pytest.approx(change(rut, RECORD_DAY, year_end))
    assert ytd.large_pct == pytest.approx(change(ndx, RECORD_DAY, year_end))
    assert ytd.gap == pytest.approx(ytd.small_pct - ytd.large_pct)
    # The week the rotation began: small caps +2.35%, the Nasdaq-100 +0.41%, 1.94 points of lead.
    name, table = render_rotation(view).fields[1]
    assert name == "Small vs mega caps, to the 11 Dec 2025 close"
    assert "1 week     +2.35%  +0.41%  +1.94" in table.splitlines()
    assert "YTD       +16.16% +22.25%  \u22126.08" in table.splitlines()
    assert "YTD from the 31 Dec 2024 close" in table


def test_the_basket_day_and_month_and_a_symbol_with_no_data(view):
    kre, road = read_closes("KRE"), read_closes("ROAD")
    lines = {line.symbol: line for line in view.basket}
    assert list(lines) == list(BASKET)
    for symbol, closes in (("KRE", kre), ("ROAD", road)):
        line = lines[symbol]
        assert line.last.price == closes[RECORD_DAY] and not line.last.freshness.stale
        assert line.last.change_pct == pytest.approx(change(closes, RECORD_DAY, sessions_back(closes, RECORD_DAY, 1)))
        month = sessions_back(closes, RECORD_DAY, 21)
        assert line.month_since == month and line.month_pct == pytest.approx(change(closes, RECORD_DAY, month))
    assert lines["RF"].last is None
    name, value = render_rotation(view).fields[2]
    rows = value.splitlines()
    assert "RF     no data yet" in rows
    assert any(row.startswith("KRE") and "67.40" in row for row in rows)
    assert "KRE, ROAD: close of 11 Dec 2025" in rows


def test_a_basket_symbol_years_behind_is_flagged(history, spread_rule, spread_state, calendar_2025):
    zion = [Point(b.date, b.close) for b in bundled_history("ZION", now=AS_OF)]  # recorded up to 16 Jul 2024
    view = view_as_of({**history, "ZION": zion}, spread_rule, spread_state, calendar_2025, basket=("KRE", "ZION"))
    line = view.basket[1]
    assert line.last.session == date(2024, 7, 16) and line.last.freshness.stale
    assert view.stale == ("ZION closes",)
    reply = render_rotation(view)
    assert "\u26a0 ZION: close of 16 Jul 2024, stale: last bar 2024-07-16, more than a year behind" in reply.fields[2][1]
    assert reply.footer.endswith("\u26a0 stale: ZION closes")


def test_a_basket_line_on_adjusted_closes_is_marked_and_the_others_are_not(history, spread_rule, spread_state,
                                                                          calendar_2025):
    rf_bars = [b for b in bundled_history("RF", now=AS_OF) if b.date <= RECORD_DAY]  # the close-only file
    rf = [Point(b.date, b.close) for b in rf_bars]
    adjusted = {"RF": {b.date for b in rf_bars if b.source == "bundled:yahoo-adjusted"}}
    assert len(adjusted["RF"]) == len(rf)
    view = view_as_of({**history, "RF": rf}, spread_rule, spread_state, calendar_2025, adjusted=adjusted)
    lines = {line.symbol: line for line in view.basket}
    assert lines["RF"].adjusted and not lines["KRE"].adjusted and not lines["ROAD"].adjusted
    assert lines["RF"].last.session == RECORD_DAY and not lines["RF"].stale
    rows = render_rotation(view).fields[2][1].splitlines()
    marked = [row for row in rows if row.endswith("\u2020")]
    assert len(marked) == 1 and marked[0].startswith("RF ")
    assert "\u2020 RF: adjusted closes (splits, dividends), not the prices of the day" in rows
    assert not any(row.startswith(("KRE", "ROAD")) and "\u2020" in row for row in rows)
    # Once the back-fill has replaced the month's closes with quoted ones, older adjusted closes no longer count.
    month_start = view.basket[1].month_since
    older = {"RF": {d for d in adjusted["RF"] if d < month_start}}
    plain = view_as_of({**history, "RF": rf}, spread_rule, spread_state, calendar_2025, adjusted=older)
    assert not any(line.adjusted for line in plain.basket)
    assert "\u2020" not in render_rotation(plain).fields[2][1]


def test_the_same_history_a_year_later_is_stale_everywhere(history, spread_rule, spread_state, calendar_2026):
    now = datetime(2026, 11, 25, 12, 0, tzinfo=NEW_YORK)
    view = view_as_of(history, spread_rule, spread_state, calendar_2026, now)
    assert view.small.bars.stale and view.large.bars.stale and view.small.last.freshness.stale
    assert view.spread.freshness.stale and view.periods_freshness.stale
    assert [line.last.freshness.stale for line in view.basket if line.last] == [True, True]
    assert set(view.stale) == {"^RUT closes", "^NDX closes", "KRE closes", "ROAD closes"}
    reply = render_rotation(view)
    assert "stale: last bar 2025-12-11" in reply.lines[0] and "\u26a0" in reply.lines[0]
    assert "\u26a0" in reply.fields[0][1] and "\u26a0" in reply.fields[1][1]
    assert "stale" in reply.footer and "as of 25 Nov 2026 12:00 New York" in reply.footer
    # As of 11 Dec 2025 the same figures are fresh: staleness comes from the clock, not the data.
    assert view_as_of(history, spread_rule, spread_state, NyseCalendar.around(RECORD_DAY)).stale == ()


def test_a_fresher_quote_is_the_last_price_and_goes_stale_between_polls(history, spread_rule, spread_state,
                                                                        calendar_2025):
    at = datetime(2025, 12, 12, 11, 0, tzinfo=NEW_YORK)
    quote = Quote("^RUT", 2601.25, at, "yahoo", at + timedelta(seconds=5), previous_close=2590.61)
    view = view_as_of(history, spread_rule, spread_state, calendar_2025, at + timedelta(seconds=50),
                      quotes={"^RUT": quote})
    last = view.small.last
    assert last.from_quote and last.price == 2601.25 and last.session == date(2025, 12, 12)
    assert last.change_pct == pytest.approx((2601.25 / 2590.61 - 1) * 100)
    assert view.from_high.pct == pytest.approx((2601.25 / 2590.610107421875 - 1) * 100)  # beyond the record
    assert render_rotation(view).lines[:2] == (
        "Russell 2000 (^RUT): 2,601.25, +0.41% on the day — live 11:00 New York, 45s ago",
        "+0.4% above the 2,590.61 record close of 11 Dec 2025",
    )
    later = view_as_of(history, spread_rule, spread_state, calendar_2025, at + timedelta(minutes=30),
                       quotes={"^RUT": quote})
    assert later.small.last.freshness.stale and later.stale == ("^RUT quote",)
    # A quote of the session already closed and stored changes nothing: the official close stands.
    old = Quote("^RUT", 2588.0, datetime(2025, 12, 11, 15, 59, tzinfo=NEW_YORK), "yahoo",
                datetime(2025, 12, 11, 15, 59, 5, tzinfo=NEW_YORK))
    assert view_as_of(history, spread_rule, spread_state, calendar_2025, quotes={"^RUT": old}).small.last.price \
        == pytest.approx(2590.61, abs=0.005)


def test_fomc_line_with_and_without_data(view, fomc_2025, history, spread_rule, spread_state, calendar_2025):
    assert render_rotation(view).fields[3] == ("Fed funds", "no FOMC data stored yet")
    with_fed = view_as_of(history, spread_rule, spread_state, calendar_2025, fomc=fomc_2025)
    assert render_rotation(with_fed).fields[3] == (
        "Fed funds", "3.50%–3.75% since 10 Dec 2025 (\u221225 bp)\nnext FOMC: 27–28 Jan 2026, in 47 days")


def test_nothing_dated_after_now_is_used(full_history, view, spread_rule, spread_state, calendar_2025):
    assert view_as_of(full_history, spread_rule, spread_state, calendar_2025) == view


def test_a_leg_with_nothing_stored(spread_rule, calendar_2025):
    view = view_as_of({}, spread_rule, None, calendar_2025, basket=())
    reply = render_rotation(view)
    assert reply.lines[0] == "Russell 2000 (^RUT): no data yet" and view.spread.value is None
    assert "no data yet" in reply.fields[0][1] and "no data yet" in reply.fields[1][1]


def test_the_reply_fits_a_discord_embed_even_with_a_long_basket(history, spread_rule, spread_state, calendar_2025,
                                                               fomc_2025):
    basket = tuple(f"S{n:03d}" for n in range(150)) + ("KRE",)
    for b in (BASKET, basket):
        reply = render_rotation(view_as_of(history, spread_rule, spread_state, calendar_2025, basket=b,
                                           fomc=fomc_2025))
        assert len(reply.title) <= 256 and len("\n".join(reply.lines)) <= 4096 and len(reply.footer) <= 2048
        assert len(reply.fields) <= 25
        assert all(len(name) <= 256 and 0 < len(value) <= 1024 for name, value in reply.fields)
        total = len(reply.title) + len("\n".join(reply.lines)) + len(reply.footer) + sum(
            len(n) + len(v) for n, v in reply.fields)
        assert total <= 6000
        assert all(value.count("```") % 2 == 0 for _, value in reply.fields)  # every code block closed
    assert "… and" in reply.fields[2][1]


def test_code_block_tables_are_phone_width_and_aligned(view):
    reply = render_rotation(view)
    for _, value in reply.fields[1:3]:
        rows = value.split("```")[1].strip("\n").splitlines()
        assert max(len(row) for row in rows) <= 36
    table = reply.fields[1][1].split("```")[1].strip("\n").splitlines()
    assert len({len(row) for row in table}) == 1  # every row the same width: columns line up in monospace
    print(as_text(reply))


def test_chart_series_agree_with_the_rule_and_the_records(history, spread_rule):
    series = spread_series(history, spread_rule, date(2024, 12, 11), RECORD_DAY)
    assert series[-1][0] == RECORD_DAY and series[-1][1] == pytest.approx(5.01, abs=0.005)
    assert 240 <= len(series) <= 260  # one year of sessions
    records = record_closes(history["^RUT"], date(2025, 11, 1), RECORD_DAY)
    assert [p.date for p in records] == [date(2025, 12, 4), date(2025, 12, 10), date(2025, 12, 11)]  # as replayed


def test_the_chart_and_the_alerts_are_one_computation(history, spread_rule):
    # A year of the rule judged session by session: its stored spread is the chart's to the last bit, its record
    # closes are the chart's, so a picture can never show a line reached that the alert did not see, or miss one.
    start = date(2024, 12, 11)
    sessions = [p.date for p in history["^RUT"] if start <= p.date <= RECORD_DAY]
    judged, state = [], None
    for day in sessions:
        state, _ = evaluate_sessions(spread_rule, state, history, [day])
        if state.get("last_session") == day.isoformat():
            judged.append((day, state["spread"]))
    assert spread_series(history, spread_rule, start, RECORD_DAY) == judged
    records = evaluate_sessions(NewHigh("r", "^RUT"), None, history, sessions)[1]
    assert [p.date.isoformat() for p in record_closes(history["^RUT"], start, RECORD_DAY)] == [
        e.trigger for e in records]


def test_the_clock_may_be_any_zone(view, history, spread_rule, spread_state, calendar_2025):
    utc = AS_OF.astimezone(timezone.utc)
    assert view_as_of(history, spread_rule, spread_state, calendar_2025, utc).small == view.small


def test_a_bar_of_the_session_under_way_is_no_close(history, spread_rule, spread_state, calendar_2025, view):
    during = datetime(2025, 12, 12, 11, 0, tzinfo=NEW_YORK)
    partial = {**history, "^RUT": [*history["^RUT"], Point(date(2025, 12, 12), 2601.0)]}
    seen = view_as_of(partial, spread_rule, spread_state, calendar_2025, during)
    assert seen.small.last.session == RECORD_DAY and round(seen.small.last.price, 2) == 2590.61
    assert seen.periods == view.periods and seen.spread.value == view.spread.value


def test_a_live_quote_after_missing_closes_gives_no_month_figure(history, spread_rule, spread_state, calendar_2025):
    at = datetime(2025, 12, 12, 11, 0, tzinfo=NEW_YORK)
    kre = [p for p in history["KRE"] if p.date <= date(2025, 12, 5)]  # three sessions never stored
    quote = Quote("KRE", 67.9, at, "yahoo", at, previous_close=67.4)
    seen = view_as_of({**history, "KRE": kre}, spread_rule, spread_state, calendar_2025, at + timedelta(seconds=30),
                      quotes={"KRE": quote}, basket=("KRE",))
    line = seen.basket[0]
    assert line.last.from_quote and line.month_pct is None and line.stale and "KRE closes" in seen.stale
    value = render_rotation(seen).fields[2][1]
    assert "\u26a0 KRE: live 11:00 New York, 30s ago; closes stale: last bar 2025-12-05, 4 sessions behind" in value
    # With every close stored, the same quote's month runs from 21 sessions before its session.
    fine = view_as_of(history, spread_rule, spread_state, calendar_2025, at + timedelta(seconds=30),
                      quotes={"KRE": quote}, basket=("KRE",)).basket[0]
    kre_closes = read_closes("KRE")
    month = sorted(d for d in kre_closes if d <= RECORD_DAY)[-21]
    assert fine.month_since == month and fine.month_pct == pytest.approx((67.9 / kre_closes[month] - 1) * 100)
