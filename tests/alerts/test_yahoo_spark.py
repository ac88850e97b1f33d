"""parse_spark on the one recorded spark answer, and on answers built by wrapping real recorded chart bodies in its
envelope (tests/upstream.py spark_body: a constructed wrapper around real responses, not a recording)."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from alerts.market.errors import UpstreamError
from alerts.market.yahoo_chart import parse_chart
from alerts.market.yahoo_spark import parse_spark
from tests.upstream import SPARK, spark_body

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TNX = (FIXTURES / "yahoo_v8_chart_TNX_5m_range1d_2026-02-02_raw.json").read_bytes()
NOW = datetime(2026, 2, 2, 21, 0, tzinfo=timezone.utc)  # the evening the ^TNX body was recorded


def parse(body, asked, now=NOW):
    return parse_spark(body, asked, fetched_at=now, now=now)


def tnx_edited(edit) -> bytes:
    """The real ^TNX chart body after `edit(result)` changed its chart.result[0] in place."""
    body = json.loads(TNX)
    edit(body["chart"]["result"][0])
    return json.dumps(body).encode()


def renamed(symbol: str):
    def edit(result):
        result["meta"]["symbol"] = symbol
    return edit


def refused_whole(body) -> UpstreamError:
    with pytest.raises(UpstreamError) as caught:
        parse(body, ["^TNX"])
    assert caught.value.source == "yahoo" and caught.value.retryable is False
    return caught.value


# --- the recorded answer ----------------------------------------------------------------------------------------


def test_the_recorded_answer_is_read_as_one_part_per_symbol_and_held_to_the_chart_checks():
    # Portfolio Performance's recorded spark answer (2018, interval=1d): its part is found under its symbol, and
    # refused as the chart path would refuse a daily chart with closes only.
    answer = parse((FIXTURES / SPARK).read_bytes(), ["MUV2.DE", "AAPL"], now=datetime(2018, 5, 26, tzinfo=timezone.utc))
    assert answer.quotes == {} and answer.missing == ["AAPL"]
    assert answer.refused["MUV2.DE"].reason == "spark: indicators.quote has no open array"
    assert answer.refused["MUV2.DE"].symbol == "MUV2.DE"


# --- parts built from real chart bodies -------------------------------------------------------------------------


def test_a_part_gives_exactly_the_quote_the_chart_api_gives_for_the_same_result():
    answer = parse(spark_body([("^TNX", TNX)]), ["^TNX"])
    assert answer.quotes["^TNX"] == parse_chart(TNX, fetched_at=NOW, now=NOW).quote
    assert answer.quotes["^TNX"].price == 4.275 and answer.refused == {} and answer.missing == []


def test_parts_are_matched_by_symbol_whatever_their_order_and_case():
    body = spark_body([("AAA", tnx_edited(renamed("AAA"))), ("^tnx", TNX)])
    answer = parse(body, ["^TNX", "aaa", "BBB"])
    assert set(answer.quotes) == {"^TNX", "aaa"} and answer.missing == ["BBB"]


def test_a_part_for_a_symbol_not_asked_is_ignored():
    answer = parse(spark_body([("^TNX", TNX), ("ZZZ", tnx_edited(renamed("ZZZ")))]), ["^TNX"])
    assert list(answer.quotes) == ["^TNX"] and answer.refused == {}


@pytest.mark.parametrize(("edit", "reason"), [
    (lambda r: r["meta"].update(regularMarketPrice=0), "regularMarketPrice 0 is not a positive price"),
    (lambda r: r["meta"].update(regularMarketPrice=-4.2), "regularMarketPrice -4.2 is not a positive price"),
    (lambda r: r["meta"].update(regularMarketPrice="4.27"), "regularMarketPrice '4.27' is not a positive price"),
    (lambda r: r["meta"].update(regularMarketTime=int((NOW + timedelta(hours=1)).timestamp())), "in the future"),
    (lambda r: r["meta"].pop("regularMarketPrice") and r["meta"].pop("regularMarketTime"),
     "no regular market price in the answer"),
    (lambda r: r["meta"].update(exchangeTimezoneName=None, gmtoffset=None), "no usable exchange time zone"),
    (lambda r: r.pop("meta"), "spark.result[0].response[0] has no meta object"),
    (lambda r: r["indicators"]["quote"][0]["close"].__setitem__(3, 0), "close[3] 0 is not a positive price"),
    (lambda r: r["indicators"]["quote"][0]["close"].__setitem__(3, -1.5), "close[3] -1.5 is not a positive price"),
    (lambda r: r["indicators"]["quote"][0]["close"].pop(), "has 14 values for 15 timestamps"),
    (lambda r: r["timestamp"].__setitem__(4, r["timestamp"][3]), "timestamp[4]"),
    (lambda r: r["timestamp"].__setitem__(14, int((NOW + timedelta(hours=1)).timestamp())), "in the future"),
    (lambda r: r["timestamp"].__setitem__(0, "09:30"), "timestamp[0] '09:30' is not a Unix time"),
    (lambda r: r["indicators"].pop("quote"), "must both be arrays"),
    (lambda r: r["meta"].update(symbol="^TYX"), "asked for ^TNX, spark.result[0].response[0] is for ^TYX"),
])
def test_a_part_that_fails_a_check_is_refused_and_only_that_part(edit, reason):
    good = tnx_edited(renamed("AAA"))
    answer = parse(spark_body([("^TNX", tnx_edited(edit)), ("AAA", good)]), ["^TNX", "AAA"])
    assert reason in answer.refused["^TNX"].reason
    assert answer.refused["^TNX"].reason.startswith("spark: ") and answer.refused["^TNX"].symbol == "^TNX"
    assert list(answer.quotes) == ["AAA"]


def test_a_five_minute_slot_without_a_trade_is_no_fault():
    answer = parse(spark_body([("^TNX", tnx_edited(lambda r: r["indicators"]["quote"][0]["close"].__setitem__(
        2, None)))]), ["^TNX"])
    assert "^TNX" in answer.quotes


def test_two_parts_for_one_symbol_are_refused_rather_than_guessed_between():
    answer = parse(spark_body([("^TNX", TNX), ("^TNX", tnx_edited(lambda r: r["meta"].update(
        regularMarketPrice=4.5)))]), ["^TNX"])
    assert "2 parts for this symbol" in answer.refused["^TNX"].reason


def test_a_part_without_a_response_is_refused():
    envelope = json.loads(spark_body([("^TNX", TNX)]))
    envelope["spark"]["result"][0]["response"] = []
    assert "has no response" in parse(json.dumps(envelope), ["^TNX"]).refused["^TNX"].reason


# --- answers refused whole ----------------------------------------------------------------------------------------


def test_html_is_refused_whole():
    page = b"<!doctype html><html><head><title>Yahoo</title></head><body>consent</body></html>"
    assert refused_whole(page).reason == "expected JSON, got HTML (page title 'Yahoo')"


def test_plain_text_and_empty_and_cut_bodies_are_refused_whole():
    assert "expected JSON, got text 'Too Many Requests" in refused_whole(b"Too Many Requests\r\n").reason
    assert refused_whole(b"").reason == "empty body: expected JSON"
    body = spark_body([("^TNX", TNX)])
    assert refused_whole(body[: len(body) // 2]).reason.startswith("truncated JSON")


def test_a_chart_answer_is_not_a_spark_answer():
    assert refused_whole(TNX).reason == "spark: JSON without a 'spark' object (keys 'chart')"
    assert refused_whole(b"[]").reason == "spark: JSON without a 'spark' object (a JSON list)"


def test_yahoo_s_own_error_refuses_the_answer_whole():
    # The error object is the chart API's (as in the chart tests); spark's own error is unrecorded.
    envelope = json.loads((FIXTURES / SPARK).read_text())
    envelope["spark"].update(result=None, error={"code": "Not Found", "description": "No data found"})
    assert refused_whole(json.dumps(envelope)).reason == "spark: Yahoo error Not Found: No data found"


@pytest.mark.parametrize("result", [None, {}, "AAPL", 3])
def test_a_result_that_is_not_a_list_is_refused_whole(result):
    envelope = json.loads((FIXTURES / SPARK).read_text())
    envelope["spark"]["result"] = result
    assert "spark.result is" in refused_whole(json.dumps(envelope)).reason


def test_an_empty_result_leaves_every_symbol_missing():
    answer = parse(spark_body([]), ["^TNX", "AAA"])
    assert answer.missing == ["^TNX", "AAA"] and answer.quotes == {} and answer.refused == {}


def test_garbage_parts_are_refused_or_ignored_never_taken():
    envelope = json.loads(spark_body([("^TNX", TNX)]))
    good = copy.deepcopy(envelope["spark"]["result"][0])
    envelope["spark"]["result"] = [None, 7, {"symbol": 5}, {"symbol": "AAA", "response": "x"},
                                   {"symbol": "BBB", "response": [None]}, good]
    answer = parse(json.dumps(envelope), ["^TNX", "AAA", "BBB"])
    assert list(answer.quotes) == ["^TNX"]
    assert "has no response" in answer.refused["AAA"].reason
    assert "has no meta object" in answer.refused["BBB"].reason
