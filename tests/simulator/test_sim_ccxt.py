"""An established third-party client works against the simulator with only its URLs changed:
ccxt's binanceusdm (HMAC, v1/v2 paths) and aster (EIP-712, v3 paths).

Both run the simulator lenient (`SimulatedExchange(lenient=True)`): binanceusdm calls
`GET /fapi/v3/account` and signs `/fapi/v3/positionRisk` with HMAC (Binance's API, not in
the AsterDEX docs), and ccxt's aster loads the spot `GET /api/v3/exchangeInfo`, which the
futures docs do not have. Our own client's tests run strict."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import pytest_asyncio

from execution.simulator import SimulatedExchange

ccxt = pytest.importorskip("ccxt.async_support")

SYMBOL = "BTC/USDT:USDT"


@pytest_asyncio.fixture
async def simulator(simulator_factory: Any) -> SimulatedExchange:
    """Lenient: the third-party clients call paths outside the venue's docs (see above)."""
    sim: SimulatedExchange = await simulator_factory(lenient=True, auto_tick=False)
    return sim


async def _exercise(exchange: Any, sim: Any) -> None:
    markets = await exchange.load_markets()
    assert {"BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"} <= set(markets)
    market = markets[SYMBOL]
    assert market["precision"]["price"] == 0.1 and market["precision"]["amount"] == 0.001
    balance = await exchange.fetch_balance()
    assert balance["USDT"]["total"] == 10000
    positions = await exchange.fetch_positions([SYMBOL])
    assert all(p["contracts"] in (0, None) for p in positions)
    mark = float(sim.mark_price("BTCUSDT"))
    limit_price = float(exchange.price_to_precision(SYMBOL, mark * 0.9))
    limit = await exchange.create_order(SYMBOL, "limit", "buy", 0.002, limit_price)
    assert limit["status"] == "open" and limit["id"]
    fetched = await exchange.fetch_order(limit["id"], SYMBOL)
    assert fetched["clientOrderId"] == limit["clientOrderId"]
    assert fetched["price"] == limit_price and fetched["amount"] == 0.002
    open_orders = await exchange.fetch_open_orders(SYMBOL)
    assert [o["id"] for o in open_orders] == [limit["id"]]
    canceled = await exchange.cancel_order(limit["id"], SYMBOL)
    assert canceled["status"] == "canceled"
    assert await exchange.fetch_open_orders(SYMBOL) == []
    market_order = await exchange.create_order(SYMBOL, "market", "buy", 0.003)
    filled = await exchange.fetch_order(market_order["id"], SYMBOL)
    assert filled["status"] == "closed" and filled["filled"] == 0.003
    positions = await exchange.fetch_positions([SYMBOL])
    long = [p for p in positions if p["contracts"]]
    assert len(long) == 1 and long[0]["contracts"] == 0.003 and long[0]["side"] == "long"
    assert sim.orders_created(limit["clientOrderId"]) == 1


async def test_ccxt_binanceusdm_hmac(simulator) -> None:
    exchange = ccxt.binanceusdm({
        "apiKey": simulator.account.api_key,
        "secret": simulator.account.api_secret,
        "enableRateLimit": False,
        "options": {"fetchCurrencies": False},
    })
    for name in list(exchange.urls["api"]):
        if name.startswith("fapi"):
            version = {"V2": "v2", "V3": "v3"}.get(name[-2:], "v1")
            exchange.urls["api"][name] = f"{simulator.rest_url}/fapi/{version}"
    try:
        await _exercise(exchange, simulator)
    finally:
        await exchange.close()
    paths = {record.path for record in simulator.request_log}
    assert any(path.startswith("/fapi/v1/order") for path in paths)


def _aster_client(simulator: Any) -> Any:
    """ccxt's aster (EIP-712, v3 paths) with only its URLs pointed at the simulator."""
    exchange = ccxt.aster({
        "privateKey": simulator.account.user_private_key,
        "walletAddress": simulator.account.user,
        "enableRateLimit": True,
        "rateLimit": 5,
        # a futures user picks the swap market type (ccxt's aster defaults to spot)
        "options": {"fetchCurrencies": False, "builderFee": False, "defaultType": "swap"},
    })
    exchange.urls["api"] = {
        "fapiPublic": simulator.rest_url + "/fapi",
        "fapiPrivate": simulator.rest_url + "/fapi",
        "sapiPublic": simulator.rest_url + "/api",
        "sapiPrivate": simulator.rest_url + "/api",
    }
    return exchange


async def test_ccxt_aster_eip712(simulator) -> None:
    exchange = _aster_client(simulator)
    try:
        await _exercise(exchange, simulator)
    finally:
        await exchange.close()
    signed = [r for r in simulator.request_log if r.account_id is not None]
    assert signed and all(r.path.startswith("/fapi/v3/") for r in signed)


async def test_ccxt_aster_isolated_margin_and_liquidation_price(simulator) -> None:
    exchange = _aster_client(simulator)
    eth = "ETH/USDT:USDT"
    try:
        await exchange.load_markets()
        await exchange.set_margin_mode("isolated", eth)
        await exchange.set_leverage(10, eth)
        await exchange.create_order(eth, "market", "buy", 1)
        (position,) = [p for p in await exchange.fetch_positions([eth]) if p["contracts"]]
        assert position["marginMode"] == "isolated"
        assert 0 < position["liquidationPrice"] < position["entryPrice"]
        added = await exchange.add_margin(eth, 50)
        assert added["amount"] == 50 and added["type"] == "add"
        (after,) = [p for p in await exchange.fetch_positions([eth]) if p["contracts"]]
        assert after["liquidationPrice"] < position["liquidationPrice"]
        reduced = await exchange.reduce_margin(eth, 20)
        assert reduced["type"] == "reduce"
    finally:
        await exchange.close()


async def test_ccxt_pro_binanceusdm_watches_the_market_streams(simulator_factory) -> None:
    """ccxt.pro's order book (the docs' local-book recipe over `@depth@100ms` and the REST
    snapshot), trades (`@aggTrade`: its default `@trade` is not in the docs) and ticker."""
    pro = pytest.importorskip("ccxt.pro")
    # levels refill slowly (an hour), so the book and a later snapshot agree for a while
    simulator = await simulator_factory(auto_tick=False, book_refill_ms=3_600_000)  # strict
    exchange = pro.binanceusdm({"enableRateLimit": False,
                                "options": {"fetchCurrencies": False,
                                            "watchTrades": {"name": "aggTrade"}}})
    for name in list(exchange.urls["api"]):
        if name.startswith("fapi"):
            version = {"V2": "v2", "V3": "v3"}.get(name[-2:], "v1")
            exchange.urls["api"][name] = f"{simulator.rest_url}/fapi/{version}"
    # ccxt appends "/<stream index>" and rewrites a URL ending in "/ws" to Binance's
    # "/public/ws" or "/market/ws": the "?" keeps its suffix out of the path
    exchange.urls["api"]["ws"]["linear"] = simulator.ws_url + "/ws?"
    try:
        book = await asyncio.wait_for(exchange.watch_order_book(SYMBOL), 20)
        depth = simulator.engine.public("depth", {"symbol": "BTCUSDT", "limit": "5"})
        assert book["asks"][0][0] == float(depth["asks"][0][0])
        trades_task = asyncio.ensure_future(exchange.watch_trades(SYMBOL))
        ticker_task = asyncio.ensure_future(exchange.watch_ticker(SYMBOL))
        await asyncio.sleep(0.5)  # subscribed
        simulator.step(1)
        trades = await asyncio.wait_for(trades_task, 20)
        assert trades and trades[-1]["symbol"] == SYMBOL and trades[-1]["amount"] > 0
        ticker = await asyncio.wait_for(ticker_task, 20)
        assert ticker["symbol"] == SYMBOL and ticker["last"] > 0
        simulator.step(2)
        simulator.engine.private(simulator.account.account_id, "POST", "order", {
            "symbol": "BTCUSDT", "side": "SELL", "type": "MARKET", "quantity": "1.5"})
        fresh = simulator.engine.public("depth", {"symbol": "BTCUSDT", "limit": "1000"})
        while book["nonce"] < fresh["lastUpdateId"]:  # it follows the diff stream
            book = await asyncio.wait_for(exchange.watch_order_book(SYMBOL), 20)
        assert [[float(p), float(q)] for p, q in fresh["bids"][:5]] == book["bids"][:5]
        assert [[float(p), float(q)] for p, q in fresh["asks"][:5]] == book["asks"][:5]
    finally:
        await exchange.close()
