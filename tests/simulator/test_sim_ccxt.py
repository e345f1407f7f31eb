"""An established third-party client works against the simulator with only its URLs changed:
ccxt's binanceusdm (HMAC, v1/v2 paths) and aster (EIP-712, v3 paths).

Both run the simulator lenient (`SimulatedExchange(lenient=True)`): binanceusdm calls
`GET /fapi/v3/account` and signs `/fapi/v3/positionRisk` with HMAC (Binance's API, not in
the AsterDEX docs), and ccxt's aster loads the spot `GET /api/v3/exchangeInfo`, which the
futures docs do not have. Our own client's tests run strict."""

from __future__ import annotations

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
