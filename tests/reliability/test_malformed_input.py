"""Malformed exchange responses and stream events: a typed error, no crash, no corruption.

A small aiohttp server on loopback sits between the client and the roomy_simulator. It passes
everything through, except that it can replace the body of the next matching REST answer
(after the simulator executed the request) with garbage, partial or ill-typed JSON, and
can push garbage frames into the user-data WebSocket it relays.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yarl import URL

from execution.auth import HmacCredentials
from execution.errors import ExecutionError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus, OrderType
from execution.orders.manager import OrderManager
from execution.secrets import Secret
from execution.simulator import SimulatedExchange

D = Decimal
BTC = "BTCUSDT"
FUZZ = settings(
    max_examples=40, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_HOP_HEADERS = {"content-length", "transfer-encoding", "connection", "content-encoding",
                "keep-alive"}


@dataclass
class Corruption:
    method: str
    path_end: str
    body: bytes
    status: int = 200
    remaining: int = 1


class CorruptingProxy:
    """A pass-through REST/WebSocket relay that corrupts what it is told to."""

    def __init__(self, sim: SimulatedExchange) -> None:
        self.sim = sim
        self.corruptions: list[Corruption] = []
        self.frames: asyncio.Queue[str | bytes] = asyncio.Queue()
        self.corrupted = 0
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    def corrupt(self, method: str, path_end: str, body: bytes, status: int = 200) -> None:
        self.corruptions.append(Corruption(method, path_end, body, status))

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(auto_decompress=False)
        app = web.Application()
        app.router.add_get("/ws/{tail:.*}", self._websocket)
        app.router.add_route("*", "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def _take(self, method: str, path: str) -> Corruption | None:
        for corruption in self.corruptions:
            if corruption.method == method and path.endswith(corruption.path_end):
                corruption.remaining -= 1
                if corruption.remaining <= 0:
                    self.corruptions.remove(corruption)
                return corruption
        return None

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        query = request.rel_url.raw_query_string
        url = URL(f"{self.sim.rest_url}{request.rel_url.raw_path}"
                  + (f"?{query}" if query else ""), encoded=True)
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() in ("x-mbx-apikey", "content-type")}
        body = await request.read()
        async with self._session.request(request.method, url, data=body or None,
                                         headers=headers) as upstream:
            payload = await upstream.read()
            status = upstream.status
            passed = {k: v for k, v in upstream.headers.items()
                      if k.lower() not in _HOP_HEADERS}
        corruption = self._take(request.method, request.rel_url.path)
        if corruption is not None:
            self.corrupted += 1
            payload, status = corruption.body, corruption.status
        return web.Response(body=payload, status=status, headers=passed)

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        downstream = web.WebSocketResponse()
        await downstream.prepare(request)
        target = self.sim.ws_url + request.rel_url.raw_path
        async with self._session.ws_connect(target) as upstream:

            async def relay() -> None:
                async for message in upstream:
                    if message.type is aiohttp.WSMsgType.TEXT:
                        await downstream.send_str(message.data)

            async def inject() -> None:
                while True:
                    frame = await self.frames.get()
                    if isinstance(frame, bytes):
                        await downstream.send_bytes(frame)
                    else:
                        await downstream.send_str(frame)

            tasks = [asyncio.create_task(relay()), asyncio.create_task(inject()),
                     asyncio.create_task(downstream.receive())]
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in tasks:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        await downstream.close()
        return downstream


@pytest_asyncio.fixture
async def proxy(roomy_simulator: SimulatedExchange) -> AsyncIterator[CorruptingProxy]:
    relay = CorruptingProxy(roomy_simulator)
    await relay.start()
    yield relay
    await relay.stop()


@pytest_asyncio.fixture
async def proxied_client(
    roomy_simulator: SimulatedExchange, proxy: CorruptingProxy
) -> AsyncIterator[AsterDEXExchange]:
    account = roomy_simulator.account
    assert account.api_key and account.api_secret
    exchange = AsterDEXExchange(
        HmacCredentials(account.api_key, Secret(account.api_secret)),
        rest_urls=[proxy.url], ws_url=proxy.url.replace("http://", "ws://"),
        dotenv_path=None, timeout=3.0, max_retries=2, backoff_base=0.001,
    )
    async with exchange:
        yield exchange


# -- garbage -------------------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
              st.text(max_size=10)),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=8), children, max_size=4)),
    max_leaves=12,
)
ORDER_FIELDS = ["orderId", "symbol", "status", "clientOrderId", "price", "avgPrice", "origQty",
                "executedQty", "type", "side", "timeInForce", "stopPrice", "updateTime"]
wrong_typed_order = st.fixed_dictionaries(
    {}, optional={name: json_values for name in ORDER_FIELDS}
)
# Bodies that are JSON, of the wrong shape or types, and bodies that are not JSON at all.
json_bodies = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    wrong_typed_order.map(lambda v: json.dumps(v).encode()),
    st.sampled_from([b"{}", b"[]", b"null", b'{"code": "x", "msg": 5}', b'{"code": -1000}']),
)
UNREADABLE = [b'{"orderId": 1, "symbol": "BTCUSDT", "sta', b"[", b"\xff\xfe", b"<html>",
              b"\x80abc", b"OK"]
non_json_bodies = st.one_of(st.binary(max_size=40), st.sampled_from(UNREADABLE))
garbage = st.one_of(
    st.tuples(json_bodies, st.sampled_from([200, 200, 400, 404, 418, 429, 500, 503])),
    st.tuples(non_json_bodies, st.sampled_from([200, 200, 400, 404, 418, 429, 500, 503])),
)

# (method, path end, call) for read endpoints: garbage must end in data or a typed error.
READS: list[tuple[str, str, str]] = [
    ("GET", "/openOrders", "get_open_orders"),
    ("GET", "/positionRisk", "get_positions"),
    ("GET", "/balance", "fetch_balance"),
    ("GET", "/premiumIndex", "fetch_mark_price"),
    ("GET", "/time", "server_time"),
    ("GET", "/allOrders", "get_all_orders"),
]


async def _call(exchange: AsterDEXExchange, name: str) -> Any:
    if name in ("fetch_mark_price", "get_all_orders"):
        return await getattr(exchange, name)(BTC)
    return await getattr(exchange, name)()


@FUZZ
@given(read=st.sampled_from(READS), answer=garbage)
async def test_a_malformed_read_response_is_a_typed_error(
    proxied_client: AsterDEXExchange, proxy: CorruptingProxy, read: tuple[str, str, str],
    answer: tuple[bytes, int],
) -> None:
    method, path_end, name = read
    body, status = answer
    proxy.corrupt(method, path_end, body, status)
    with contextlib.suppress(ExecutionError):
        await _call(proxied_client, name)
    proxy.corruptions.clear()
    proxied_client.rate_limiter.paused_until = 0.0  # a garbage 429 must not slow the next
    proxied_client.rate_limiter.banned_until = 0.0
    # The client still works afterwards.
    assert (await proxied_client.fetch_mark_price(BTC)) > 0


@FUZZ
@given(answer=garbage)
async def test_a_malformed_cancel_response_is_a_typed_error_and_the_truth_is_readable(
    proxied_client: AsterDEXExchange, proxy: CorruptingProxy, roomy_simulator: SimulatedExchange,
    answer: tuple[bytes, int],
) -> None:
    body, status = answer
    order = await proxied_client.create_order(
        BTC, OrderSide.BUY, OrderType.LIMIT, D("0.01"), price=D("40000"),
    )
    proxy.corrupt("DELETE", "/order", body, status)
    with contextlib.suppress(ExecutionError):
        await proxied_client.cancel_order(order.order_id, BTC)
    proxy.corruptions.clear()
    proxied_client.rate_limiter.paused_until = 0.0
    proxied_client.rate_limiter.banned_until = 0.0
    truth = await proxied_client.fetch_order(BTC, order_id=order.order_id)
    assert truth.status is OrderStatus.CANCELED
    assert roomy_simulator.orders_created(order.client_order_id) == 1


@FUZZ
@given(body=st.one_of(json_bodies, non_json_bodies))
async def test_a_malformed_answer_to_an_executed_order_neither_duplicates_nor_crashes(
    proxied_client: AsterDEXExchange, proxy: CorruptingProxy, roomy_simulator: SimulatedExchange,
    body: bytes,
) -> None:
    client_order_id = f"fuzz-{proxy.corrupted}-{len(roomy_simulator.ledger)}"
    proxy.corrupt("POST", "/order", body, 200)
    with contextlib.suppress(ExecutionError):
        await proxied_client.create_order(
            BTC, OrderSide.BUY, OrderType.LIMIT, D("0.01"), price=D("40000"),
            client_order_id=client_order_id,
        )
    proxy.corruptions.clear()
    assert roomy_simulator.orders_created(client_order_id) <= 1


@pytest.mark.parametrize("body", UNREADABLE)
@pytest.mark.parametrize("read", READS, ids=[name for _, _, name in READS])
async def test_a_2xx_answer_that_is_not_json_is_a_typed_error(
    proxied_client: AsterDEXExchange, proxy: CorruptingProxy, read: tuple[str, str, str],
    body: bytes,
) -> None:
    method, path_end, name = read
    proxy.corrupt(method, path_end, body, 200)
    with pytest.raises(ExecutionError):
        await _call(proxied_client, name)


async def test_manager_state_agrees_after_an_unreadable_answer_to_an_executed_order(
    proxied_client: AsterDEXExchange, proxy: CorruptingProxy, roomy_simulator: SimulatedExchange,
    tmp_path: Path,
) -> None:
    async with OrderManager(
        proxied_client, tmp_path / "orders.sqlite", poll_interval=0.05, pending_grace=0.1
    ) as manager:
        proxy.corrupt("POST", "/order", b'{"orderId": 1, "symbol": "BTCUSDT"}')
        with contextlib.suppress(ExecutionError):
            await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("40000"),
                                            client_order_id="unreadable-answer")
        await asyncio.sleep(0.5)  # polling and the stream have had their chance
        truth = await proxied_client.fetch_order(BTC, client_order_id="unreadable-answer")
        managed = manager.get_order("unreadable-answer")
        assert truth.status is OrderStatus.NEW
        assert managed is not None and managed.status is OrderStatus.NEW, managed


# -- the user-data stream ------------------------------------------------------------------

order_update_garbage = st.fixed_dictionaries(
    {"e": st.just("ORDER_TRADE_UPDATE"), "E": json_values, "T": json_values},
    optional={"o": st.one_of(json_values, st.fixed_dictionaries(
        {}, optional={k: json_values for k in ("s", "c", "S", "o", "X", "x", "i", "l", "z",
                                               "L", "ap", "q", "p", "T", "t")}))},
)
account_update_garbage = st.fixed_dictionaries(
    {"e": st.just("ACCOUNT_UPDATE"), "E": json_values},
    optional={"a": st.one_of(json_values, st.fixed_dictionaries(
        {}, optional={"B": json_values, "P": json_values, "m": json_values}))},
)
frames = st.one_of(
    st.text(max_size=30),
    st.binary(max_size=30),
    json_values.map(json.dumps),
    order_update_garbage.map(json.dumps),
    account_update_garbage.map(json.dumps),
    st.builds(lambda data: json.dumps({"stream": "x", "data": data}), json_values),
)


@settings(max_examples=5, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(batch=st.lists(frames, min_size=5, max_size=30))
async def test_garbage_stream_frames_are_dropped_and_real_events_still_apply(
    proxied_client: AsterDEXExchange, proxy: CorruptingProxy, roomy_simulator: SimulatedExchange,
    tmp_path: Path, helpers: Any, batch: list[str | bytes],
) -> None:
    async with OrderManager(proxied_client, None, poll_interval=60.0) as manager:
        managed = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("40000"))
        for frame in batch:
            proxy.frames.put_nowait(frame)
        await helpers.wait_for(proxy.frames.empty)
        roomy_simulator.fill_order(BTC, client_order_id=managed.client_order_id)
        await helpers.wait_for(lambda: managed.status is OrderStatus.FILLED)
        assert managed.filled_quantity == D("0.01")
        assert {m.client_order_id for m in manager.open_orders()} == set()
