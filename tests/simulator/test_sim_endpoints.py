"""Every REST endpoint family answers under its paths, with both auth schemes; same seed,
same prices and fills."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest

from execution.simulator import SimulatedExchange
from execution.simulator.endpoints import ENDPOINTS, Auth, Router, Security

PUBLIC = [
    ("ping", {}), ("time", {}), ("exchangeInfo", {}),
    ("depth", {"symbol": "BTCUSDT", "limit": 5}), ("trades", {"symbol": "BTCUSDT"}),
    ("klines", {"symbol": "BTCUSDT", "interval": "1m", "limit": 3}),
    ("premiumIndex", {"symbol": "BTCUSDT"}), ("ticker/price", {"symbol": "BTCUSDT"}),
    ("ticker/bookTicker", {"symbol": "ETHUSDT"}), ("ticker/24hr", {"symbol": "SOLUSDT"}),
]


@pytest.mark.parametrize("version", ["v1", "v3"])
@pytest.mark.parametrize(("name", "params"), PUBLIC, ids=[n for n, _ in PUBLIC])
async def test_public_endpoints(client, version, name, params) -> None:
    reply = await client.public(f"/fapi/{version}/{name}", **params)
    assert reply.status == 200, reply.body
    assert isinstance(reply.body, dict | list)


async def test_public_payload_shapes(client) -> None:
    depth = (await client.public("/fapi/v1/depth", symbol="BTCUSDT", limit=5)).body
    assert len(depth["bids"]) == 5 and len(depth["asks"]) == 5
    assert Decimal(depth["bids"][0][0]) < Decimal(depth["asks"][0][0])
    mark = (await client.public("/fapi/v1/premiumIndex", symbol="BTCUSDT")).body
    assert mark["symbol"] == "BTCUSDT" and Decimal(mark["markPrice"]) > 0
    unknown = await client.public("/fapi/v1/ticker/price", symbol="NOPE")
    assert (unknown.status, unknown.code) == (400, -1121)


def _signed_calls(version_account: str, account_path: str) -> list[tuple[str, str, dict]]:
    return [
        ("GET", f"/fapi/{version_account}/balance", {}),
        ("GET", account_path, {}),
        ("GET", f"/fapi/{version_account}/positionRisk", {"symbol": "BTCUSDT"}),
        ("POST", "/fapi/{v}/leverage", {"symbol": "BTCUSDT", "leverage": 5}),
        ("POST", "/fapi/{v}/marginType", {"symbol": "ETHUSDT", "marginType": "ISOLATED"}),
        ("GET", "/fapi/{v}/positionSide/dual", {}),
        ("POST", "/fapi/{v}/positionSide/dual", {"dualSidePosition": "true"}),
        ("POST", "/fapi/{v}/positionSide/dual", {"dualSidePosition": "false"}),
        ("GET", "/fapi/{v}/leverageBracket", {"symbol": "BTCUSDT"}),
        ("GET", "/fapi/{v}/openOrders", {}),
        ("GET", "/fapi/{v}/allOrders", {"symbol": "BTCUSDT"}),
        ("GET", "/fapi/{v}/userTrades", {"symbol": "BTCUSDT"}),
        ("GET", "/fapi/{v}/income", {}),
        ("DELETE", "/fapi/{v}/allOpenOrders", {"symbol": "BTCUSDT"}),
    ]


@pytest.mark.parametrize("scheme", ["hmac", "v3"])
async def test_signed_account_endpoints(client, scheme) -> None:
    version = "v1" if scheme == "hmac" else "v3"
    # the documented paths: v1 document (balance/positionRisk under v2, account under v4),
    # v3 document (account information is accountWithJoinMargin)
    calls = (_signed_calls("v2", "/fapi/v4/account") if scheme == "hmac"
             else _signed_calls("v3", "/fapi/v3/accountWithJoinMargin"))
    for method, path, params in calls:
        path = path.replace("{v}", version)
        send = client.hmac if scheme == "hmac" else client.v3
        reply = await send(method, path, params)
        assert reply.status == 200, (method, path, reply.body)
    again = await send("POST", f"/fapi/{version}/positionSide/dual",
                       {"dualSidePosition": "false"})
    assert (again.status, again.code) == (400, -4059)  # no change: the exchange's answer


@pytest.mark.parametrize("scheme", ["hmac", "v3"])
async def test_order_endpoints(simulator, client, scheme) -> None:
    version = "v1" if scheme == "hmac" else "v3"
    send = client.hmac if scheme == "hmac" else client.v3
    base = f"/fapi/{version}"
    price = (simulator.mark_price("BTCUSDT") * Decimal("0.9")).quantize(Decimal("0.1"))
    limit = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
             "quantity": "0.002", "price": str(price), "newClientOrderId": f"{scheme}-a"}
    placed = await send("POST", base + "/order", limit)
    assert placed.status == 200, placed.body
    assert placed.body["clientOrderId"] == f"{scheme}-a" and placed.body["status"] == "NEW"
    by_id = await send("GET", base + "/order",
                       {"symbol": "BTCUSDT", "orderId": placed.body["orderId"]})
    assert by_id.body["clientOrderId"] == f"{scheme}-a"
    one = await send("GET", base + "/openOrder",
                     {"symbol": "BTCUSDT", "origClientOrderId": f"{scheme}-a"})
    assert one.status == 200 and one.body["orderId"] == placed.body["orderId"]
    new_price = str(price - Decimal("10"))
    # modify is documented under v3 only, and without `side`
    modified = await client.v3("PUT", "/fapi/v3/order",
                               {"symbol": "BTCUSDT", "orderId": placed.body["orderId"],
                                "quantity": "0.002", "price": new_price})
    assert modified.status == 200, modified.body
    assert Decimal(modified.body["price"]) == Decimal(new_price)
    batch = [
        {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
         "quantity": "0.002", "price": str(price), "newClientOrderId": f"{scheme}-b{i}"}
        for i in range(2)
    ]
    batched = await send("POST", base + "/batchOrders",
                         {"batchOrders": json.dumps(batch, separators=(",", ":"))})
    assert batched.status == 200 and len(batched.body) == 2, batched.body
    listed = await send("GET", base + "/openOrders", {"symbol": "BTCUSDT"})
    assert {o["clientOrderId"] for o in listed.body} == {f"{scheme}-a", f"{scheme}-b0",
                                                        f"{scheme}-b1"}
    canceled = await send("DELETE", base + "/order",
                          {"symbol": "BTCUSDT", "origClientOrderId": f"{scheme}-a"})
    assert canceled.body["status"] == "CANCELED"
    ids = [o["orderId"] for o in batched.body]
    batch_cancel = await send("DELETE", base + "/batchOrders",
                              {"symbol": "BTCUSDT", "orderIdList": json.dumps(ids)})
    assert batch_cancel.status == 200 and len(batch_cancel.body) == 2
    unknown = await send("DELETE", base + "/order", {"symbol": "BTCUSDT", "orderId": 999999})
    assert unknown.code == -2011
    missing = await send("GET", base + "/order", {"symbol": "BTCUSDT", "orderId": 999999})
    assert missing.code == -2013
    all_orders = await send("GET", base + "/allOrders", {"symbol": "BTCUSDT"})
    assert len(all_orders.body) == 3


async def test_noop_and_unknown_paths(client) -> None:
    assert (await client.v3("POST", "/fapi/v3/noop")).status == 200
    assert (await client.public("/fapi/v9/ping")).status == 404
    assert (await client.public("/fapi/v1/doesNotExist")).status == 404
    assert (await client.send("PATCH", "/fapi/v1/order")).status == 404
    assert (await client.public("/")).status == 404


def test_endpoint_table() -> None:
    strict, lenient = Router(), Router(lenient=True)
    route = strict.resolve("POST", "/fapi/v1/order")
    assert route is not None and route.endpoint is ENDPOINTS[("POST", "order")]
    assert route.auth is Auth.HMAC and route.version == "v1"
    assert strict.resolve("POST", "/fapi/v3/order").auth is Auth.EIP712  # type: ignore[union-attr]
    assert strict.resolve("GET", "/fapi/v2/positionRisk") is not None
    assert strict.resolve("GET", "/fapi/v1/ticker/price") is not None
    assert strict.resolve("GET", "/sapi/v1/order") is None
    # Binance-style paths the venue's docs lack: lenient only
    for method, path in (("GET", "/fapi/v2/account"), ("PUT", "/fapi/v1/order"),
                         ("GET", "/fapi/v3/account"), ("POST", "/fapi/v1/noop")):
        assert strict.resolve(method, path) is None
        assert lenient.resolve(method, path) is not None
    assert ENDPOINTS[("POST", "listenKey")].security is Security.USER_STREAM
    assert ENDPOINTS[("GET", "openOrders")].weight_for({}) == 40
    assert ENDPOINTS[("GET", "openOrders")].weight_for({"symbol": "X"}) == 1
    assert ENDPOINTS[("GET", "depth")].weight_for({"limit": "1000"}) == 20


async def _trace(seed: int) -> tuple[list[Decimal], str]:
    async with SimulatedExchange(seed=seed) as sim:
        prices = []
        for _ in range(20):
            sim.step()
            prices.append(sim.mark_price("BTCUSDT"))
        fill = sim.engine.private(sim.account.account_id, "POST", "order", {
            "symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.05",
            "newOrderRespType": "RESULT"})
        return prices, fill["avgPrice"]


async def test_same_seed_same_prices_and_fills() -> None:
    first, second, other = await _trace(11), await _trace(11), await _trace(12)
    assert first == second
    assert first[0] != other[0]


async def test_auto_tick_moves_prices(simulator_factory) -> None:
    sim = await simulator_factory(auto_tick=True, tick_interval=0.01)
    before = sim.mark_price("BTCUSDT")
    for _ in range(100):
        await asyncio.sleep(0.02)
        if sim.mark_price("BTCUSDT") != before:
            break
    assert sim.mark_price("BTCUSDT") != before


async def test_fill_order_partially_then_fully(simulator, client) -> None:
    price = (simulator.mark_price("BTCUSDT") * Decimal("0.9")).quantize(Decimal("0.1"))
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
             "quantity": "0.010", "price": str(price), "newClientOrderId": "part-1"}
    assert (await client.hmac("POST", "/fapi/v1/order", order)).status == 200
    simulator.fill_order("BTCUSDT", client_order_id="part-1", quantity=Decimal("0.004"))
    query = {"symbol": "BTCUSDT", "origClientOrderId": "part-1"}
    partial = (await client.hmac("GET", "/fapi/v1/order", query)).body
    assert partial["status"] == "PARTIALLY_FILLED"
    assert Decimal(partial["executedQty"]) == Decimal("0.004")
    simulator.fill_order("BTCUSDT", client_order_id="part-1")
    assert (await client.hmac("GET", "/fapi/v1/order", query)).body["status"] == "FILLED"
