"""The simulator's WebSocket payloads against the docs' stream and event examples
(`execution.venue_api`): the documented fields, with the documented JSON types."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from execution.simulator import SimulatedExchange
from execution.venue_api import DocumentedStream, load

from .contract import mismatches
from .notices import is_event, liquidation_price, open_long, receive, walk_down_until_called

API = load()
SYMBOL = "BTCUSDT"
# ORDER_TRADE_UPDATE's activation price and callback rate: "only pushed with
# TRAILING_STOP_MARKET order" in the docs
CONDITIONAL = frozenset({"AP", "cr"})


def _documented(event: str, kind: str) -> DocumentedStream:
    return next(s for s in API.streams if s.event == event and s.kind == kind and s.doc == "v3")


def _problems(stream: DocumentedStream, payload: Any) -> list[str]:
    return [m for m in mismatches(stream.payload, payload)
            if not (m.endswith(": missing") and m.rsplit(".", 1)[-1][:-9] in CONDITIONAL)]


async def _receive(ws: aiohttp.ClientWebSocketResponse, predicate: Any,
                   prod: Any = None, wait_seconds: float = 10.0) -> Any:
    async def loop() -> Any:
        while True:
            try:
                message = await asyncio.wait_for(ws.receive(), 0.2)
            except TimeoutError:
                if prod is not None:
                    prod()
                continue
            if message.type != aiohttp.WSMsgType.TEXT:
                raise AssertionError(f"socket ended: {message}")
            event = message.json()
            if predicate(event):
                return event

    return await asyncio.wait_for(loop(), wait_seconds)


async def test_user_data_events_carry_the_documented_fields(
    simulator: SimulatedExchange, client: Any, http: aiohttp.ClientSession
) -> None:
    key = (await client.v3("POST", "/fapi/v3/listenKey")).body["listenKey"]
    ws = await http.ws_connect(f"{simulator.ws_url}/ws/{key}")
    try:
        price = (simulator.mark_price(SYMBOL) * Decimal("0.9")).quantize(Decimal("0.1"))
        placed = await client.v3("POST", "/fapi/v3/order", {
            "symbol": SYMBOL, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
            "quantity": "0.002", "price": str(price), "newClientOrderId": "doc-ws"})
        assert placed.status == 200, placed.body
        simulator.fill_order(SYMBOL, client_order_id="doc-ws")
        filled = await _receive(ws, lambda e: e.get("e") == "ORDER_TRADE_UPDATE"
                                and e["o"]["X"] == "FILLED")
        assert _problems(_documented("ORDER_TRADE_UPDATE", "user_data"), filled) == []
        account = await _receive(ws, lambda e: e.get("e") == "ACCOUNT_UPDATE")
        assert _problems(_documented("ACCOUNT_UPDATE", "user_data"), account) == []
        assert (await client.v3("POST", "/fapi/v3/leverage",
                                {"symbol": SYMBOL, "leverage": "7"})).status == 200
        config = await _receive(ws, lambda e: e.get("e") == "ACCOUNT_CONFIG_UPDATE")
        assert _problems(_documented("ACCOUNT_CONFIG_UPDATE", "user_data"), config) == []
    finally:
        await ws.close()


DOCUMENTED_STREAMS = sorted(
    {name for st in API.streams if st.kind == "market" for name in st.names}
)
SERVED_STREAMS = sorted(set(DOCUMENTED_STREAMS) - API.streams_not_yet_served)


def test_stream_gaps_are_listed_in_one_place() -> None:
    assert set(DOCUMENTED_STREAMS) >= API.streams_not_yet_served
    assert SERVED_STREAMS == DOCUMENTED_STREAMS  # every documented market stream
    events = {st.event for st in API.streams if st.kind == "user_data"}
    assert events - API.events_not_yet_served == {
        "ORDER_TRADE_UPDATE", "ACCOUNT_UPDATE", "ACCOUNT_CONFIG_UPDATE", "listenKeyExpired",
        "MARGIN_CALL", "announcement"}  # every documented user-data event


def _concrete(name: str) -> str:
    """A documented name with its placeholders filled in."""
    return (name.replace("<symbol>", "btcusdt").replace("<interval>", "1m")
            .replace("<levels>", "5"))


def _payload_shape(name: str, doc: str) -> DocumentedStream:
    documented = next(st for st in API.streams if name in st.names and st.doc == doc)
    if name == "!bookTicker":  # the docs: "Same as <symbol>@bookTicker payload"
        return next(st for st in API.streams
                    if "<symbol>@bookTicker" in st.names and st.doc == doc)
    return documented


def _is_event(event_type: str) -> Any:
    def check(payload: Any) -> bool:
        if isinstance(payload, list):
            return bool(payload) and all(
                isinstance(p, dict) and p.get("e") == event_type for p in payload)
        return isinstance(payload, dict) and payload.get("e") == event_type
    return check


async def _liquidate(simulator: SimulatedExchange, client: Any) -> None:
    """A long of the default account bankrupted by a fall of the price (a liquidation)."""
    assert (await client.hmac("POST", "/fapi/v1/leverage",
                              {"symbol": SYMBOL, "leverage": "20"})).status == 200
    opened = await client.hmac("POST", "/fapi/v1/order", {
        "symbol": SYMBOL, "side": "BUY", "type": "MARKET", "quantity": "3"})
    assert opened.status == 200, opened.body
    simulator.set_price(SYMBOL, Decimal("40000"))


@pytest.mark.parametrize("name", SERVED_STREAMS)
async def test_market_streams_carry_the_documented_fields(
    simulator: SimulatedExchange, client: Any, http: aiohttp.ClientSession, name: str,
) -> None:
    concrete = _concrete(name)
    ws = await http.ws_connect(f"{simulator.ws_url}/stream?streams={concrete}")
    try:
        if "forceOrder" in name:
            await _liquidate(simulator, client)
        else:
            market = await client.hmac("POST", "/fapi/v1/order", {
                "symbol": SYMBOL, "side": "BUY", "type": "MARKET", "quantity": "0.001"})
            assert market.status == 200, market.body
        event = _payload_shape(name, "v3").event
        wrapped = await _receive(ws, lambda e: _is_event(event)(e.get("data")),
                                 prod=lambda: simulator.step(1))
        assert wrapped["stream"] == concrete  # labelled as subscribed
        for doc in ("v1", "v3"):
            assert _problems(_payload_shape(name, doc), wrapped["data"]) == [], wrapped
    finally:
        await ws.close()


async def test_listen_key_expired_carries_the_documented_fields(
    simulator_factory: Any, make_client: Any, http: aiohttp.ClientSession
) -> None:
    sim = await simulator_factory(listen_key_ttl=0.3)
    key = (await make_client(sim).hmac("POST", "/fapi/v1/listenKey")).body["listenKey"]
    ws = await http.ws_connect(f"{sim.ws_url}/ws/{key}")
    try:
        expired = await _receive(ws, lambda e: e.get("e") == "listenKeyExpired")
        assert _problems(_documented("listenKeyExpired", "user_data"), expired) == []
    finally:
        await ws.close()


def _every_documented(event: str) -> list[DocumentedStream]:
    """Each documented payload of a user-data event, in every document that has it."""
    found = [s for s in API.streams if s.event == event and s.kind == "user_data"]
    assert found, event
    return found


async def test_margin_call_carries_the_documented_fields(
    simulator: SimulatedExchange, client: Any, http: aiohttp.ClientSession
) -> None:
    await open_long(client)
    entry, liquidation = await liquidation_price(client)
    key = (await client.hmac("POST", "/fapi/v1/listenKey")).body["listenKey"]
    ws = await http.ws_connect(f"{simulator.ws_url}/ws/{key}")
    try:
        walk_down_until_called(simulator, entry, liquidation)
        call = await receive(ws, is_event("MARGIN_CALL"))
        for documented in _every_documented("MARGIN_CALL"):  # v1 and v3
            assert _problems(documented, call) == [], (documented.doc, call)
    finally:
        await ws.close()


async def test_announcements_carry_the_documented_fields(
    simulator: SimulatedExchange, client: Any, http: aiohttp.ClientSession
) -> None:
    key = (await client.v3("POST", "/fapi/v3/listenKey")).body["listenKey"]
    ws = await http.ws_connect(f"{simulator.ws_url}/ws/{key}")
    board = simulator.engine.announcements
    try:
        board.publish(simulator.account.account_id, [("en", "Direct", "sub", "<p>x</p>")],
                      category="MAINTENANCE", publish_time=simulator.server_time_ms())
        board.publish_public([("en", "Public", "sub", "<p>y</p>")],
                             publish_time=simulator.server_time_ms())
        direct = await receive(ws, is_event("announcement"))
        public = await receive(ws, is_event("announcement"))
        assert (direct["en"]["c"], public["en"]["c"]) == ("DIRECT", "NEW_LISTING")
        # "Event: Public Announcement" and "Event: Direct Announcement" (v3)
        for documented in _every_documented("announcement"):
            for payload in (direct, public):
                assert _problems(documented, payload) == [], payload
    finally:
        await ws.close()
