"""Parsing of the market payloads: every figure exact (Decimal from the text, never float),
and anything that is not a plain decimal refused with the field named."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from execution.exchange.parsing import MalformedResponseError
from execution.market.events import AggTrade, BookTicker, Kline, MarkPriceUpdate
from execution.market.parsing import (
    clear_memo,
    loads,
    parse_depth_snapshot,
    parse_depth_update,
    parse_event,
    parse_kline_row,
    parse_premium_index,
    parse_ticker_24h,
)

figures = st.decimals(min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=8,
                      allow_nan=False, allow_infinity=False)
positive = st.decimals(min_value=Decimal("0"), max_value=Decimal("1e12"), places=8,
                       allow_nan=False, allow_infinity=False)
level_lists = st.lists(st.tuples(positive, positive), max_size=6)


def text(value: Decimal) -> str:
    return format(value, "f")


def _depth(bids: list[tuple[Decimal, Decimal]], asks: list[tuple[Decimal, Decimal]],
           **ids: int) -> dict[str, Any]:
    return {"e": "depthUpdate", "E": 5, "T": 4, "s": "BTCUSDT", "U": ids.get("U", 10),
            "u": ids.get("u", 12), "pu": ids.get("pu", 9),
            "b": [[text(p), text(q)] for p, q in bids],
            "a": [[text(p), text(q)] for p, q in asks]}


@given(level_lists, level_lists)
def test_depth_update_levels_are_the_exact_figures_sent(bids: Any, asks: Any) -> None:
    wire = json.dumps(_depth(bids, asks))
    event = parse_event(loads(wire))
    assert event is not None and event == parse_depth_update(loads(wire))
    assert [(p, q) for p, q in event.bids] == bids
    assert [(text(p), text(q)) for p, q in event.asks] == [(text(p), text(q)) for p, q in asks]
    assert (event.first_id, event.final_id, event.previous_id) == (10, 12, 9)


@given(figures)
def test_a_json_number_is_read_exactly_too(value: Decimal) -> None:
    """A venue that sends a number instead of a string: `loads` keeps its digits."""
    wire = (f'{{"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":{text(value)},'
            '"i":"1","P":"1","r":"0","T":2}')
    event = parse_event(loads(wire))
    assert isinstance(event, MarkPriceUpdate) and event.mark_price == value
    assert type(event.mark_price) is Decimal


@given(positive, positive, positive, positive)
def test_book_ticker_figures(bid: Decimal, bid_qty: Decimal, ask: Decimal, ask_qty: Decimal
                             ) -> None:
    payload = {"e": "bookTicker", "u": 400900217, "E": 1568014460893, "T": 1568014460891,
               "s": "BNBUSDT", "b": text(bid), "B": text(bid_qty), "a": text(ask),
               "A": text(ask_qty)}
    event = parse_event(loads(json.dumps(payload)))
    assert event == BookTicker("BNBUSDT", 400900217, 1568014460893, 1568014460891,
                               bid, bid_qty, ask, ask_qty)


def test_the_docs_examples() -> None:
    trade = parse_event({"e": "aggTrade", "E": 123456789, "s": "BTCUSDT", "a": 5933014,
                         "p": "0.001", "q": "100", "f": 100, "l": 105, "T": 123456785,
                         "m": True})
    assert trade == AggTrade("BTCUSDT", 123456789, 5933014, Decimal("0.001"), Decimal(100),
                             100, 105, 123456785, True)
    mark = parse_event({"e": "markPriceUpdate", "E": 1562305380000, "s": "BTCUSDT",
                        "p": "11794.15000000", "i": "11784.62659091", "P": "11784.25641265",
                        "r": "0.00038167", "T": 1562306400000})
    assert isinstance(mark, MarkPriceUpdate)
    assert str(mark.mark_price) == "11794.15000000" and mark.funding_rate == Decimal("0.00038167")
    kline = parse_event({"e": "kline", "E": 123456789, "s": "BTCUSDT", "k": {
        "t": 123400000, "T": 123460000, "s": "BTCUSDT", "i": "1m", "f": 100, "L": 200,
        "o": "0.0010", "c": "0.0020", "h": "0.0025", "l": "0.0015", "v": "1000", "n": 100,
        "x": False, "q": "1.0000", "V": "500", "Q": "0.500", "B": "123456"}})
    assert isinstance(kline, Kline) and kline.high == Decimal("0.0025") and not kline.closed
    row = parse_kline_row([1499040000000, "0.01634790", "0.80000000", "0.01575800",
                           "0.01577100", "148976.11427815", 1499644799999, "2434.19055334",
                           308, "1756.87402397", "28.46694368", "17928899.62484339"],
                          "BTCUSDT", "1d", now_ms=1499644800000)
    assert (row.open, row.close, row.trades, row.closed) == (
        Decimal("0.01634790"), Decimal("0.01577100"), 308, True)
    assert row.taker_buy_quote_volume == Decimal("28.46694368")
    premium = parse_premium_index({
        "symbol": "BTCUSDT", "markPrice": "11793.63104562", "indexPrice": "11781.80495970",
        "estimatedSettlePrice": "11781.16138815", "lastFundingRate": "0.00038246",
        "interestRate": "0.00010000", "nextFundingTime": 1597392000000, "time": 1597370495002})
    assert premium.funding_rate == Decimal("0.00038246")
    assert premium.next_funding_time == 1597392000000
    ticker = parse_ticker_24h({
        "symbol": "BTCUSDT", "priceChange": "-94.99999800", "priceChangePercent": "-95.960",
        "weightedAvgPrice": "0.29628482", "lastPrice": "4.00000200", "lastQty": "200.00000000",
        "openPrice": "99.00000000", "highPrice": "100.00000000", "lowPrice": "0.10000000",
        "volume": "8913.30000000", "quoteVolume": "15.30000000", "openTime": 1499783499040,
        "closeTime": 1499869899040, "firstId": 28385, "lastId": 28460, "count": 76})
    assert ticker.price_change_percent == Decimal("-95.960") and ticker.count == 76
    snapshot = parse_depth_snapshot({"lastUpdateId": 1027024, "E": 1, "T": 1,
                                     "bids": [["4.00000000", "431.00000000"]],
                                     "asks": [["4.00000200", "12.00000000"]]}, "BTCUSDT")
    assert snapshot.bids == ((Decimal("4.00000000"), Decimal("431.00000000")),)


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "1_000", "٣", "", " ", "0x10", "1e400",
                                 None, True, [], {}])
def test_a_figure_that_is_not_a_plain_decimal_is_refused_naming_the_field(bad: Any) -> None:
    payload = _depth([], [])
    payload["b"] = [["100.5", bad]]
    with pytest.raises(MalformedResponseError, match="quantity"):
        parse_depth_update(payload)
    with pytest.raises(MalformedResponseError, match=r"aggTrade: (p=|'p')"):
        parse_event({"e": "aggTrade", "E": 1, "s": "X", "a": 1, "p": bad, "q": "1",
                     "f": 1, "l": 1, "T": 1, "m": False})


@pytest.mark.parametrize("field", ["U", "u", "pu", "b", "s"])
def test_a_missing_field_is_named(field: str) -> None:
    payload = _depth([], [])
    del payload[field]
    with pytest.raises(MalformedResponseError, match=repr(field)):
        parse_depth_update(payload)


def test_ids_must_be_integers_and_unknown_kinds_are_skipped() -> None:
    payload = _depth([], [])
    payload["pu"] = "9"
    with pytest.raises(MalformedResponseError, match="'pu'"):
        parse_depth_update(payload)
    assert parse_event({"e": "24hrMiniTicker"}) is None
    assert parse_event([1, 2]) is None


def test_remembered_texts_give_the_same_figures_and_bad_ones_stay_refused() -> None:
    """The parser's memo of texts changes no figure (the exponent kept: "1.50" is not
    "1.5"), and a bad text is refused however often it comes."""
    clear_memo()
    for _ in range(2):
        event = parse_depth_update(_depth([(Decimal("1.50"), Decimal("2"))],
                                          [(Decimal("1.5"), Decimal("0E-8"))]))
        assert str(event.bids[0][0]) == "1.50" and str(event.asks[0][0]) == "1.5"
        assert str(event.asks[0][1]) == "0E-8" and type(event.bids[0][1]) is Decimal
        payload = _depth([], [])
        payload["a"] = [["1.5", "NaN"]]
        with pytest.raises(MalformedResponseError, match="quantity"):
            parse_depth_update(payload)
