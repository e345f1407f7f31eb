"""Strategy orders and self-trade prevention over HTTP and the user-data stream: the legs
are orders like any other (openOrders, ORDER_TRADE_UPDATE), the strategy queries follow
them, and the CHANGELOG's query paths answer only when lenient."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import aiohttp

from execution.simulator import SimulatedExchange

from .ws import receive_until

SYMBOL = "BTCUSDT"


def _otoco(price: Decimal, take: Decimal) -> dict[str, str]:
    common = {"securityType": "USDT_FUTURES", "symbol": SYMBOL}
    return {"strategyType": "OTOCO", "clientStrategyId": "bracket-1", "subOrderList": json.dumps([
        {**common, "strategySubId": 1, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
         "quantity": "0.002", "price": str(price), "clientOrderId": "entry-1"},
        {**common, "strategySubId": 2, "side": "SELL", "type": "TAKE_PROFIT_MARKET",
         "stopPrice": str(take), "closePosition": True, "clientOrderId": "tp-1"},
        {**common, "strategySubId": 3, "side": "SELL", "type": "STOP_MARKET",
         "stopPrice": str(price - 500), "closePosition": True, "clientOrderId": "sl-1"},
    ])}


async def test_an_otoco_bracket_over_http_and_the_stream(
    simulator: SimulatedExchange, client: Any, http: aiohttp.ClientSession,
) -> None:
    key = (await client.v3("POST", "/fapi/v3/listenKey")).body["listenKey"]
    ws = await http.ws_connect(f"{simulator.ws_url}/ws/{key}")
    mark = simulator.mark_price(SYMBOL)
    price = (mark * Decimal("0.95")).quantize(Decimal("0.1"))
    take = (mark * Decimal("1.05")).quantize(Decimal("0.1"))  # above the market
    placed = await client.v3("POST", "/fapi/v3/placeStrategyOrder", _otoco(price, take))
    assert placed.status == 200, placed.body
    assert (placed.body["strategyStatus"], placed.body["clientStrategyId"]) == (
        "WORKING", "bracket-1")
    entry_event = await receive_until(ws, lambda e: e.get("e") == "ORDER_TRADE_UPDATE")
    assert (entry_event["o"]["c"], entry_event["o"]["X"]) == ("entry-1", "NEW")

    query = {"clientStrategyId": "bracket-1", "strategyType": "OTOCO"}
    view = await client.v3("GET", "/fapi/v3/strategyOpenOrder", query)
    assert [s["status"] for s in view.body["subOrders"]] == ["NEW", "PENDING_NEW",
                                                             "PENDING_NEW"]
    simulator.fill_order(SYMBOL, client_order_id="entry-1")
    for client_id in ("tp-1", "sl-1"):  # both exits placed once the entry filled
        event = await receive_until(ws, lambda e, c=client_id: e.get("e") ==
                                     "ORDER_TRADE_UPDATE" and e["o"]["c"] == c)
        assert event["o"]["X"] == "NEW"
    open_orders = await client.v3("GET", "/fapi/v3/openOrders", {"symbol": SYMBOL})
    assert sorted(o["clientOrderId"] for o in open_orders.body) == ["sl-1", "tp-1"]

    cancelled = await client.v3("DELETE", "/fapi/v3/order",
                                {"symbol": SYMBOL, "origClientOrderId": "sl-1"})
    assert cancelled.status == 200, cancelled.body
    history = await client.v3("GET", "/fapi/v3/strategyHistoryOrder", query)
    assert [s["status"] for s in history.body["subOrders"]] == ["FILLED", "NEW", "CANCELED"]
    assert history.body["strategyStatus"] == "WORKING"  # the take-profit still protects
    await ws.close()


async def test_the_changelog_query_paths_are_lenient_aliases(
    simulator_factory: Any, make_client: Any, client: Any
) -> None:
    query = {"strategyId": "1", "strategyType": "OTO"}
    assert (await client.v3("GET", "/fapi/v3/strategyOrder", query)).status == 404
    lenient = make_client(await simulator_factory(lenient=True))
    for path in ("/fapi/v3/strategyOrder", "/fapi/v3/strategyOrder/history"):
        assert (await lenient.v3("GET", path, query)).code == -2013  # answered, none such


async def test_stp_mode_over_http(simulator: SimulatedExchange, client: Any) -> None:
    assert (await client.v3("GET", "/fapi/v3/stpMode")).body == {"stpMode": "EXPIRE_TAKER"}
    changed = await client.v3("POST", "/fapi/v3/stpMode", {"stpMode": "EXPIRE_BOTH"})
    assert changed.body == {"code": 200, "msg": "success"}
    assert (await client.v3("GET", "/fapi/v3/stpMode")).body == {"stpMode": "EXPIRE_BOTH"}
    refused = await client.v3("POST", "/fapi/v3/order", {
        "symbol": SYMBOL, "side": "BUY", "type": "MARKET", "quantity": "0.002",
        "stpMode": "NONE"})
    assert refused.code == -1130
