"""parse_chart on real recorded Yahoo chart v8 bodies, and on faults built from those same bodies."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.market.errors import UpstreamError
from alerts.market.yahoo_chart import parse_chart

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
AAPL = "yahoo_v8_chart_AAPL_1d_2020-08-31_to_2020-11-07_recorded_envelope.json"
QQQ = "yahoo_v8_chart_QQQ_1d_2020-01-01_to_2020-01-03_recorded_envelope.json"
TNX = "yahoo_v8_chart_TNX_5m_range1d_2026-02-02_raw.json"
# The AAPL and QQQ envelopes were recorded on 2025-02-20; TNX is from the evening of 2026-02-02.
RECORDED = datetime(2025, 2, 20, 12, 0, tzinfo=timezone.utc)
TNX_NOW = datetime(2026, 2, 2, 21, 0, tzinfo=timezone.utc)


def body_json(name: str) -> dict:
    """The raw API body: the recorded envelopes wrap it in response.bodyJson."""
    document = json.loads((FIXTURES / name).read_bytes())
    return document["response"]["bodyJson"] if "response" in document else document


def body_text(name: str) -> str:
    return json.dumps(body_json(name))


def parse(body, now=RECORDED):
    return parse_chart(body, fetched_at=now, now=now)


def edited(name: str, edit) -> str:
    """The real body after `edit(result)` changed its chart.result[0] in place."""
    body = copy.deepcopy(body_json(name))
    edit(body["chart"]["result"][0])
    return json.dumps(body)


def refused(body, now=RECORDED) -> UpstreamError:
    with pytest.raises(UpstreamError) as caught:
        parse(body, now)
    assert caught.value.source == "yahoo"
    assert caught.value.retryable is False
    return caught.value


# --- real bodies ---------------------------------------------------------------------------------------------


def test_aapl_daily_bars():
    chart = parse(body_text(AAPL))
    assert (chart.symbol, chart.timezone, chart.dropped) == ("AAPL", "America/New_York", [])
    assert len(chart.bars) == 49
    first = chart.bars[0]
    assert first.date == date(2020, 8, 31)
    assert (first.open, first.high, first.low, first.close) == (127.58000183105469, 131.0, 126.0, 129.0399932861328)
    assert (first.volume, first.symbol, first.source, first.fetched_at) == (225702700, "AAPL", "yahoo", RECORDED)
    assert chart.bars[-1].date == date(2020, 11, 6)
    assert all(a.date < b.date for a, b in zip(chart.bars, chart.bars[1:]))


def test_aapl_quote_and_why_chart_previous_close_is_not_used():
    quote = parse(body_text(AAPL)).quote
    assert quote.price == 244.87
    assert quote.exchange_time == datetime.fromtimestamp(1739998801, timezone.utc)
    # chartPreviousClose (124.808) is the close before 2020-08-31, not the session before this 2025 quote.
    assert quote.previous_close is None


def test_qqq_one_bar():
    chart = parse(body_text(QQQ))
    assert [(bar.date, bar.close) for bar in chart.bars] == [(date(2020, 1, 2), 216.16000366210938)]


def test_tnx_intraday_gives_a_quote_and_no_daily_bars():
    chart = parse((FIXTURES / TNX).read_bytes(), now=TNX_NOW)  # the raw bytes, as fetched
    assert (chart.symbol, chart.timezone, chart.bars, chart.dropped) == ("^TNX", "America/Chicago", [], [])
    quote = chart.quote
    assert (quote.symbol, quote.price, quote.previous_close) == ("^TNX", 4.275, 4.227)
    assert quote.exchange_time == datetime.fromtimestamp(1770062392, timezone.utc)
    assert quote.exchange_time.utcoffset() == timedelta(hours=-6)  # stamped in the exchange's zone


def test_bar_dates_are_exchange_local_not_utc():
    # The real QQQ bar moved to 23:30 New York time: already 3 January in UTC, still the 2 January session.
    def late(result):
        result["timestamp"][0] += 14 * 3600

    [bar] = parse(edited(QQQ, late)).bars
    assert bar.date == date(2020, 1, 2)
    assert datetime.fromtimestamp(1577975400 + 14 * 3600, timezone.utc).date() == date(2020, 1, 3)


def test_gmtoffset_is_the_fallback_zone():
    def unnamed(result):
        del result["meta"]["exchangeTimezoneName"]
        result["timestamp"][0] += 14 * 3600

    chart = parse(edited(QQQ, unnamed))
    assert chart.timezone == "UTC-05:00"
    assert chart.bars[0].date == date(2020, 1, 2)


def test_all_null_row_is_dropped_with_a_reason():
    def no_trade(result):
        for values in result["indicators"]["quote"][0].values():
            values[2] = None

    chart = parse(edited(AAPL, no_trade))
    assert len(chart.bars) == 48
    assert chart.dropped == ["2020-09-02: no trade (open, high, low and close all null)"]
    assert date(2020, 9, 2) not in {bar.date for bar in chart.bars}


def test_null_volume_is_kept_as_none():
    def no_volume(result):
        result["indicators"]["quote"][0]["volume"][0] = None

    assert parse(edited(AAPL, no_volume)).bars[0].volume is None


def test_a_range_without_trades_has_no_bars():
    # Yahoo leaves out the timestamps and sends one empty quote block (node-yahoo-finance2's chart.ts handles it so).
    def empty_window(result):
        del result["timestamp"]
        result["indicators"] = {"quote": [{}], "adjclose": [{}]}

    chart = parse(edited(QQQ, empty_window))
    assert (chart.bars, chart.dropped, chart.quote.price) == ([], [], 539.52)


# --- faults in the body itself ---------------------------------------------------------------------------------


def test_truncated_json():
    raw = body_text(AAPL).encode()
    assert "truncated JSON" in refused(raw[: len(raw) // 2]).reason


def test_html_instead_of_json():
    page = "<!DOCTYPE html><html><head><title>Yahoo</title></head><body>" + body_text(QQQ) + "</body></html>"
    assert refused(page).reason == "expected JSON, got HTML (page title 'Yahoo')"


def test_plain_text_instead_of_json():
    assert refused(b"Too Many Requests\r\n").reason == "expected JSON, got text 'Too Many Requests'"


def test_empty_body():
    assert refused(b"  \n").reason == "empty body: expected JSON"


def test_not_utf8():
    assert "not UTF-8" in refused(b"\xff" + body_text(QQQ).encode()).reason


def test_malformed_json():
    assert "malformed JSON" in refused(body_text(QQQ).replace(":", ";", 1)).reason


def test_chart_error():
    # The error object's shape is Yahoo's own, as yfinance prints it for an unknown symbol:
    # https://github.com/ranaroussi/yfinance/issues/1548 ({'code': 'Not Found', 'description': 'No data found, ...'}).
    body = body_json(QQQ)
    error = {"code": "Not Found", "description": "No data found, symbol may be delisted"}
    body["chart"] = {"result": None, "error": error}
    assert refused(json.dumps(body)).reason == "Yahoo error Not Found: No data found, symbol may be delisted"


@pytest.mark.parametrize(("result", "reason"), [([], "chart.result is empty"), (None, "chart.result is null")])
def test_empty_or_null_result(result, reason):
    body = body_json(QQQ)
    body["chart"]["result"] = result
    assert refused(json.dumps(body)).reason.startswith(reason)


def test_missing_timestamp_with_quotes():
    assert refused(edited(AAPL, lambda r: r.pop("timestamp"))).reason == "daily chart without a timestamp array"


def test_mismatched_arrays():
    body = edited(AAPL, lambda r: r["indicators"]["quote"][0]["close"].pop())
    assert refused(body).reason == "indicators.quote.close has 48 values for 49 timestamps"


def test_missing_quote_block():
    assert "indicators.quote" in refused(edited(AAPL, lambda r: r.pop("indicators"))).reason


def test_a_string_price():
    def stringly(result):
        result["indicators"]["quote"][0]["high"][0] = "131"

    assert refused(edited(AAPL, stringly)).reason == "2020-08-31: high '131' is not a number"


# --- bars that fail validation refuse the whole answer ---------------------------------------------------------


def test_duplicate_date():
    def duplicate(result):
        result["timestamp"][1] = result["timestamp"][0]

    error = refused(edited(AAPL, duplicate))
    assert (error.symbol, error.reason) == ("AAPL", "2020-08-31: duplicate date 2020-08-31")


def test_out_of_order():
    def swap(result):
        result["timestamp"][0], result["timestamp"][1] = result["timestamp"][1], result["timestamp"][0]

    assert "out of order" in refused(edited(AAPL, swap)).reason


def test_zero_price():
    def zero(result):
        result["indicators"]["quote"][0]["close"][3] = 0

    assert refused(edited(AAPL, zero)).reason == "2020-09-03: close is 0.0 (prices must be positive)"


def test_nan_in_the_json_text():
    # One number of the real text replaced by NaN, which Python's json reads as a float.
    real = body_text(AAPL)
    text = real.replace("129.0399932861328", "NaN", 1)
    assert text != real
    assert refused(text).reason == "2020-08-31: close is NaN"


def test_future_bar():
    before_the_last_session = datetime(2020, 11, 5, 20, 0, tzinfo=timezone.utc)
    assert "2020-11-06 is in the future" in refused(body_text(AAPL), now=before_the_last_session).reason


def test_close_null_while_other_prices_are_not():
    def half(result):
        result["indicators"]["quote"][0]["close"][4] = None

    assert refused(edited(AAPL, half)).reason == "2020-09-04: close is null while other prices are not"


# --- the quote --------------------------------------------------------------------------------------------------


def tnx_with(**meta) -> str:
    body = body_json(TNX)
    body["chart"]["result"][0]["meta"].update(meta)
    return json.dumps(body)


@pytest.mark.parametrize("price", [None, 0, -4.275, "4.275"])
def test_quote_refused_for_a_bad_price(price):
    assert "regularMarketPrice" in refused(tnx_with(regularMarketPrice=price), now=TNX_NOW).reason


def test_quote_refused_for_nan_price_in_the_json_text():
    real = (FIXTURES / TNX).read_text()
    text = real.replace('"regularMarketPrice":4.275', '"regularMarketPrice":NaN')
    assert text != real
    assert refused(text, now=TNX_NOW).reason == "regularMarketPrice nan is not a positive price"


def test_quote_refused_when_stamped_in_the_future():
    stamped = datetime.fromtimestamp(1770062392, timezone.utc)
    assert "in the future" in refused((FIXTURES / TNX).read_bytes(), now=stamped - timedelta(minutes=6)).reason
    # Within five minutes is clock skew, not a wrong timestamp.
    assert parse((FIXTURES / TNX).read_bytes(), now=stamped - timedelta(minutes=4)).quote.price == 4.275


def test_quote_refused_without_a_time():
    body = body_json(TNX)
    del body["chart"]["result"][0]["meta"]["regularMarketTime"]
    assert refused(json.dumps(body), now=TNX_NOW).reason == "regularMarketTime None is not a Unix time"


def test_no_quote_when_the_body_has_none():
    body = body_json(TNX)
    del body["chart"]["result"][0]["meta"]["regularMarketTime"]
    del body["chart"]["result"][0]["meta"]["regularMarketPrice"]
    assert parse(json.dumps(body), now=TNX_NOW).quote is None


# --- property: any change to one value of a real body is either parsed or refused with UpstreamError ------------


def leaf_paths(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaf_paths(value, (*path, key))
    elif isinstance(node, list) and node:
        for index, value in enumerate(node):
            yield from leaf_paths(value, (*path, index))
    else:
        yield path


QQQ_BODY = body_json(QQQ)
QQQ_LEAVES = list(leaf_paths(QQQ_BODY))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=5,
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(QQQ_LEAVES), json_values)
def test_one_changed_value_is_parsed_or_refused(path, value):
    body = copy.deepcopy(QQQ_BODY)
    node = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    try:
        parse(json.dumps(body))
    except UpstreamError as error:
        assert error.reason


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_arbitrary_bodies_are_refused_cleanly(body):
    with pytest.raises(UpstreamError):
        parse(body)


def test_a_live_row_beside_todays_first_row_is_merged_not_refused():
    """In market hours Yahoo may send today's live bar as a second row with the same date (yfinance's
    fix_yahoo_returning_live_separate); the later row wins and the response is kept."""
    body = json.loads(_qqq_body_for_live_row_test())
    result = body["chart"]["result"][0]
    result["timestamp"].append(result["timestamp"][-1] + 3600)
    for name, values in result["indicators"]["quote"][0].items():
        values.append(values[-1] + 1 if name != "volume" else values[-1])
    result["indicators"]["adjclose"][0]["adjclose"].append(result["indicators"]["adjclose"][0]["adjclose"][-1])
    chart = parse_chart(json.dumps(body), fetched_at=_LIVE_NOW, now=_LIVE_NOW)
    assert len(chart.bars) == 1
    assert chart.bars[0].close == result["indicators"]["quote"][0]["close"][-1]
    assert "replaced by the live row" in chart.dropped[-1]


_LIVE_NOW = datetime(2026, 11, 25, tzinfo=timezone.utc)


def _qqq_body_for_live_row_test() -> str:
    envelope = json.loads((FIXTURES / "yahoo_v8_chart_QQQ_1d_2020-01-01_to_2020-01-03_recorded_envelope.json").read_text())
    return json.dumps(envelope["response"]["bodyJson"])
