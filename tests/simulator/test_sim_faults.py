"""Every fault kind, switched at runtime, plus the request log and the order ledger."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

ORDER = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
         "quantity": "0.001", "price": "40000"}


def _order(client_order_id: str) -> dict[str, str]:
    return {**ORDER, "newClientOrderId": client_order_id}


async def test_latency(simulator, client) -> None:
    simulator.faults.latency_ms = 150
    started = time.perf_counter()
    assert (await client.public("/fapi/v1/ping")).status == 200
    assert time.perf_counter() - started >= 0.15
    simulator.faults.reset()
    assert simulator.faults.latency_ms == 0


async def test_lost_response_after_execution(simulator, client) -> None:
    simulator.faults.drop_responses(count=1, path="order", method="POST")
    with pytest.raises(aiohttp.ClientError):
        await client.hmac("POST", "/fapi/v1/order", _order("lost-1"))
    assert simulator.orders_created("lost-1") == 1
    assert simulator.ledger["lost-1"] == 1
    assert simulator.request_log[-1].status == 0
    # the order is there: querying by client order id resolves the lost response
    found = await client.hmac("GET", "/fapi/v1/order",
                              {"symbol": "BTCUSDT", "origClientOrderId": "lost-1"})
    assert found.status == 200 and found.body["status"] == "NEW"
    # only one response was dropped
    assert (await client.hmac("POST", "/fapi/v1/order", _order("lost-2"))).status == 200


async def test_status_unknown_not_executed(simulator, client) -> None:
    simulator.faults.fail_requests(count=1, status=503, code=-1007, path="order", method="POST")
    reply = await client.hmac("POST", "/fapi/v1/order", _order("unknown-1"))
    assert (reply.status, reply.code) == (503, -1007)
    assert "execution status unknown" in reply.body["msg"]
    assert simulator.orders_created("unknown-1") == 0


async def test_status_unknown_but_executed(simulator, client) -> None:
    simulator.faults.fail_requests(count=2, status=503, execute=True, path="/fapi/v1/order")
    first = await client.hmac("POST", "/fapi/v1/order", _order("exec-1"))
    assert first.status == 503
    assert simulator.orders_created("exec-1") == 1
    second = await client.hmac("DELETE", "/fapi/v1/order",
                               {"symbol": "BTCUSDT", "origClientOrderId": "exec-1"})
    assert second.status == 503
    order = await client.hmac("GET", "/fapi/v1/order",
                              {"symbol": "BTCUSDT", "origClientOrderId": "exec-1"})
    assert order.body["status"] == "CANCELED"


async def test_other_server_errors(simulator, client) -> None:
    simulator.faults.fail_requests(count=1, status=500, code=-1000)
    reply = await client.public("/fapi/v1/ping")
    assert (reply.status, reply.code) == (500, -1000)
    simulator.faults.fail_requests(count=1, status=502, code=-1001, method="GET")
    reply = await client.public("/fapi/v1/time")
    assert (reply.status, reply.code) == (502, -1001)
    assert (await client.public("/fapi/v1/time")).status == 200


async def test_one_endpoint_down_others_serve(simulator_factory, make_client) -> None:
    sim = await simulator_factory(endpoints=3)
    assert len(set(sim.rest_urls)) == 3
    clients = [make_client(sim, endpoint=i) for i in range(3)]
    sim.faults.set_endpoint_down(0)
    with pytest.raises(aiohttp.ClientError):
        await clients[0].public("/fapi/v1/ping")
    placed = await clients[1].hmac("POST", "/fapi/v1/order", _order("multi-1"))
    assert placed.status == 200
    # the same venue and account behind every endpoint
    seen = await clients[2].hmac("GET", "/fapi/v1/order",
                                 {"symbol": "BTCUSDT", "origClientOrderId": "multi-1"})
    assert seen.status == 200
    assert [r.endpoint_index for r in list(sim.request_log)[-2:]] == [1, 2]
    sim.faults.set_endpoint_down(0, down=False)
    assert (await clients[0].public("/fapi/v1/ping")).status == 200


async def test_websocket_drop(simulator, http) -> None:
    ws = await http.ws_connect(simulator.ws_url + "/ws/btcusdt@markPrice")
    await asyncio.sleep(0.05)
    simulator.faults.drop_websockets()
    message = await ws.receive(timeout=2)
    assert message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR,
                            aiohttp.WSMsgType.CLOSE)
    await ws.close()


async def test_endpoint_down_drops_its_websockets(simulator_factory, http) -> None:
    sim = await simulator_factory(endpoints=2)
    down = await http.ws_connect(sim.ws_urls[1] + "/ws/btcusdt@markPrice")
    up = await http.ws_connect(sim.ws_urls[0] + "/ws/btcusdt@markPrice")
    await asyncio.sleep(0.05)
    sim.faults.set_endpoint_down(1)
    message = await down.receive(timeout=2)
    assert message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
    assert not up.closed
    with pytest.raises(aiohttp.ClientError):
        await http.ws_connect(sim.ws_urls[1] + "/ws/btcusdt@markPrice")
    await up.close()


async def test_request_log(simulator, client) -> None:
    await client.hmac("POST", "/fapi/v1/order", _order("log-1"))
    record = simulator.request_log[-1]
    assert (record.method, record.path, record.status) == ("POST", "/fapi/v1/order", 200)
    assert record.account_id == simulator.account.account_id
    assert record.params["newClientOrderId"] == "log-1"
    assert "signature" not in record.params
    assert record.endpoint_index == 0
    assert abs(record.time_ms - time.time() * 1000) < 5000
