"""Public endpoints: exchange rules, book, klines, tickers and market events."""

from __future__ import annotations

from decimal import Decimal

import pytest

from execution.rules import SymbolRules
from execution.simulator.api import ApiError
from execution.simulator.engine.stream_names import parse


def test_exchange_info_filters_read_back_as_symbol_rules(sim):
    info = sim.engine.public("exchangeInfo", {})
    assert {s["symbol"] for s in info["symbols"]} == {"BTCUSDT", "ETHUSDT", "SOLUSDT"}
    limits = {(r["rateLimitType"], r["interval"], r["intervalNum"]): r["limit"]
              for r in info["rateLimits"]}
    assert limits == {("REQUEST_WEIGHT", "MINUTE", 1): 2400, ("ORDERS", "MINUTE", 1): 1200,
                      ("ORDERS", "SECOND", 10): 300}
    btc = next(s for s in info["symbols"] if s["symbol"] == "BTCUSDT")
    rules = SymbolRules.from_exchange_info(btc)
    assert (rules.tick_size, rules.step_size, rules.min_notional) == (
        Decimal("0.1"), Decimal("0.001"), Decimal(5))
    assert rules.max_num_orders == 200 and rules.multiplier_up == Decimal("1.05")
    assert {f["filterType"] for f in btc["filters"]} == {
        "PRICE_FILTER", "LOT_SIZE", "MARKET_LOT_SIZE", "MAX_NUM_ORDERS", "MAX_NUM_ALGO_ORDERS",
        "MIN_NOTIONAL", "PERCENT_PRICE"}
    assert btc["pricePrecision"] == 2 and btc["quantityPrecision"] == 3
    assert info["assets"][0]["asset"] == "USDT"


def test_depth_has_levels_with_limited_quantity(sim):
    depth = sim.engine.public("depth", {"symbol": "BTCUSDT", "limit": "5"})
    assert depth["bids"][0] == ["49999.9", "1"] and depth["asks"][0] == ["50000.1", "1"]
    assert len(depth["bids"]) == 5 and depth["asks"][1][0] == "50000.6"
    with pytest.raises(ApiError) as caught:
        sim.engine.public("depth", {"symbol": "BTCUSDT", "limit": "7"})
    assert caught.value.code == -4021


def test_tickers_and_premium_index(sim):
    sim.price("50123.4")
    price = sim.engine.public("ticker/price", {"symbol": "BTCUSDT"})
    assert price["price"] == "50123.4"
    assert len(sim.engine.public("ticker/price", {})) == 3
    book = sim.engine.public("ticker/bookTicker", {"symbol": "BTCUSDT"})
    assert (book["bidPrice"], book["askPrice"]) == ("50123.3", "50123.5")
    premium = sim.engine.public("premiumIndex", {"symbol": "BTCUSDT"})
    assert premium["markPrice"] == "50123.4" and premium["lastFundingRate"] == "0.00010000"
    assert premium["nextFundingTime"] % (8 * 3_600_000) == 0
    assert premium["nextFundingTime"] > premium["time"]
    day = sim.engine.public("ticker/24hr", {"symbol": "BTCUSDT"})
    assert day["lastPrice"] == "50123.4"
    assert Decimal(day["lowPrice"]) <= Decimal(day["highPrice"])
    with pytest.raises(ApiError) as caught:
        sim.engine.public("ticker/price", {"symbol": "XRPUSDT"})
    assert caught.value.code == -1121


def test_klines_come_from_the_feed_history(sim):
    bars = sim.engine.public("klines", {"symbol": "BTCUSDT", "interval": "1m", "limit": "10"})
    assert len(bars) == 10
    for bar in bars:
        open_, high, low, close = (Decimal(v) for v in bar[1:5])
        assert low <= min(open_, close) and high >= max(open_, close)
        assert bar[6] == bar[0] + 59_999
    assert [b[0] for b in bars] == sorted(b[0] for b in bars)
    hourly = sim.engine.public("klines", {"symbol": "BTCUSDT", "interval": "1h"})
    assert len(hourly) >= 16  # 1000 minutes of history
    with pytest.raises(ApiError) as caught:
        sim.engine.public("klines", {"symbol": "BTCUSDT", "interval": "7m"})
    assert caught.value.code == -1120


def test_market_events_on_price_moves_and_trades(sim):
    sim.engine.step()
    streams = [e["stream"] for a, e in sim.events if a is None]
    assert {"btcusdt@bookTicker", "ethusdt@bookTicker", "btcusdt@aggTrade"} <= set(streams)
    # the mark price is pushed at its interval (3 s or 1 s): rendered when due
    mark = sim.engine.render_stream(parse("btcusdt@markPrice"))[0]
    assert mark["e"] == "markPriceUpdate" and {"E", "s", "p", "r", "T"} <= set(mark)
    sim.order(side="BUY", type="MARKET", quantity="0.01")
    trades = [e["data"] for a, e in sim.events if a is None and e["stream"] == "btcusdt@aggTrade"]
    assert trades[-1]["q"] == "0.01" and trades[-1]["e"] == "aggTrade"
    recent = sim.engine.public("trades", {"symbol": "BTCUSDT", "limit": "1"})
    assert recent[0]["qty"] == "0.01"


def test_clock_is_injected(sim):
    sim.clock.now += 5_000
    assert sim.engine.public("time", {})["serverTime"] == sim.clock.now
    placed = sim.order(side="BUY", type="MARKET", quantity="0.01")
    assert placed["updateTime"] == sim.clock.now
