"""listenKey lifecycle, the user-data stream and market streams over real WebSockets."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from execution.simulator.engine.stream_names import parse as parse_stream

from .ws import receive_until

ORDER = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
         "quantity": "0.001", "price": "40000", "newClientOrderId": "ws-1"}


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
    event = await receive_until(ws, lambda e: e.get("e") == "ORDER_TRADE_UPDATE")
    order = event["o"]
    assert (order["c"], order["X"], order["x"], order["s"]) == ("ws-1", "NEW", "NEW", "BTCUSDT")
    assert "E" in event and "T" in event
    simulator.fill_order("BTCUSDT", client_order_id="ws-1")
    filled = await receive_until(
        ws, lambda e: e.get("e") == "ORDER_TRADE_UPDATE" and e["o"]["X"] == "FILLED"
    )
    assert filled["o"]["z"] == "0.001"
    account = await receive_until(ws, lambda e: e.get("e") == "ACCOUNT_UPDATE")
    assert account["a"]["B"] and account["a"]["P"]
    await ws.close()


async def test_v3_listen_key_stream(simulator, client, http) -> None:
    key = (await client.v3("POST", "/fapi/v3/listenKey")).body["listenKey"]
    ws = await http.ws_connect(f"{simulator.ws_url}/ws/{key}")
    placed = await client.v3("POST", "/fapi/v3/order", {**ORDER, "newClientOrderId": "ws-3"})
    assert placed.status == 200, placed.body
    event = await receive_until(ws, lambda e: e.get("e") == "ORDER_TRADE_UPDATE")
    assert event["o"]["c"] == "ws-3"
    await ws.close()


async def test_listen_key_expiry(simulator_factory, make_client, http) -> None:
    sim = await simulator_factory(listen_key_ttl=0.3)
    client = make_client(sim)
    key = (await client.hmac("POST", "/fapi/v1/listenKey")).body["listenKey"]
    ws = await http.ws_connect(f"{sim.ws_url}/ws/{key}")
    event = await receive_until(ws, lambda e: e.get("e") == "listenKeyExpired")
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
    simulator.set_price("BTCUSDT", Decimal("51000"))
    simulator.set_price("ETHUSDT", Decimal("3100"))
    mark = await receive_until(raw, lambda e: e.get("e") == "markPriceUpdate", 10)
    assert mark["s"] == "BTCUSDT" and Decimal(mark["p"]) > 0
    book = await receive_until(combined, lambda e: e.get("stream") == "ethusdt@bookTicker", 10)
    assert book["data"]["s"] == "ETHUSDT" and "b" in book["data"] and "a" in book["data"]
    # labelled as subscribed: the 1-second stream is not the 3-second one
    wrapped = await receive_until(combined, lambda e: e.get("stream") == "btcusdt@markPrice@1s"
                                   and e["data"]["p"] == "51000", 10)
    assert wrapped["data"]["e"] == "markPriceUpdate"
    await raw.close()
    await combined.close()


def test_update_speeds_are_the_documented_ones() -> None:
    """The docs' "Update Speed" of each stream (None: real time)."""
    speeds = {
        "btcusdt@aggTrade": None, "btcusdt@tradepro": None, "btcusdt@bookTicker": None,
        "!bookTicker": None, "btcusdt@markPrice": 3000, "btcusdt@markPrice@1s": 1000,
        "!markPrice@arr": 3000, "!markPrice@arr@1s": 1000, "btcusdt@kline_1M": 250,
        "btcusdt@miniTicker": 500, "!miniTicker@arr": 1000, "btcusdt@ticker": 500,
        "!ticker@arr": 1000, "btcusdt@forceOrder": 1000, "!forceOrder@arr": 1000,
        "btcusdt@depth5": 250, "btcusdt@depth10@500ms": 500, "btcusdt@depth20@100ms": 100,
        "btcusdt@depth": 250, "btcusdt@depth@500ms": 500, "btcusdt@depth@100ms": 100,
    }
    for name, speed in speeds.items():
        parsed = parse_stream(name)
        assert parsed is not None and parsed.interval_ms == speed, name
    for wrong in ("btcusdt@depth7", "btcusdt@kline_2m", "btcusdt@depth@250ms", "!ticker",
                  "btcusdt@trade"):
        assert parse_stream(wrong) is None, wrong
    assert parse_stream("BTCUSDT@aggTrade").name == "btcusdt@aggTrade"  # type: ignore[union-attr]


class _LocalBook:
    """The docs' "How to manage a local order book correctly", step by step."""

    def __init__(self) -> None:
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}
        self.last_u: int | None = None
        self.restarts = 0

    def load(self, snapshot: dict[str, Any]) -> None:  # step 3
        self.bids = {Decimal(p): Decimal(q) for p, q in snapshot["bids"]}
        self.asks = {Decimal(p): Decimal(q) for p, q in snapshot["asks"]}
        self.snapshot_id = snapshot["lastUpdateId"]
        self.last_u = None

    def apply(self, event: dict[str, Any]) -> bool:
        """False when the process must start again from step 3."""
        if self.last_u is None:
            if event["u"] < self.snapshot_id:  # step 4
                return True
            # step 5
            assert event["U"] <= self.snapshot_id <= event["u"], (event, self.snapshot_id)
        elif event["pu"] != self.last_u:  # step 6
            self.restarts += 1
            return False
        for side, levels in ((self.bids, event["b"]), (self.asks, event["a"])):
            for price, quantity in levels:  # steps 7, 8, 9
                if Decimal(quantity) == 0:
                    side.pop(Decimal(price), None)
                else:
                    side[Decimal(price)] = Decimal(quantity)
        self.last_u = event["u"]
        return True


@pytest.mark.parametrize("depth_path", ["/fapi/v1/depth", "/fapi/v3/depth"])  # v1, v3 docs
async def test_local_order_book_kept_by_the_docs_recipe_equals_a_fresh_snapshot(
    simulator_factory, make_client, http, depth_path
) -> None:
    # levels refill slowly here (an hour), so a snapshot and the stream agree for a while
    simulator = await simulator_factory(book_refill_ms=3_600_000)
    client = make_client(simulator)
    ws = await http.ws_connect(simulator.ws_url + "/stream?streams=btcusdt@depth")  # step 1
    buffered: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def buffer() -> None:  # step 2
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                buffered.put_nowait(message.json()["data"])

    reader = asyncio.create_task(buffer())
    local = _LocalBook()
    snapshot = await client.public(depth_path, symbol="BTCUSDT", limit=1000)
    local.load(snapshot.body)

    async def catch_up(until: int) -> None:
        while local.last_u is None or local.last_u < until:
            event = await asyncio.wait_for(buffered.get(), 10)
            if not local.apply(event):
                local.load((await client.public(depth_path, symbol="BTCUSDT",
                                                limit=1000)).body)

    try:
        for side, quantity in (("BUY", "1.5"), ("SELL", "2.5"), ("BUY", "0.3")):
            placed = await client.hmac("POST", "/fapi/v1/order", {
                "symbol": "BTCUSDT", "side": side, "type": "MARKET", "quantity": quantity})
            assert placed.status == 200, placed.body
        simulator.step(3)
        placed = await client.hmac("POST", "/fapi/v1/order", {
            "symbol": "BTCUSDT", "side": "SELL", "type": "MARKET", "quantity": "1.2"})
        assert placed.status == 200, placed.body
        for _attempt in range(5):  # the stream's event may also carry a later refill
            fresh = (await client.public(depth_path, symbol="BTCUSDT", limit=1000)).body
            await catch_up(fresh["lastUpdateId"])
            if local.last_u == fresh["lastUpdateId"]:
                break
        expected_bids = {Decimal(p): Decimal(q) for p, q in fresh["bids"]}
        expected_asks = {Decimal(p): Decimal(q) for p, q in fresh["asks"]}
        # quantities come back over time: compare with the fresh snapshot's moment
        assert sorted(local.bids) == sorted(expected_bids)
        assert sorted(local.asks) == sorted(expected_asks)
        assert local.bids == expected_bids and local.asks == expected_asks
        assert min(local.asks) > max(local.bids)
        assert any(q < 1 for q in local.bids.values())  # the last sell took liquidity
    finally:
        reader.cancel()
        await ws.close()


async def test_live_subscription_methods_and_the_combined_property(simulator, client,
                                                                  http) -> None:
    ws = await http.ws_connect(simulator.ws_url + "/ws")
    await ws.send_json({"method": "GET_PROPERTY", "params": ["combined"], "id": 1})
    assert await receive_until(ws, lambda e: e.get("id") == 1) == {"result": False, "id": 1}
    await ws.send_json({"method": "SUBSCRIBE", "params": ["BTCUSDT@aggTrade",
                                                          "btcusdt@depth"], "id": 2})
    assert await receive_until(ws, lambda e: e.get("id") == 2) == {"result": None, "id": 2}
    await ws.send_json({"method": "UNSUBSCRIBE", "params": ["btcusdt@depth"], "id": 3})
    assert await receive_until(ws, lambda e: e.get("id") == 3) == {"result": None, "id": 3}
    await ws.send_json({"method": "LIST_SUBSCRIPTIONS", "id": 4})
    assert (await receive_until(ws, lambda e: e.get("id") == 4))["result"] == [
        "btcusdt@aggTrade"]
    await ws.send_json({"method": "SET_PROPERTY", "params": ["combined", True], "id": 5})
    assert await receive_until(ws, lambda e: e.get("id") == 5) == {"result": None, "id": 5}
    await ws.send_json({"method": "GET_PROPERTY", "params": ["combined"], "id": 6})
    assert (await receive_until(ws, lambda e: e.get("id") == 6))["result"] is True
    market = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"}
    assert (await client.hmac("POST", "/fapi/v1/order", market)).status == 200
    wrapped = await receive_until(ws, lambda e: e.get("stream") == "btcusdt@aggTrade")
    assert wrapped["data"]["e"] == "aggTrade"  # combined payloads on a raw connection
    await ws.close()


async def test_combined_off_on_a_stream_connection_sends_raw_payloads(simulator, client,
                                                                      http) -> None:
    ws = await http.ws_connect(simulator.ws_url + "/stream?streams=btcusdt@aggTrade")
    await ws.send_json({"method": "GET_PROPERTY", "params": ["combined"], "id": 1})
    assert (await receive_until(ws, lambda e: e.get("id") == 1))["result"] is True
    await ws.send_json({"method": "SET_PROPERTY", "params": ["combined", False], "id": 2})
    assert await receive_until(ws, lambda e: e.get("id") == 2) == {"result": None, "id": 2}
    market = {"symbol": "BTCUSDT", "side": "SELL", "type": "MARKET", "quantity": "0.01"}
    assert (await client.hmac("POST", "/fapi/v1/order", market)).status == 200
    trade = await receive_until(ws, lambda e: "stream" in e or e.get("e") == "aggTrade")
    assert trade.get("e") == "aggTrade" and "stream" not in trade
    await ws.close()


async def test_live_requests_get_the_documented_error_answers(simulator, http) -> None:
    ws = await http.ws_connect(simulator.ws_url + "/ws")
    methods = "`SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY`"
    cases: list[tuple[str, int, str]] = [
        ('{"method": "SET_PROPERTY", "params": ["colour", true], "id": 1}', 0,
         "Unknown property"),
        ('{"method": "GET_PROPERTY", "params": ["speed"], "id": 1}', 0, "Unknown property"),
        ('{"method": "SET_PROPERTY", "params": ["combined", "yes"], "id": 1}', 1,
         "Invalid value type: expected Boolean"),
        ('{"method": "GET_PROPERTY", "params": [7], "id": 1}', 2,
         "Invalid request: property name must be a string"),
        ('{"method": "GET_PROPERTY", "params": [], "id": 1}', 2,
         "Invalid request: property name must be a string"),
        ('{"method": "SUBSCRIBE", "params": ["btcusdt@aggTrade"], "id": "one"}', 2,
         "Invalid request: request ID must be an unsigned integer"),
        ('{"method": "SUBSCRIBE", "params": ["btcusdt@aggTrade"], "id": -1}', 2,
         "Invalid request: request ID must be an unsigned integer"),
        ('{"method": "SUBSCRIBE", "params": ["btcusdt@aggTrade"]}', 2,
         "Invalid request: request ID must be an unsigned integer"),
        ('{"method": "SUBSCRIB", "params": [], "id": 1}', 2,
         f"Invalid request: unknown variant `SUBSCRIB`, expected one of {methods} at line 1 "
         "column 28"),
        ('{"method": "GET_PROPERTY", "params": ["combined", true], "id": 1}', 2,
         "Invalid request: too many parameters"),
        ('{"method": "LIST_SUBSCRIPTIONS", "params": ["x"], "id": 1}', 2,
         "Invalid request: too many parameters"),
        ('{"params": ["btcusdt@aggTrade"], "id": 1}', 2,
         "Invalid request: missing field `method` at line 1 column 41"),
        ('{"method": "SUBSCRIBE", "params": ["btcusdt@depth7"], "id": 1}', 2,
         "Invalid request: invalid stream"),
        ('{"method": "SUBSCRIBE", "params": ["btcusdt@aggTrade"], "id": 1', 3,
         "Invalid JSON: expected value at line 1 column 64"),
    ]
    for text, code, msg in cases:
        await ws.send_str(text)
        answer = await receive_until(ws, lambda e: "error" in e)
        assert answer["error"] == {"code": code, "msg": msg}, text
        await asyncio.sleep(0.11)  # under the 10 messages a second
    await ws.send_json({"method": "LIST_SUBSCRIPTIONS", "id": 9})
    assert (await receive_until(ws, lambda e: e.get("id") == 9))["result"] == []
    await ws.close()


async def test_a_connection_over_the_documented_limits_is_closed(simulator, http) -> None:
    ws = await http.ws_connect(simulator.ws_url + "/ws")
    for index in range(12):  # more than 10 messages in a second
        await ws.send_json({"method": "LIST_SUBSCRIPTIONS", "id": index})
    ended = await _receive_until_closed(ws)
    assert ended
    too_many = "/".join(f"sym{i}usdt@aggTrade" for i in range(201))
    refused = await http.ws_connect(simulator.ws_url + "/stream?streams=" + too_many)
    assert await _receive_until_closed(refused)


async def _receive_until_closed(ws: aiohttp.ClientWebSocketResponse) -> bool:
    async def loop() -> bool:
        while True:
            message = await ws.receive()
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                                aiohttp.WSMsgType.CLOSING):
                return True
    return await asyncio.wait_for(loop(), 10)


async def test_subscribe_messages_and_agg_trades(simulator, client, http) -> None:
    ws = await http.ws_connect(simulator.ws_url + "/ws")
    await ws.send_json({"method": "SUBSCRIBE", "params": ["btcusdt@aggTrade"], "id": 1})
    assert await receive_until(ws, lambda e: e.get("id") == 1) == {"result": None, "id": 1}
    await ws.send_json({"method": "LIST_SUBSCRIPTIONS", "id": 2})
    listed = await receive_until(ws, lambda e: e.get("id") == 2)
    assert listed["result"] == ["btcusdt@aggTrade"]
    market = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"}
    assert (await client.hmac("POST", "/fapi/v1/order", market)).status == 200
    trade = await receive_until(ws, lambda e: e.get("e") == "aggTrade")
    assert trade["s"] == "BTCUSDT" and Decimal(trade["q"]) > 0
    await ws.send_json({"method": "UNSUBSCRIBE", "params": ["btcusdt@aggTrade"], "id": 3})
    assert (await receive_until(ws, lambda e: e.get("id") == 3))["result"] is None
    await ws.close()
