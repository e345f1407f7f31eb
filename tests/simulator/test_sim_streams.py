"""listenKey lifecycle, the user-data stream and market streams over real WebSockets."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import aiohttp

ORDER = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
         "quantity": "0.001", "price": "40000", "newClientOrderId": "ws-1"}


async def _receive_until(ws: aiohttp.ClientWebSocketResponse, predicate: Any,
                         wait_seconds: float = 3.0) -> dict[str, Any]:
    async def loop() -> dict[str, Any]:
        while True:
            message = await ws.receive()
            if message.type != aiohttp.WSMsgType.TEXT:
                raise AssertionError(f"socket ended: {message}")
            event = message.json()
            if predicate(event):
                return event

    return await asyncio.wait_for(loop(), wait_seconds)


async def test_listen_key_lifecycle(client) -> None:
    first = await client.hmac("POST", "/fapi/v1/listenKey")
    key = first.body["listenKey"]
    again = await client.hmac("POST", "/fapi/v1/listenKey")
    assert again.body["listenKey"] == key  # one active key per account
    kept = await client.hmac("PUT", "/fapi/v1/listenKey")
    assert kept.status == 200
    assert (await client.hmac("DELETE", "/fapi/v1/listenKey")).status == 200
    gone = await client.hmac("PUT", "/fapi/v1/listenKey")
    assert (gone.status, gone.code) == (400, -1125)
    # v1 user-stream endpoints need the API key only
    unsigned = await client.hmac("POST", "/fapi/v1/listenKey", sign=False)
    assert unsigned.status == 200
    assert (await client.hmac("POST", "/fapi/v1/listenKey", send_key=False)).code == -2014


async def test_user_stream_order_events(simulator, client, http) -> None:
    key = (await client.hmac("POST", "/fapi/v1/listenKey")).body["listenKey"]
    ws = await http.ws_connect(f"{simulator.ws_url}/ws/{key}")
    placed = await client.hmac("POST", "/fapi/v1/order", ORDER)
    assert placed.status == 200, placed.body
    event = await _receive_until(ws, lambda e: e.get("e") == "ORDER_TRADE_UPDATE")
    order = event["o"]
    assert (order["c"], order["X"], order["x"], order["s"]) == ("ws-1", "NEW", "NEW", "BTCUSDT")
    assert "E" in event and "T" in event
    simulator.fill_order("BTCUSDT", client_order_id="ws-1")
    filled = await _receive_until(
        ws, lambda e: e.get("e") == "ORDER_TRADE_UPDATE" and e["o"]["X"] == "FILLED"
    )
    assert filled["o"]["z"] == "0.001"
    account = await _receive_until(ws, lambda e: e.get("e") == "ACCOUNT_UPDATE")
    assert account["a"]["B"] and account["a"]["P"]
    await ws.close()


async def test_v3_listen_key_stream(simulator, client, http) -> None:
    key = (await client.v3("POST", "/fapi/v3/listenKey")).body["listenKey"]
    ws = await http.ws_connect(f"{simulator.ws_url}/ws/{key}")
    placed = await client.v3("POST", "/fapi/v3/order", {**ORDER, "newClientOrderId": "ws-3"})
    assert placed.status == 200, placed.body
    event = await _receive_until(ws, lambda e: e.get("e") == "ORDER_TRADE_UPDATE")
    assert event["o"]["c"] == "ws-3"
    await ws.close()


async def test_listen_key_expiry(simulator_factory, make_client, http) -> None:
    sim = await simulator_factory(listen_key_ttl=0.3)
    client = make_client(sim)
    key = (await client.hmac("POST", "/fapi/v1/listenKey")).body["listenKey"]
    ws = await http.ws_connect(f"{sim.ws_url}/ws/{key}")
    event = await _receive_until(ws, lambda e: e.get("e") == "listenKeyExpired")
    assert event["listenKey"] == key
    closing = await ws.receive(timeout=2)
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert (await client.hmac("PUT", "/fapi/v1/listenKey")).code == -1125


async def test_keepalive_postpones_expiry(simulator_factory, make_client) -> None:
    sim = await simulator_factory(listen_key_ttl=1.0)
    client = make_client(sim)
    key = (await client.hmac("POST", "/fapi/v1/listenKey")).body["listenKey"]
    for _ in range(5):  # 1.5 s in all, well past the TTL, each keepalive well within it
        await asyncio.sleep(0.3)
        assert (await client.hmac("PUT", "/fapi/v1/listenKey")).body["listenKey"] == key


async def test_unknown_listen_key_is_refused(simulator, http) -> None:
    ws = await http.ws_connect(f"{simulator.ws_url}/ws/notakey")
    message = await ws.receive(timeout=2)
    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_market_streams_raw_and_combined(simulator, http) -> None:
    raw = await http.ws_connect(simulator.ws_url + "/ws/btcusdt@markPrice")
    combined = await http.ws_connect(
        simulator.ws_url + "/stream?streams=btcusdt@markPrice@1s/ethusdt@bookTicker"
    )
    await asyncio.sleep(0.05)
    simulator.set_price("BTCUSDT", Decimal("51000"))
    simulator.set_price("ETHUSDT", Decimal("3100"))
    mark = await _receive_until(raw, lambda e: e.get("e") == "markPriceUpdate")
    assert mark["s"] == "BTCUSDT" and Decimal(mark["p"]) > 0
    wrapped = await _receive_until(combined, lambda e: e.get("stream") == "btcusdt@markPrice")
    assert wrapped["data"]["e"] == "markPriceUpdate"
    book = await _receive_until(combined, lambda e: e.get("stream") == "ethusdt@bookTicker")
    assert book["data"]["s"] == "ETHUSDT" and "b" in book["data"] and "a" in book["data"]
    await raw.close()
    await combined.close()


async def test_subscribe_messages_and_agg_trades(simulator, client, http) -> None:
    ws = await http.ws_connect(simulator.ws_url + "/ws")
    await ws.send_json({"method": "SUBSCRIBE", "params": ["btcusdt@aggTrade"], "id": 1})
    assert await _receive_until(ws, lambda e: e.get("id") == 1) == {"result": None, "id": 1}
    await ws.send_json({"method": "LIST_SUBSCRIPTIONS", "id": 2})
    listed = await _receive_until(ws, lambda e: e.get("id") == 2)
    assert listed["result"] == ["btcusdt@aggTrade"]
    market = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"}
    assert (await client.hmac("POST", "/fapi/v1/order", market)).status == 200
    trade = await _receive_until(ws, lambda e: e.get("e") == "aggTrade")
    assert trade["s"] == "BTCUSDT" and Decimal(trade["q"]) > 0
    await ws.send_json({"method": "UNSUBSCRIBE", "params": ["btcusdt@aggTrade"], "id": 3})
    assert (await _receive_until(ws, lambda e: e.get("id") == 3))["result"] is None
    await ws.close()
