"""An alert's track record: its one line for each kind of rule, its fold, and its place in the outbox JSON, where
rows queued before it existed still read."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from alerts.payload_json import decode, encode
from alerts.payloads import Everyone, SpreadAlert, TrendAlert, UnreadableAlert
from alerts.track_record import TrackRecord, alert_track_record, fold, track_record_line

AT = datetime(2025, 12, 11, 21, 0, tzinfo=timezone.utc)
RECORD = TrackRecord(horizon=20, count=12, hits=8, median=2.14, baseline_hit_rate=0.52)


@pytest.mark.parametrize("kind, symbol, direction, line", [
    ("rotation_spread", "^RUT/^NDX", "small", "the last 12 crossings into small caps: small caps led over the next 20 "
                                              "sessions 8 times, median spread +2.1 pts; any session: 52%"),
    ("rotation_spread", "^RUT/^NDX", "large", "the last 12 crossings into mega caps: mega caps led over the next 20 "
                                              "sessions 8 times, median spread +2.1 pts; any session: 52%"),
    ("rotation_spread", "KRE/SPY", "small", "the last 12 crossings into KRE: KRE led SPY over the next 20 sessions 8 "
                                            "times, median spread +2.1 pts; any session: 52%"),
    ("ma_cross", "^RUT/^NDX", "below", "the last 12 crossings below its average: mega caps led over the next 20 "
                                       "sessions 8 times, median spread +2.1 pts; any session: 52%"),
    ("ma_cross", "^RUT", "above", "the last 12 crossings above its average: ^RUT rose over the next 20 sessions 8 "
                                  "times, median +2.1%; any session: 52%"),
    ("move_over", "^RUT", "down", "the last 12 moves down: ^RUT rose over the next 20 sessions 8 times, median +2.1%; "
                                  "any session: 52%"),
    ("new_high", "^RUT", None, "the last 12 record closes: ^RUT rose over the next 20 sessions 8 times, median +2.1%; "
                               "any session: 52%"),
])
def test_each_kind_of_rule_has_a_line_that_says_who_led_or_rose(kind, symbol, direction, line):
    assert track_record_line(kind, symbol, direction, RECORD) == line


def test_one_signal_none_yet_and_no_baseline_read_as_plainly():
    one = TrackRecord(20, 1, 1, -0.42, 0.46)
    assert track_record_line("rotation_spread", "^RUT/^NDX", "small", one) == (
        "the one earlier crossing into small caps: small caps led over the next 20 sessions 1 time, median spread "
        "-0.4 pts; any session: 46%")
    none = TrackRecord(20, 0, 0, None, 0.46)
    assert track_record_line("move_over", "^RUT", "up", none) == (
        "no earlier moves up with 20 sessions after them in stored history; any session: 46%")
    assert track_record_line("move_over", "^RUT", "up", TrackRecord(5, 0, 0, None, None)) == (
        "no earlier moves up with 5 sessions after them in stored history")


def test_fold_counts_hits_and_takes_the_median_and_refuses_lists_that_do_not_pair():
    assert fold([1.0, -2.0, 4.0, 3.0], [1.0, 0.0, 1.0, 1.0]) == (4, 3, 2.0)
    assert fold([], []) == (0, 0, None)
    with pytest.raises(ValueError, match="2 moves but 1 hits"):
        fold([1.0, 2.0], [True])


@pytest.mark.parametrize("fields", [dict(hits=13), dict(hits=-1), dict(horizon=0), dict(median=float("nan")),
                                    dict(baseline_hit_rate=float("inf"))])
def test_a_track_record_that_cannot_be_is_refused(fields):
    with pytest.raises(ValueError, match="not a track record"):
        TrackRecord(**{"horizon": 20, "count": 12, "hits": 8, "median": 2.14, "baseline_hit_rate": 0.52, **fields})


def spread(**extra) -> SpreadAlert:
    return SpreadAlert(key="rotation_spread:^RUT/^NDX:20|^RUT/^NDX|2025-12-11", occurred_at=AT, route=Everyone((77,)),
                       message="Rotation into small caps: ^RUT/^NDX 20-session spread +5.01% crossed +5.00%",
                       rule_id="rotation_spread:^RUT/^NDX:20", pair="^RUT/^NDX", session=date(2025, 12, 11),
                       direction="small", spread=5.007768637961896, line=5.0, window=20, small_close=2590.61,
                       large_close=25000.5, **extra)


def test_a_spread_and_a_trend_alert_keep_their_track_record_through_the_outbox_json():
    alert = spread(track_record=RECORD)
    assert json.loads(encode(alert))["track_record"] == {"horizon": 20, "count": 12, "hits": 8, "median": 2.14,
                                                         "baseline_hit_rate": 0.52}
    assert decode(encode(alert), "rotation_spread", alert.key, AT) == alert
    assert alert_track_record(alert).startswith("the last 12 crossings into small caps")
    trend = TrendAlert(key="k|^RUT|2025-12-11", message="m", occurred_at=AT, rule_kind="move_over", rule_id="k",
                       symbol="^RUT", session=date(2025, 12, 11), direction="up", value=12.39, threshold=12.0,
                       sessions=14, track_record=TrackRecord(20, 3, 2, 4.0, 0.55))
    assert decode(encode(trend), "move_over", trend.key, AT) == trend
    assert alert_track_record(trend).startswith("the last 3 moves up: ^RUT rose")
    without = spread()
    assert decode(encode(without), "rotation_spread", without.key, AT) == without
    assert alert_track_record(without) == ""


# Byte for byte what the code before track records queued (payload version 2): still waiting in an outbox at the
# upgrade, each must be delivered as it was, with no track record line.
OLD_SPREAD = ('{"body": "", "direction": "small", "key": "rotation_spread:^RUT/^NDX:20|^RUT/^NDX|2025-12-11", '
              '"large_close": 25000.5, "line": 5.0, "message": "Rotation into small caps: ^RUT/^NDX 20-session spread '
              '+5.01% crossed +5.00%", "occurred_at": "2025-12-11T21:00:00+00:00", "pair": "^RUT/^NDX", "route": '
              '{"exclude_guilds": [77], "to": "everyone"}, "rule_id": "rotation_spread:^RUT/^NDX:20", "session": '
              '"2025-12-11", "small_close": 2590.61, "spread": 5.007768637961896, "type": "rotation_spread", "v": 2, '
              '"window": 20}')
OLD_TREND = ('{"body": "", "direction": "up", "key": "rut-rally|^RUT|2025-12-11", "message": "m", "occurred_at": '
             '"2025-12-11T21:00:00+00:00", "route": {"exclude_guilds": [], "to": "everyone"}, "rule_id": "rut-rally", '
             '"rule_kind": "move_over", "session": "2025-12-11", "sessions": 14, "symbol": "^RUT", "threshold": 12.0, '
             '"type": "trend", "v": 2, "value": 12.39}')


def test_alerts_queued_before_track_records_still_read_without_one():
    assert decode(OLD_SPREAD, "rotation_spread", spread().key, AT) == spread()
    trend = decode(OLD_TREND, "move_over", "rut-rally|^RUT|2025-12-11", AT)
    assert isinstance(trend, TrendAlert) and trend.track_record is None and trend.value == 12.39


@pytest.mark.parametrize("damage", [
    lambda d: {k: v for k, v in d.items() if k != "track_record"},  # a version-3 row lost it: damaged, not None
    lambda d: {**d, "track_record": {**d["track_record"], "hits": 13}},
    lambda d: {**d, "track_record": {**d["track_record"], "count": "12"}},
    lambda d: {**d, "track_record": {**d["track_record"], "median": "high"}},
    lambda d: {**d, "track_record": {k: v for k, v in d["track_record"].items() if k != "horizon"}},
    lambda d: {**d, "track_record": {**d["track_record"], "last": 12}},
    lambda d: {**d, "track_record": [20, 12, 8, 2.14, 0.52]},
    lambda d: {**d, "v": 4},
])
def test_a_damaged_track_record_is_read_as_an_alert_for_the_operator(damage):
    data = damage(json.loads(encode(spread(track_record=RECORD))))
    alert = decode(json.dumps(data), "rotation_spread", spread().key, AT)
    assert isinstance(alert, UnreadableAlert) and "could not read" in alert.message


def test_a_record_of_a_series_under_zero_is_in_its_own_points_and_says_pts():
    curve = TrackRecord(20, 3, 2, 0.125, 0.51, points=True)  # T10Y2Y: from -0.50 to -0.40 is +0.10, not -20%
    assert track_record_line("ma_cross", "T10Y2Y", "above", curve) == (
        "the last 3 crossings above its average: T10Y2Y rose over the next 20 sessions 2 times, median +0.12 pts; "
        "any session: 51%")
    assert "%" not in track_record_line("ma_cross", "T10Y2Y", "above", curve).split(";")[0]


def test_a_record_in_points_keeps_its_unit_through_the_outbox_json_and_one_in_percent_is_written_as_before():
    trend = TrendAlert(key="k|T10Y2Y|2025-12-11", message="m", occurred_at=AT, rule_kind="ma_cross", rule_id="k",
                       symbol="T10Y2Y", session=date(2025, 12, 11), direction="above", value=-0.4, threshold=-0.45,
                       sessions=50, track_record=TrackRecord(20, 3, 2, 0.1, 0.5, points=True))
    assert json.loads(encode(trend))["track_record"]["points"] is True
    assert decode(encode(trend), "ma_cross", trend.key, AT) == trend
    assert "points" not in json.loads(encode(spread(track_record=RECORD)))["track_record"]  # as version 3 wrote it


@pytest.mark.parametrize("points", ["yes", 1, None])
def test_a_track_records_unit_that_is_not_true_or_false_is_damage(points):
    data = json.loads(encode(spread(track_record=RECORD)))
    data["track_record"]["points"] = points
    alert = decode(json.dumps(data), "rotation_spread", spread().key, AT)
    assert isinstance(alert, UnreadableAlert) and "could not read" in alert.message
