"""The book takers deplete and that refills over time; resting limits filled by the market
trading at or through them; diff-depth update ids; contracts beyond the default three."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from execution.simulator.engine import DEFAULT_SYMBOLS
from execution.simulator.engine.stream_names import parse
from execution.simulator.engine.symbols import UNIVERSE, SymbolFileError, load_symbols


def _trades(sim, order_id: int) -> list[tuple[str, str]]:
    return [(u["L"], u["l"]) for u in sim.order_updates(order_id) if u["x"] == "TRADE"]


def test_a_taker_empties_levels_and_the_next_one_pays_more(sim):
    first = sim.order(side="BUY", type="MARKET", quantity="1")
    second = sim.order(side="BUY", type="MARKET", quantity="1")
    assert _trades(sim, first["orderId"]) == [("50000.1", "1")]
    assert _trades(sim, second["orderId"]) == [("50000.6", "1")]
    depth = sim.engine.public("depth", {"symbol": "BTCUSDT", "limit": "5"})
    assert depth["asks"][0] == ["50001.1", "1"] and depth["bids"][0] == ["49999.9", "1"]
    ticker = sim.engine.public("ticker/bookTicker", {"symbol": "BTCUSDT"})
    assert (ticker["askPrice"], ticker["askQty"]) == ("50001.1", "1")


def test_taken_liquidity_comes_back_over_time_not_on_the_next_request(sim):
    sim.order(side="SELL", type="MARKET", quantity="1.5")
    depth = sim.engine.public("depth", {"symbol": "BTCUSDT", "limit": "5"})
    assert depth["bids"][0] == ["49999.4", "0.5"]
    sim.clock.now += 2_500  # a quarter of the 10 s refill time
    depth = sim.engine.public("depth", {"symbol": "BTCUSDT", "limit": "5"})
    assert depth["bids"][:2] == [["49999.9", "0.25"], ["49999.4", "0.75"]]
    sim.clock.now += 10_000
    depth = sim.engine.public("depth", {"symbol": "BTCUSDT", "limit": "5"})
    assert depth["bids"][:2] == [["49999.9", "1"], ["49999.4", "1"]]


def test_the_legacy_book_is_whole_on_every_request(make_sim):
    sim = make_sim(book_refill_ms=0)
    sim.order(side="BUY", type="MARKET", quantity="1")
    again = sim.order(side="BUY", type="MARKET", quantity="1")
    assert _trades(sim, again["orderId"]) == [("50000.1", "1")]


def test_a_resting_limit_fills_partly_at_its_price_and_whole_through_it(sim):
    placed = sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="3",
                       price="49900")
    sim.price("49900")  # traded at its price: the volume traded there, not more
    touched = sim.query(placed["orderId"])
    assert touched["status"] == "PARTIALLY_FILLED"
    assert Decimal(0) < Decimal(touched["executedQty"]) < Decimal(3)
    sim.price("49899.9")  # traded through it: all of it
    assert sim.query(placed["orderId"])["status"] == "FILLED"


def test_diff_depth_ids_chain_and_a_snapshot_sits_inside_the_next_event(sim):
    stream = parse("btcusdt@depth@100ms")
    assert sim.engine.render_stream(stream) == []  # starts: nothing changed yet
    sim.order(side="BUY", type="MARKET", quantity="1.5")
    first = sim.engine.render_stream(stream)[0]
    assert first["a"] == [["50000.1", "0"], ["50000.6", "0.5"]] and first["b"] == []
    snapshot = sim.engine.public("depth", {"symbol": "BTCUSDT", "limit": "1000"})
    second = sim.engine.render_stream(stream)[0]
    assert second["pu"] == first["u"]
    assert second["U"] <= snapshot["lastUpdateId"] <= second["u"]
    assert sim.engine.render_stream(stream) == []  # nothing new


def test_a_liquidation_is_the_force_order_streams_snapshot(sim):
    sim.call("POST", "leverage", symbol="BTCUSDT", leverage=20)
    sim.order(side="BUY", type="MARKET", quantity="3")
    assert sim.engine.render_stream(parse("btcusdt@forceOrder")) == []
    sim.price("40000")
    pushed = sim.engine.render_stream(parse("btcusdt@forceOrder"))
    assert [p["o"]["S"] for p in pushed] == ["SELL"] and pushed[0]["o"]["q"] == "3"
    assert sim.engine.render_stream(parse("btcusdt@forceOrder")) == []  # once
    assert len(sim.engine.render_stream(parse("!forceOrder@arr"))) == 1


def test_the_wider_universe_trades_with_its_own_filters(make_sim):
    sim = make_sim(symbols=UNIVERSE)
    symbols = {s["symbol"]: s for s in sim.engine.public("exchangeInfo", {})["symbols"]}
    assert {"BTCUSDT", "ETHUSDT", "SOLUSDT", "ASTERUSDT", "DOGEUSDT", "1000SHIBUSDT"} == set(
        symbols)
    shib = {f["filterType"]: f for f in symbols["1000SHIBUSDT"]["filters"]}
    assert shib["PRICE_FILTER"]["tickSize"] == "0.000001" and shib["LOT_SIZE"]["stepSize"] == "1"
    doge = symbols["DOGEUSDT"]
    assert doge["pricePrecision"] == 5  # not its tick size (0.0001)
    filled = sim.order(symbol="1000SHIBUSDT", side="BUY", type="MARKET", quantity="3000000")
    assert filled["status"] == "FILLED"
    assert [p for p, _ in _trades(sim, filled["orderId"])] == ["0.012346", "0.012347"]


def test_symbols_load_from_a_saved_exchange_info(make_sim, tmp_path: Path):
    saved = make_sim(symbols=UNIVERSE).engine.public("exchangeInfo", {})
    path = tmp_path / "exchangeInfo.json"
    path.write_text(json.dumps(saved))
    loaded = {spec.symbol: spec for spec in load_symbols(path)}
    for spec in UNIVERSE:
        got = loaded[spec.symbol]
        assert (got.tick_size, got.step_size, got.min_qty, got.min_notional,
                got.price_precision, got.market_max_qty) == (
            spec.tick_size, spec.step_size, spec.min_qty, spec.min_notional,
            spec.price_precision, spec.market_max_qty)
        assert got.min_price <= got.start_price <= got.max_price
    again = make_sim(symbols=tuple(loaded.values()))
    assert again.order(symbol="ASTERUSDT", side="BUY", type="MARKET",
                       quantity="20")["status"] == "FILLED"


@pytest.mark.parametrize("content", ["not json", "{}", '{"symbols": [{"symbol": "X"}]}',
                                     '[{"symbol": "X", "filters": [{"filterType": '
                                     '"PRICE_FILTER", "tickSize": "abc"}]}]'])
def test_a_bad_symbols_file_says_what_is_wrong(tmp_path: Path, content: str):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(SymbolFileError, match=r"bad\.json"):
        load_symbols(path)


def test_the_default_contracts_are_the_three_of_before():
    assert [spec.symbol for spec in DEFAULT_SYMBOLS] == ["BTCUSDT", "ETHUSDT", "SOLUSDT"]


def test_all_market_ticker_arrays_hold_only_the_symbols_that_changed(sim):
    for name in ("!ticker@arr", "!miniTicker@arr"):
        first = sim.engine.render_stream(parse(name))[0]
        assert {t["s"] for t in first} == {"BTCUSDT", "ETHUSDT", "SOLUSDT"}
        assert sim.engine.render_stream(parse(name)) == []  # nothing changed since
    sim.price("50100")
    for name in ("!ticker@arr", "!miniTicker@arr"):
        assert [t["s"] for t in sim.engine.render_stream(parse(name))[0]] == ["BTCUSDT"]
    marks = sim.engine.render_stream(parse("!markPrice@arr@1s"))[0]
    assert [m["s"] for m in marks] == ["BTCUSDT", "ETHUSDT", "SOLUSDT"]  # every push


def test_a_kline_that_ended_is_pushed_once_more_closed(sim):
    stream = parse("btcusdt@kline_1m")
    open_bar = sim.engine.render_stream(stream)
    assert [k["k"]["x"] for k in open_bar] == [False]
    assert sim.engine.render_stream(stream) == []  # unchanged
    sim.clock.now += 60_000
    pushed = sim.engine.render_stream(stream)
    assert [k["k"]["x"] for k in pushed] == [True, False]
    assert pushed[0]["k"]["t"] == open_bar[0]["k"]["t"]
    assert pushed[1]["k"]["t"] == open_bar[0]["k"]["t"] + 60_000
