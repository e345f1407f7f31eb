"""The simulator as a Binance USDⓈ-M venue (`SimulatedExchange(dialect="binance")`):
conditional orders only through the algo-order API (-4120 on the order endpoint), waiting
algo orders invisible to the regular endpoints, the `ALGO_UPDATE` sequence of a trigger,
a refusal at the trigger; the AsterDEX dialect unchanged. Third-party referee: ccxt's
binanceusdm places, lists, fetches and cancels a stop through the algo endpoints."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from execution.simulator import SimulatedExchange
from execution.simulator.api import ApiError

D = Decimal
BTC = "BTCUSDT"
STOP = {"symbol": BTC, "side": "SELL", "type": "STOP_MARKET", "quantity": "0.01"}


def _events(sim: SimulatedExchange) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    sim.engine.set_listener(lambda account, event: seen.append(event) if account else None)
    return seen


def _private(sim: SimulatedExchange, method: str, name: str, params: dict[str, str]) -> Any:
    return sim.engine.private(sim.account.account_id, method, name, params)


def _buy(sim: SimulatedExchange) -> None:
    _private(sim, "POST", "order", {"symbol": BTC, "side": "BUY", "type": "MARKET",
                                    "quantity": "0.01"})


async def test_conditional_orders_are_refused_on_the_order_endpoint(
    simulator_factory: Any
) -> None:
    sim = await simulator_factory(dialect="binance")
    for kind, extra in (
        ("STOP", {"stopPrice": "49000", "price": "49000"}),
        ("STOP_MARKET", {"stopPrice": "49000"}),
        ("TAKE_PROFIT", {"stopPrice": "51000", "price": "51000"}),
        ("TAKE_PROFIT_MARKET", {"stopPrice": "51000"}),
        ("TRAILING_STOP_MARKET", {"callbackRate": "1"}),
    ):
        with pytest.raises(ApiError) as raised:
            _private(sim, "POST", "order", {**STOP, "type": kind, **extra})
        assert raised.value.code == -4120, kind
    legs = _private(sim, "POST", "batchOrders", {"batchOrders": (
        '[{"symbol":"BTCUSDT","side":"SELL","type":"STOP_MARKET","quantity":"0.01",'
        '"stopPrice":"49000"}]')})
    assert legs[0]["code"] == -4120
    assert sim.ledger == {}


async def test_the_asterdex_dialect_takes_conditional_orders_on_the_order_endpoint(
    simulator: SimulatedExchange, simulator_factory: Any
) -> None:
    order = _private(simulator, "POST", "order", {**STOP, "stopPrice": "49000"})
    assert order["type"] == "STOP_MARKET"
    assert [o["orderId"] for o in _private(simulator, "GET", "openOrders", {})] == [
        order["orderId"]]
    assert ("POST", "/fapi/v1/algoOrder") not in simulator._server.router.routes
    lenient = await simulator_factory(lenient=True)
    assert ("POST", "/fapi/v1/algoOrder") not in lenient._server.router.routes
    with pytest.raises(ValueError, match="unknown dialect"):
        SimulatedExchange(dialect="okx")


async def test_a_waiting_algo_order_is_not_an_order_of_the_matching_engine(
    simulator_factory: Any
) -> None:
    sim = await simulator_factory(dialect="binance")
    events = _events(sim)
    algo = _private(sim, "POST", "algoOrder", {
        **STOP, "algoType": "CONDITIONAL", "triggerPrice": "49000", "clientAlgoId": "s-1"})
    assert algo["algoStatus"] == "NEW" and algo["actualOrderId"] == ""
    assert algo["clientAlgoId"] == "s-1" and algo["triggerPrice"] == "49000"
    assert _private(sim, "GET", "openOrders", {"symbol": BTC}) == []
    assert _private(sim, "GET", "allOrders", {"symbol": BTC}) == []
    for method, error in (("GET", -2013), ("DELETE", -2011)):
        with pytest.raises(ApiError) as raised:
            _private(sim, method, "order", {"symbol": BTC, "origClientOrderId": "s-1"})
        assert raised.value.code == error
    _private(sim, "DELETE", "allOpenOrders", {"symbol": BTC})  # regular orders only
    assert [a["algoId"] for a in _private(sim, "GET", "openAlgoOrders", {})] == [
        algo["algoId"]]
    assert [e["e"] for e in events] == ["ALGO_UPDATE"]
    assert events[0]["o"]["X"] == "NEW" and events[0]["o"]["caid"] == "s-1"
    with pytest.raises(ApiError) as raised:
        _private(sim, "POST", "algoOrder", {**STOP, "algoType": "VP", "triggerPrice": "1"})
    assert raised.value.code == -1130
    with pytest.raises(ApiError):
        _private(sim, "GET", "algoOrder", {})


async def test_a_trigger_sends_the_actual_order_and_finishes_the_algo_order(
    simulator_factory: Any
) -> None:
    sim = await simulator_factory(dialect="binance")
    _buy(sim)
    events = _events(sim)
    algo = _private(sim, "POST", "algoOrder", {
        **STOP, "algoType": "CONDITIONAL", "triggerPrice": "49000", "clientAlgoId": "s-2",
        "reduceOnly": "true"})
    sim.set_price(BTC, D("48900"))
    kinds = [(e["e"], e["o"]["X"]) for e in events if e["e"] != "ACCOUNT_UPDATE"]
    assert kinds == [
        ("ALGO_UPDATE", "NEW"), ("ALGO_UPDATE", "TRIGGERING"), ("ALGO_UPDATE", "TRIGGERED"),
        ("ORDER_TRADE_UPDATE", "NEW"), ("ORDER_TRADE_UPDATE", "FILLED"),
        ("ALGO_UPDATE", "FINISHED"),
    ]
    triggered = next(e["o"] for e in events if e["o"].get("X") == "TRIGGERED")
    actual = triggered["ai"]
    assert actual and actual != str(algo["algoId"]) and triggered["act"] == "MARKET"
    trade = next(e["o"] for e in events if e["e"] == "ORDER_TRADE_UPDATE")
    assert trade["c"] == "s-2" and str(trade["i"]) == actual  # same client id, own order id
    finished = _private(sim, "GET", "algoOrder", {"algoId": str(algo["algoId"])})
    assert finished["algoStatus"] == "FINISHED" and finished["actualOrderId"] == actual
    order = _private(sim, "GET", "order", {"symbol": BTC, "origClientOrderId": "s-2"})
    assert order["status"] == "FILLED" and str(order["orderId"]) == actual
    history = _private(sim, "GET", "allAlgoOrders", {"symbol": BTC})
    assert [a["algoStatus"] for a in history] == ["FINISHED"]


async def test_a_reduce_only_algo_order_without_a_position_is_rejected_at_the_trigger(
    simulator_factory: Any
) -> None:
    sim = await simulator_factory(dialect="binance")
    _buy(sim)
    _private(sim, "POST", "algoOrder", {
        **STOP, "algoType": "CONDITIONAL", "triggerPrice": "49000", "clientAlgoId": "s-3",
        "reduceOnly": "true"})
    _private(sim, "POST", "order", {"symbol": BTC, "side": "SELL", "type": "MARKET",
                                    "quantity": "0.01"})  # flat again
    events = _events(sim)
    sim.set_price(BTC, D("48900"))
    updates = [e["o"] for e in events if e["e"] == "ALGO_UPDATE"]
    assert [u["X"] for u in updates] == ["REJECTED"] and updates[0]["rm"]
    assert not [e for e in events if e["e"] == "ORDER_TRADE_UPDATE"]
    assert _private(sim, "GET", "algoOrder", {"clientAlgoId": "s-3"})["algoStatus"] == (
        "REJECTED")


async def test_ccxt_binanceusdm_places_a_stop_through_the_algo_endpoints(
    simulator_factory: Any
) -> None:
    """ccxt (4.5.90 here) routes a swap order with a trigger price to `POST algoOrder`
    (clientAlgoId, triggerPrice), fetches and cancels it with `trigger=True`."""
    ccxt = pytest.importorskip("ccxt.async_support")
    sim = await simulator_factory(dialect="binance", lenient=True)
    exchange = ccxt.binanceusdm({
        "apiKey": sim.account.api_key, "secret": sim.account.api_secret,
        "enableRateLimit": False, "options": {"fetchCurrencies": False},
    })
    for name in list(exchange.urls["api"]):
        if name.startswith("fapi"):
            version = {"V2": "v2", "V3": "v3"}.get(name[-2:], "v1")
            exchange.urls["api"][name] = f"{sim.rest_url}/fapi/{version}"
    symbol = "BTC/USDT:USDT"
    try:
        await exchange.load_markets()
        await exchange.create_order(symbol, "market", "buy", 0.01)
        stop = await exchange.create_order(symbol, "market", "sell", 0.01, None, {
            "stopLossPrice": 49000, "reduceOnly": True})
        assert stop["id"] and stop["status"] == "open" and stop["triggerPrice"] == 49000
        posted = [r for r in sim.request_log if r.method == "POST" and "algo" in r.path]
        assert [r.path for r in posted] == ["/fapi/v1/algoOrder"]
        assert posted[0].params["algoType"] == "CONDITIONAL"
        assert posted[0].params["type"] == "STOP_MARKET"
        assert posted[0].params["clientAlgoId"] == stop["clientOrderId"]
        listed = await exchange.fetch_open_orders(symbol, params={"trigger": True})
        assert [o["id"] for o in listed] == [stop["id"]]
        fetched = await exchange.fetch_order(stop["id"], symbol, {"trigger": True})
        assert fetched["status"] == "open" and fetched["clientOrderId"] == stop["clientOrderId"]
        await exchange.cancel_order(stop["id"], symbol, {"trigger": True})
        assert await exchange.fetch_open_orders(symbol, params={"trigger": True}) == []
    finally:
        await exchange.close()
    assert sim.orders_created(stop["clientOrderId"]) == 1


def _python_binance_stop(sim: SimulatedExchange) -> dict[str, Any]:
    from binance.client import Client

    client = Client(sim.account.api_key, sim.account.api_secret, ping=False)
    client.FUTURES_URL = sim.rest_url.rstrip("/") + "/fapi"
    client.futures_create_order(symbol=BTC, side="BUY", type="MARKET", quantity="0.01")
    placed = client.futures_create_order(symbol=BTC, side="SELL", type="STOP_MARKET",
                                         quantity="0.01", stopPrice="49000",
                                         reduceOnly="true", clientAlgoId="pb-stop")
    found = client.futures_get_algo_order(clientAlgoId="pb-stop")
    open_algo = client.futures_get_open_algo_orders(symbol=BTC)
    cancelled = client.futures_cancel_algo_order(clientAlgoId="pb-stop")
    return {"placed": placed, "found": found, "open": open_algo, "cancelled": cancelled}


async def test_python_binance_routes_a_stop_to_the_algo_endpoint(
    simulator_factory: Any
) -> None:
    """python-binance (1.0.37 here) sends a conditional `futures_create_order` to
    `POST algoOrder` (stopPrice renamed triggerPrice), a second referee for the dialect."""
    import asyncio

    pytest.importorskip("binance.client")
    sim = await simulator_factory(dialect="binance")
    result = await asyncio.get_running_loop().run_in_executor(None, _python_binance_stop, sim)
    assert result["placed"]["algoStatus"] == "NEW"
    assert result["placed"]["triggerPrice"] == "49000"
    assert result["found"]["clientAlgoId"] == "pb-stop"
    assert [o["clientAlgoId"] for o in result["open"]] == ["pb-stop"]
    assert result["cancelled"]["code"] == "200"
    assert _private(sim, "GET", "algoOrder", {"clientAlgoId": "pb-stop"})["algoStatus"] == (
        "CANCELED")
