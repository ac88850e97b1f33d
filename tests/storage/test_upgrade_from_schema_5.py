"""A database as rotobot 0.1 (schema 5) left it upgrades with everything intact, and its queued alerts still go out.

The rows are written exactly as 0.1's code wrote them: the schema by its own migrations (1-5), the payloads in its
shapes (bot/jobs/engine.py `payload()`, bot/jobs/wrap.py, bot/jobs/fomc.py), a send that was never confirmed in
its per-transport log. Then today's code opens the file and delivers what was owed.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlite_utils

from alerts.payloads import Everyone, LegacyAlert, Server, Subscriber
from bot.dispatch import Dispatcher
from bot.transports.console import ConsoleTransport
from storage import rule_state, guild_settings, outbox, subscriptions
from storage.database import Database
from storage.migrations import LATEST, migrate

T = "2025-12-11T21:05:00+00:00"
NOW = datetime(2025, 12, 11, 21, 10, tzinfo=timezone.utc)

RECORD = {"message": "Russell 2000 (^RUT) closes at a record 2,590.61, above the 2,559.61 record of 10 Dec 2025",
          "occurred_at": "2025-12-11T16:00:00-05:00", "kind": "new_high", "rule_id": "new_high:^RUT:close",
          "symbol": "^RUT", "trigger": "2025-12-11", "direction": None, "value": 2590.61, "threshold": 2559.61,
          "details": {"session": "2025-12-11", "previous_record": 2559.61, "previous_record_date": "2025-12-10"}}
SHARED_SPREAD = {"message": "Rotation into small caps: ^RUT/^NDX 20-session spread +5.01% crossed +5.00%",
                 "occurred_at": "2025-12-11T16:00:00-05:00", "kind": "rotation_spread", "rule_id": "rotation",
                 "symbol": "^RUT/^NDX", "trigger": "2025-12-11", "direction": "small", "value": 5.01,
                 "threshold": 5.0, "details": {}, "exclude_guilds": [77]}
SUBSCRIPTION = {"message": "CFG at 58.30, up through the 58.00 line", "occurred_at": "2025-12-11T11:01:00-05:00",
                "kind": "above", "rule_id": "sub:3", "symbol": "CFG", "trigger": "2025-12-11:above:58",
                "direction": "above", "value": 58.3, "threshold": 58.0, "details": {}, "guild_id": 77,
                "user_id": 42, "channel_id": None}
WRAP = {"message": "Daily wrap, Thu 11 Dec 2025", "body": "Fired today: ...", "occurred_at": T,
        "kind": "daily_wrap", "guild_id": 77}


def build_schema_5(path) -> None:
    raw = sqlite_utils.Database(path)
    migrate(raw, target=5)
    raw["subscriptions"].insert({"id": 3, "guild_id": 77, "user_id": 42, "channel_id": None, "symbol": "CFG",
                                 "kind": "above", "threshold": 58.0, "cooldown_seconds": 0, "created_at": T,
                                 "status": "active"})
    raw["alert_state"].insert_all([
        {"rule_id": "sub:3", "key": "*", "state": json.dumps({"armed": False, "fired_session": "2025-12-11"}),
         "updated_at": T},
        {"rule_id": "new_high:^RUT:close", "key": "*", "state": json.dumps({"record": 2590.61}), "updated_at": T},
    ])
    raw["guild_settings"].insert_all([
        {"guild_id": 77, "key": "alert_channel", "value": "123456789", "updated_at": T},
        {"guild_id": 77, "key": "upper", "value": "4.0", "updated_at": T},
    ])
    for number, (key, kind, payload) in enumerate([
        ("new_high:^RUT:close|^RUT|2025-12-11", "new_high", RECORD),
        ("rotation|^RUT/^NDX|2025-12-11", "rotation_spread", SHARED_SPREAD),
        ("sub:3|CFG|2025-12-11:above:58", "above", SUBSCRIPTION),
        ("daily_wrap|77|2025-12-11", "daily_wrap", WRAP),
    ], start=1):
        raw["outbox"].insert({"id": number, "event_key": key, "kind": kind, "payload": json.dumps(payload, sort_keys=True),
                              "created_at": T, "attempts": 0, "next_attempt_at": T})
    # The console was sending the record when 0.1 was killed: never confirmed.
    raw["deliveries"].insert({"event_id": 1, "transport": "console", "attempts": 1, "next_attempt_at": T,
                              "sending_at": T, "possibly_repeated": 0})
    raw.close()


async def test_a_schema_5_database_upgrades_intact_and_delivers_what_it_owed(tmp_path):
    path = tmp_path / "rotobot.db"
    build_schema_5(path)
    database = Database.open(path)
    try:
        assert database.call(lambda d: d.execute("PRAGMA user_version").fetchone()[0]) == LATEST
        (sub,) = database.call(subscriptions.active)
        assert (sub.id, sub.guild_id, sub.user_id, sub.symbol, sub.threshold) == (3, 77, 42, "CFG", 58.0)
        assert database.call(rule_state.load_state, "sub:3", "*") == {"armed": False, "fired_session": "2025-12-11"}
        assert database.call(rule_state.load_state, "new_high:^RUT:close", "*") == {"record": 2590.61}
        assert database.call(guild_settings.all_for, 77) == {"alert_channel": 123456789, "upper": 4.0}

        queued = {q.key: q.alert for q in database.call(outbox.recent, 10)}
        assert all(isinstance(a, LegacyAlert) for a in queued.values())
        assert queued["new_high:^RUT:close|^RUT|2025-12-11"].route == Everyone()
        assert queued["rotation|^RUT/^NDX|2025-12-11"].route == Everyone((77,))
        assert queued["sub:3|CFG|2025-12-11:above:58"].route == Subscriber(77, 42, None)
        assert queued["daily_wrap|77|2025-12-11"].route == Server(77)
        assert queued["new_high:^RUT:close|^RUT|2025-12-11"].message == RECORD["message"]

        out = io.StringIO()
        console = ConsoleTransport(answer=None, on_eof=lambda: None, stdin=io.StringIO(), stdout=out,
                                   interactive=False, zone=ZoneInfo("America/New_York"))
        dispatcher = Dispatcher(database, [console], lambda: NOW, ZoneInfo("America/New_York"))
        await dispatcher.recover()
        await dispatcher.run_once()
        shown = out.getvalue()
        assert shown.count("ALERT ") == 4
        record = shown.split("ALERT ")[1]
        assert "record 2,590.61" in record and "possibly repeated" in record  # its send was never confirmed
        assert "possibly repeated" not in "".join(shown.split("ALERT ")[2:])
        assert database.call(outbox.pending_count) == 0
        assert database.call(subscriptions.add, subscriptions.Subscription(77, 43, "CFG", "move", NOW, 3.0))[0].id == 4
    finally:
        database.close()


async def test_a_reminder_0_1_already_sent_is_not_sent_again_by_the_reminder_job_after_the_upgrade(tmp_path):
    """0.1 queued (and delivered) the day-before FOMC reminder; the bot is upgraded that afternoon. The reminder job
    runs every minute and queues every due reminder again, relying on the key: the 0.1 row is a LegacyAlert, whose
    identity never equals the typed FomcReminderAlert's, so enqueue takes the repeat for "a different alert" and
    queues it under a key of its own: every reader gets the same reminder twice, with no "possibly repeated" mark."""
    import aiohttp

    from alerts.fomc.announce import NEW_YORK, decision_time, reminder_message
    from alerts.fomc.bundled import bundled_meetings
    from alerts.market.source_client import RetryPolicy, SourceClient
    from bot.jobs.fomc import FomcJobs
    from storage import fomc
    from tests.conftest import Clock, no_sleep, publisher

    path = tmp_path / "rotobot.db"
    raw = sqlite_utils.Database(path)
    migrate(raw, target=5)
    fomc.upsert_meetings(raw, bundled_meetings(), datetime(2025, 12, 1, tzinfo=timezone.utc))  # 0.1's calendar
    (meeting,) = [m for m in fomc.meetings(raw) if str(m.end) == "2025-12-10"]
    # rotobot 0.1's bot/jobs/fomc.py remind(): its payload, its key; the console delivered it at 14:01.
    at = decision_time(meeting) - timedelta(hours=24)
    payload = {"message": reminder_message(meeting, 24.0), "occurred_at": at.isoformat(), "kind": "fomc_reminder",
               "date": meeting.end.isoformat(), "hours_before": 24.0}
    sent = "2025-12-09T19:01:00+00:00"
    raw["outbox"].insert({"id": 1, "event_key": "fomc_reminder|2025-12-10|24h", "kind": "fomc_reminder",
                          "payload": json.dumps(payload), "created_at": sent, "attempts": 0, "next_attempt_at": sent,
                          "delivered_at": sent})
    raw["deliveries"].insert({"event_id": 1, "transport": "console", "attempts": 1, "next_attempt_at": sent,
                              "delivered_at": sent, "possibly_repeated": 0})
    raw.close()

    database = Database.open(path)  # today's rotobot, at 14:05 New York time the same afternoon
    try:
        clock = Clock(datetime(2025, 12, 9, 14, 5, tzinfo=NEW_YORK))
        async with aiohttp.ClientSession() as session:
            quick = RetryPolicy(attempts=1)
            jobs = FomcJobs(database=database, fed=SourceClient("fed", session, retry=quick, sleep=no_sleep),
                            fred=SourceClient("fred", session, retry=quick, sleep=no_sleep),
                            fed_url="http://127.0.0.1:9", fred_url="http://127.0.0.1:9", remind_hours=(24.0, 1.0),
                            publish=publisher(database, clock), notify=None, clock=clock)
            await jobs.remind()  # every minute; 0.1 already queued (and delivered) this one

        out = io.StringIO()
        console = ConsoleTransport(answer=None, on_eof=lambda: None, stdin=io.StringIO(), stdout=out,
                                   interactive=False, zone=ZoneInfo("America/New_York"))
        dispatcher = Dispatcher(database, [console], clock, ZoneInfo("America/New_York"))
        await dispatcher.recover()
        await dispatcher.run_once()
        assert out.getvalue() == ""  # the console had it from 0.1 already: nothing is owed
        assert [q.key for q in database.call(outbox.recent, 10)] == ["fomc_reminder|2025-12-10|24h"]
    finally:
        database.close()


async def test_a_damaged_0_1_row_never_holds_back_the_alerts_queued_after_it(tmp_path):
    """A 0.1 row whose occurred_at lost its offset (hand-edited, restored from a CSV export) is read without
    complaint by payload_json._legacy (only version-2 payloads refuse a naive time), and notification_for cannot
    compare it with the clock. The TypeError escapes Dispatcher._send after mark_sending and before record: that
    target's whole batch stays 'sending', and after each restart the same batch, with the damaged row in it, fails
    the same way. The good record close behind it never reaches the console, nor does anything queued later."""
    path = tmp_path / "rotobot.db"
    raw = sqlite_utils.Database(path)
    migrate(raw, target=5)
    damaged = {**WRAP, "occurred_at": "2025-12-11T16:00:00"}
    for number, (key, kind, payload) in enumerate([
        ("daily_wrap|77|2025-12-11", "daily_wrap", damaged),
        ("new_high:^RUT:close|^RUT|2025-12-11", "new_high", RECORD),
    ], start=1):
        raw["outbox"].insert({"id": number, "event_key": key, "kind": kind, "payload": json.dumps(payload),
                              "created_at": T, "attempts": 0, "next_attempt_at": T})
    raw.close()

    database = Database.open(path)
    try:
        out = io.StringIO()
        console = ConsoleTransport(answer=None, on_eof=lambda: None, stdin=io.StringIO(), stdout=out,
                                   interactive=False, zone=ZoneInfo("America/New_York"))
        for _ in range(2):  # started, and started again
            dispatcher = Dispatcher(database, [console], lambda: NOW, ZoneInfo("America/New_York"))
            await dispatcher.recover()
            await dispatcher.run_once()
        assert "record 2,590.61" in out.getvalue()
    finally:
        database.close()
