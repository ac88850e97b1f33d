"""storage.quotes: the latest quote per symbol; an older quote never replaces a newer one."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from storage.quotes import Quote, all_quotes, get_quote, save_quote, save_quotes

T0 = datetime(2024, 3, 1, 15, 30, tzinfo=timezone.utc)


def quote(symbol: str, price: float, at: datetime, **extra) -> Quote:
    return Quote(symbol=symbol, price=price, exchange_time=at, source="yahoo", fetched_at=at + timedelta(seconds=2), **extra)


def test_a_quote_round_trips(db):
    q = quote("^RUT", 2050.5, T0, previous_close=2040.0)
    assert db.call(save_quote, q) is True
    assert db.call(get_quote, "^RUT") == q
    assert db.call(get_quote, "IWM") is None


def test_a_newer_quote_replaces_the_stored_one(db):
    db.call(save_quote, quote("IWM", 200.0, T0))
    assert db.call(save_quote, quote("IWM", 201.0, T0 + timedelta(minutes=1))) is True
    assert db.call(get_quote, "IWM").price == 201.0


def test_an_older_quote_does_not_replace_a_newer_one(db):
    db.call(save_quote, quote("IWM", 201.0, T0))
    assert db.call(save_quote, quote("IWM", 199.0, T0 - timedelta(minutes=1))) is False
    assert db.call(get_quote, "IWM") == quote("IWM", 201.0, T0)


def test_an_older_quote_in_another_time_zone_does_not_replace_a_newer_one(db):
    db.call(save_quote, quote("IWM", 201.0, T0))
    tokyo = timezone(timedelta(hours=9))
    older = (T0 - timedelta(minutes=1)).astimezone(tokyo)  # later on the wall clock, earlier in fact
    assert db.call(save_quote, quote("IWM", 199.0, older)) is False
    assert db.call(get_quote, "IWM").price == 201.0


def test_a_quote_with_the_same_exchange_time_replaces_it(db):
    db.call(save_quote, quote("IWM", 201.0, T0))
    assert db.call(save_quote, quote("IWM", 201.5, T0)) is True
    assert db.call(get_quote, "IWM").price == 201.5


def test_a_naive_exchange_time_is_refused(db):
    with pytest.raises(ValueError, match="naive datetime"):
        db.call(save_quote, quote("IWM", 1.0, datetime(2024, 3, 1, 15, 30)))
    assert db.call(all_quotes) == {}


def test_all_quotes_by_symbol(db):
    for symbol, price in (("QQQ", 430.0), ("IWM", 200.0)):
        db.call(save_quote, quote(symbol, price, T0))
    assert {s: q.price for s, q in db.call(all_quotes).items()} == {"IWM": 200.0, "QQQ": 430.0}


def test_a_polls_quotes_are_written_in_one_transaction(db):
    """One commit per poll, not one per symbol: each commit waits for the disk, and 5,000 of them took 1.5 s of
    every poll (python -m bench scale). The newer-only rule still holds quote by quote."""
    db.call(save_quote, quote("IWM", 201.0, T0))
    statements: list[str] = []
    db.call(lambda sqlite: sqlite.conn.set_trace_callback(statements.append))
    try:
        stored = db.call(save_quotes, [quote("QQQ", 430.0, T0), quote("IWM", 199.0, T0 - timedelta(minutes=1)),
                                       quote("^RUT", 2050.5, T0)])
    finally:
        db.call(lambda sqlite: sqlite.conn.set_trace_callback(None))
    assert stored == ["QQQ", "^RUT"]
    assert [s for s in statements if s.strip().upper() in ("BEGIN", "COMMIT")] == ["BEGIN", "COMMIT"]
    assert {s: q.price for s, q in db.call(all_quotes).items()} == {"IWM": 201.0, "QQQ": 430.0, "^RUT": 2050.5}


def test_a_refused_quote_leaves_the_polls_other_quotes_unwritten_and_the_stored_ones_as_they_were(db):
    db.call(save_quote, quote("IWM", 201.0, T0))
    with pytest.raises(ValueError, match="naive datetime"):
        db.call(save_quotes, [quote("QQQ", 430.0, T0), quote("IWM", 1.0, datetime(2024, 3, 1, 15, 31))])
    assert {s: q.price for s, q in db.call(all_quotes).items()} == {"IWM": 201.0}
