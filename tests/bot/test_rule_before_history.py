"""Review 6: a close rule first judged before its symbol has any history must still start at the latest session.

RuleEngine.judge_sessions starts a new rule (no stored state) at its latest stored session only
(`days = days[-1:]`, "a new rule starts at the latest stored session; replay shows the past"), and the README says
the first value evaluated only sets the state. But when the rule's symbol has no stored close yet (a ticker new in
the rules file, judged at start-up before the start-up back-fill; or a ratio whose second leg is not stored yet),
evaluate_sessions returns {} and the engine stores that empty state. On the next look (right after the back-fill
lands) the state is {} rather than None, so the `days[-1:]` cut is skipped and every stored session is judged from
the start: crosses and moves of the last ten sessions are announced as late alerts the day the rule was added.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from alerts.market.calendar import NEW_YORK, TradingCalendar
from alerts.market.models import DailyBar
from alerts.rules.kinds import MaCross, MoveOver
from bot.jobs.engine import RuleEngine
from storage import outbox, prices
from storage.database import Database
from tests.conftest import Clock, publisher
from tests.upstream import NDX, RUT, between, history


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def store(db, symbol, bars):
    fetched = datetime(2025, 12, 12, tzinfo=timezone.utc)
    db.call(prices.store_bars, [DailyBar(symbol, b.date, b.close, "yahoo", fetched, b.open, b.high, b.low, b.volume)
                                for b in bars])


async def test_a_rule_whose_history_arrives_after_its_first_look_announces_nothing_old(tmp_path):
    """First look: no ^RUT/^NDX closes stored. Then the back-fill stores 2025 up to 11 December. The second look
    is the rule's first real value: it may only set the state, so nothing is queued (the code queues the
    11 December rally and the 4 December ratio cross)."""
    db = Database.open(tmp_path / "rotobot.db")
    try:
        clock = Clock(ny(2025, 12, 12, 3, 10))
        rules = [MoveOver("rut-rally", "^RUT", 14, 12.0), MaCross("ratio-50", "^RUT/^NDX", 50, 1.0)]

        def engine():
            return RuleEngine(database=db, rules=rules, calendar=TradingCalendar(), publish=publisher(db, clock),
                              clock=clock)

        assert await engine().judge_sessions() == 0  # start-up, before the back-fill: nothing stored yet
        for symbol, bars in (("^RUT", history(RUT)), ("^NDX", history(NDX))):
            store(db, symbol, between(bars, date(2025, 1, 1), date(2025, 12, 11)))
        queued = await engine().judge_sessions()  # the back-fill's on_bars
        assert queued == 0, [q.key for q in db.call(outbox.recent, 10)]
    finally:
        db.close()
