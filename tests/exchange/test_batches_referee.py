"""A third-party referee for batches: ccxt's binanceusdm places a batch on the simulator
(our client cancels it), and our client's `batchOrders` parameter has the same shape as
ccxt's (a JSON list of string-valued order objects): both speak the documented format."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio

from execution.exchange.batches import BatchLeg
from execution.intent import OrderIntent
from execution.models import OrderSide, OrderType
from execution.simulator import SimulatedExchange

ccxt = pytest.importorskip("ccxt.async_support")


@pytest_asyncio.fixture
async def simulator(simulator_factory: Any) -> SimulatedExchange:
    """Lenient: binanceusdm calls Binance paths outside the AsterDEX docs when loading."""
    sim: SimulatedExchange = await simulator_factory(lenient=True, auto_tick=False)
    return sim


def _binanceusdm(sim: SimulatedExchange) -> Any:
    exchange = ccxt.binanceusdm({
        "apiKey": sim.account.api_key, "secret": sim.account.api_secret,
        "enableRateLimit": False, "options": {"fetchCurrencies": False},
    })
    for name in list(exchange.urls["api"]):
        if name.startswith("fapi"):
            version = {"V2": "v2", "V3": "v3"}.get(name[-2:], "v1")
            exchange.urls["api"][name] = f"{sim.rest_url}/fapi/{version}"
    return exchange


def _batch_param(sim: SimulatedExchange) -> list[dict[str, Any]]:
    (last,) = [r.params for r in sim.request_log
               if r.method == "POST" and r.path.endswith("/batchOrders")][-1:]
    legs: list[dict[str, Any]] = json.loads(last["batchOrders"])
    return legs


async def test_ccxt_places_a_batch_like_ours(
    simulator: SimulatedExchange, make_client: Any
) -> None:
    exchange = _binanceusdm(simulator)
    symbol = "BTC/USDT:USDT"
    try:
        await exchange.load_markets()
        price = float(simulator.mark_price("BTCUSDT")) * 0.9
        price = float(exchange.price_to_precision(symbol, price))
        placed = await exchange.create_orders([
            {"symbol": symbol, "type": "limit", "side": "buy", "amount": 0.002, "price": price},
            {"symbol": symbol, "type": "limit", "side": "buy", "amount": 0.003, "price": price},
        ])
        assert [o["status"] for o in placed] == ["open", "open"]
        theirs = _batch_param(simulator)
        # (ccxt's cancel_orders sends `orderidlist`, lower case, which Binance takes and
        # the simulator, reading the docs' `orderIdList`, does not: our client cancels them)
    finally:
        await exchange.close()
    assert all(simulator.orders_created(o["clientOrderId"]) == 1 for o in placed)

    async with make_client(simulator, "hmac") as client:
        intent = OrderIntent("BTCUSDT", OrderSide.BUY, OrderType.LIMIT, Decimal("0.002"),
                             price=Decimal(str(price)))
        (ours,) = await client.batches.place([BatchLeg(intent, "referee-1")])
        assert ours.ok
        cancelled = await client.batches.cancel(
            "BTCUSDT", client_order_ids=[o["clientOrderId"] for o in placed])
        assert all(result.ok for result in cancelled)
    mine = _batch_param(simulator)
    for leg in (*theirs, *mine):  # every value a string, as the docs' example writes them
        assert all(isinstance(value, str) for value in leg.values())
    shared = {"symbol", "side", "type", "quantity", "price", "timeInForce"}
    assert shared <= set(theirs[0]) and shared <= set(mine[0])
    assert {k: theirs[0][k] for k in shared} == {k: mine[0][k] for k in shared}
