"""`AsterDEXExchange` against the simulator over loopback: order types, error mapping,
failover, rate limits and bans, clock skew, user-stream resync, lost responses."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

import pytest

from execution.auth import HmacCredentials
from execution.errors import (
    AuthenticationError,
    ConfigurationError,
    DuplicateOrderError,
    ExchangeUnavailableError,
    InsufficientMarginError,
    InvalidOrderError,
    IpBannedError,
    OrderNotFoundError,
    OrderStatusUnknownError,
)
from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.rate_limit import Budget
from execution.models import (
    OrderSide,
    OrderStatus,
    OrderType,
    OrderUpdate,
    StreamState,
    StreamStatus,
    UserEvent,
)
from execution.secrets import Secret
from execution.simulator import SimulatedExchange
from execution.simulator.ratelimit import RateLimitConfig

D = Decimal
SYMBOL = "BTCUSDT"


async def below_mark(exchange: AsterDEXExchange, factor: str = "0.97") -> Decimal:
    return (await exchange.fetch_mark_price(SYMBOL) * D(factor)).quantize(D("0.1"))


@pytest.mark.parametrize(
    ("order_type", "side", "kwargs"),
    [
        (OrderType.LIMIT, OrderSide.BUY, {"price": "0.97"}),
        (OrderType.MARKET, OrderSide.BUY, {}),
        (OrderType.STOP_LOSS, OrderSide.SELL, {"stop_price": "0.97"}),
        (OrderType.STOP_LOSS_LIMIT, OrderSide.SELL, {"stop_price": "0.97", "price": "0.96"}),
        (OrderType.TAKE_PROFIT, OrderSide.SELL, {"stop_price": "1.03"}),
        (OrderType.TAKE_PROFIT_LIMIT, OrderSide.SELL, {"stop_price": "1.03", "price": "1.03"}),
        (OrderType.TRAILING_STOP_MARKET, OrderSide.SELL, {"callback_rate": D("1")}),
    ],
)
async def test_every_order_type(
    exchange: AsterDEXExchange, order_type: OrderType, side: OrderSide, kwargs: dict[str, Any]
) -> None:
    mark = await exchange.fetch_mark_price(SYMBOL)
    options = {
        key: (mark * D(value)).quantize(D("0.1")) if isinstance(value, str) else value
        for key, value in kwargs.items()
    }
    order = await exchange.create_order(SYMBOL, side, order_type, D("0.002"), **options)
    assert order.order_type is order_type and order.order_id
    expected = OrderStatus.FILLED if order_type is OrderType.MARKET else OrderStatus.NEW
    assert order.status is expected
    fetched = await exchange.fetch_order(SYMBOL, client_order_id=order.client_order_id)
    assert fetched.order_type is order_type


async def test_errors_are_mapped(exchange: AsterDEXExchange, simulator: SimulatedExchange) -> None:
    with pytest.raises(InsufficientMarginError):
        await exchange.create_order(SYMBOL, OrderSide.BUY, OrderType.MARKET, D("100"))
    with pytest.raises(OrderNotFoundError):
        await exchange.fetch_order(SYMBOL, order_id="123456789")
    price = await below_mark(exchange)
    order = await exchange.create_order(SYMBOL, OrderSide.BUY, OrderType.LIMIT, D("0.002"),
                                        price=price)
    with pytest.raises(DuplicateOrderError):
        await exchange.create_order(SYMBOL, OrderSide.BUY, OrderType.LIMIT, D("0.002"),
                                    price=price, client_order_id=order.client_order_id)
    mark = await exchange.fetch_mark_price(SYMBOL)
    with pytest.raises(InvalidOrderError) as info:  # far above the mark: PERCENT_PRICE
        await exchange.create_order(SYMBOL, OrderSide.BUY, OrderType.LIMIT, D("0.002"),
                                    price=(mark * D("1.5")).quantize(D("0.1")))
    assert info.value.code is not None and info.value.filter_name


async def test_bad_credentials_raise_authentication_error(simulator: SimulatedExchange) -> None:
    assert simulator.account.api_key
    credentials = HmacCredentials(simulator.account.api_key, Secret("0" * 64))
    async with AsterDEXExchange(credentials, rest_urls=simulator.rest_urls,
                                dotenv_path=None) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.fetch_balance()
    assert info.value.code == -1022


async def test_failover_with_the_primary_down_and_back(
    make_client: Any, simulator_factory: Any, auth: str
) -> None:
    sim = await simulator_factory(endpoints=2)
    sim.faults.set_endpoint_down(0)
    async with make_client(sim, auth, cooldown=0.5) as client:
        assert client.transport.active_url == sim.rest_urls[1].rstrip("/")
        price = await below_mark(client)
        order = await client.create_order(SYMBOL, OrderSide.BUY, OrderType.LIMIT, D("0.002"),
                                          price=price)
        assert sim.orders_created(order.client_order_id) == 1
        assert (await client.fetch_balance())["USDT"].wallet_balance > 0
        sim.faults.set_endpoint_down(0, False)
        await asyncio.sleep(0.6)
        await client.server_time()
        assert client.transport.active_url == sim.rest_urls[0].rstrip("/")
        assert sim.request_log[-1].endpoint_index == 0


async def test_primary_going_down_mid_session(
    make_client: Any, simulator_factory: Any, auth: str
) -> None:
    sim = await simulator_factory(endpoints=2)
    async with make_client(sim, auth) as client:
        price = await below_mark(client)
        sim.faults.set_endpoint_down(0)
        placed, unknown = [], []
        for number in range(3):
            client_id = f"failover-{number}"
            try:
                placed.append(await client.create_order(
                    SYMBOL, OrderSide.BUY, OrderType.LIMIT, D("0.002"), price=price,
                    client_order_id=client_id,
                ))
            except OrderStatusUnknownError:
                unknown.append(client_id)  # cut after sending: no proof on v1, not re-sent
        assert all(sim.orders_created(o.client_order_id) == 1 for o in placed)
        assert all(sim.orders_created(client_id) == 0 for client_id in unknown)
        # v3 proves the cut copy dead with a noop on the other host and sends it again
        assert len(unknown) == (1 if auth == "hmac" else 0)
        assert client.transport.active_url == sim.rest_urls[1].rstrip("/")


async def test_every_endpoint_down_is_unavailable(
    make_client: Any, simulator: SimulatedExchange, auth: str
) -> None:
    async with make_client(simulator, auth, max_retries=2) as client:
        simulator.faults.set_endpoint_down(0)
        with pytest.raises(ExchangeUnavailableError):
            await client.fetch_balance()
        price = D("40000")
        with pytest.raises(OrderStatusUnknownError):
            await client.create_order(SYMBOL, OrderSide.BUY, OrderType.LIMIT, D("0.002"),
                                      price=price)


async def test_a_failed_connect_leaves_no_session_open(
    simulator: SimulatedExchange
) -> None:
    credentials = HmacCredentials(simulator.account.api_key, simulator.account.api_secret)
    client = AsterDEXExchange(credentials, rest_urls=[simulator.rest_url], dotenv_path=None,
                              max_retries=1)
    simulator.faults.set_endpoint_down(0)
    with pytest.raises(ExchangeUnavailableError):
        await client.connect()
    assert client.transport._session is None


async def test_429_is_honoured_without_a_ban(make_client: Any, simulator_factory: Any) -> None:
    sim = await simulator_factory(
        rate_limits=RateLimitConfig(weight_per_minute=30, minute_ms=3000, ban_seconds=60)
    )
    async with make_client(sim, "hmac") as client:
        # the IP's budget is shared with others: the exchange says 429 before we would stop
        client.rate_limiter.set_budgets([Budget("REQUEST_WEIGHT", 60, 100_000)])
        for _ in range(300):  # however slow the machine, the window fills up at some point
            await client.server_time()
            if any(record.status == 429 for record in sim.request_log):
                break
        for _ in range(3):  # after Retry-After, requests go through again: no ban
            await client.server_time()
    statuses = [record.status for record in sim.request_log]
    assert 429 in statuses and 418 not in statuses


async def test_418_halts_every_request_until_the_ban_ends(
    make_client: Any, simulator: SimulatedExchange, auth: str
) -> None:
    async with make_client(simulator, auth) as client:
        simulator.faults.fail_requests(count=1, status=418, code=-1003)
        with pytest.raises(IpBannedError) as info:
            await client.fetch_balance()
        assert info.value.banned_until is not None and info.value.banned_until > time.time()
        assert "banned until" in str(info.value)
        sent = len(simulator.request_log)
        with pytest.raises(IpBannedError):
            await client.server_time()
        with pytest.raises(IpBannedError):
            await client.create_order(SYMBOL, OrderSide.BUY, OrderType.MARKET, D("0.002"))
        assert len(simulator.request_log) == sent  # nothing was sent during the ban
        client.rate_limiter.banned_until = 0.0  # the ban ends
        await client.server_time()


async def test_clock_skew_jump_is_recovered(
    make_client: Any, simulator: SimulatedExchange, auth: str
) -> None:
    async with make_client(simulator, auth) as client:
        simulator.faults.clock_skew_ms = 30_000
        price = await below_mark(client)
        order = await client.create_order(SYMBOL, OrderSide.BUY, OrderType.LIMIT, D("0.002"),
                                          price=price)
        assert order.status is OrderStatus.NEW
        assert abs(client.clock.offset_ms - 30_000) < 2_000
        rejected = [r for r in simulator.request_log if r.status == 400]
        assert rejected  # the first attempt was refused (-1021 / -4225), then re-signed


async def test_lost_responses_give_exactly_n_orders(
    simulator: SimulatedExchange, exchange: AsterDEXExchange
) -> None:
    n = 12
    price = await below_mark(exchange)
    simulator.faults.drop_responses(count=n // 2, path="order", method="POST")
    simulator.faults.fail_requests(count=n // 4, status=503, code=-1007, execute=True,
                                   path="order", method="POST")
    orders = [
        await exchange.create_order(SYMBOL, OrderSide.BUY, OrderType.LIMIT, D("0.002"),
                                    price=price)
        for _ in range(n)
    ]
    ids = [o.client_order_id for o in orders]
    assert len(set(ids)) == n
    assert all(simulator.orders_created(cid) == 1 for cid in ids)
    open_ids = {o.client_order_id for o in await exchange.get_open_orders(SYMBOL)}
    assert set(ids) <= open_ids and len(open_ids) == n
    tracked = exchange.tracked_orders
    assert all(tracked[cid].status is OrderStatus.NEW and tracked[cid].order_id for cid in ids)


async def test_status_unknown_with_late_execution_is_not_sent_twice(
    simulator: SimulatedExchange, exchange: AsterDEXExchange
) -> None:
    # 503/-1007: the backend timed out but executes the order 100 ms later. A query made
    # before that sees "does not exist"; the client must not take that as final.
    price = await below_mark(exchange)
    simulator.faults.fail_requests(count=3, status=503, code=-1007, execute=True,
                                   execute_after_ms=100, path="order", method="POST")
    orders = [
        await exchange.create_order(SYMBOL, OrderSide.BUY, OrderType.LIMIT, D("0.002"),
                                    price=price)
        for _ in range(3)
    ]
    assert all(simulator.orders_created(o.client_order_id) == 1 for o in orders)
    assert all(o.order_id and o.status is OrderStatus.NEW for o in orders)


async def test_user_stream_reconnects_and_resyncs(
    simulator: SimulatedExchange, exchange: AsterDEXExchange
) -> None:
    events: list[UserEvent] = []
    resynced = asyncio.Event()

    def handler(event: UserEvent) -> None:
        events.append(event)
        if isinstance(event, StreamStatus) and event.state is StreamState.RESYNCED:
            resynced.set()

    await exchange.start_user_stream(handler)
    assert exchange.user_stream_connected
    await asyncio.wait_for(resynced.wait(), 5)
    price = await below_mark(exchange)
    order = await exchange.create_order(SYMBOL, OrderSide.BUY, OrderType.LIMIT, D("0.002"),
                                        price=price)
    await asyncio.sleep(0.2)
    resynced.clear()
    events.clear()
    simulator.faults.drop_websockets()
    simulator.fill_order(SYMBOL, client_order_id=order.client_order_id)  # while disconnected
    await asyncio.wait_for(resynced.wait(), 10)
    states = [e.state for e in events if isinstance(e, StreamStatus)]
    assert states[:3] == [StreamState.DISCONNECTED, StreamState.CONNECTED, StreamState.RESYNCED]
    updates = [e for e in events if isinstance(e, OrderUpdate)
               and e.order.client_order_id == order.client_order_id]
    assert updates and updates[-1].order.status is OrderStatus.FILLED
    assert any(u.from_resync for u in updates)
    assert exchange.tracked_orders[order.client_order_id].status is OrderStatus.FILLED
    await exchange.stop_user_stream()


async def test_expired_listen_key_gets_a_new_one(make_client: Any, simulator_factory: Any) -> None:
    sim = await simulator_factory(listen_key_ttl=0.5)
    async with make_client(sim, "hmac") as client:
        connected = asyncio.Event()

        def handler(event: UserEvent) -> None:
            if isinstance(event, StreamStatus) and event.state is StreamState.CONNECTED:
                connected.set()

        await client.start_user_stream(handler)
        stream = client.user_stream
        assert stream is not None
        first_key = stream.listen_key
        deadline = time.monotonic() + 10
        while stream.connections < 2 and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        assert stream.connections >= 2 and stream.listen_key != first_key


async def test_modify_order_rounds_and_changes_price(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, auth: str
) -> None:
    price = await below_mark(exchange)
    order = await exchange.create_order(SYMBOL, OrderSide.BUY, OrderType.LIMIT, D("0.002"),
                                        price=price)
    if auth == "hmac":
        # the venue's v1 document has no PUT order: refused here, nothing sent
        sent = len(simulator.request_log)
        with pytest.raises(ConfigurationError, match="PUT order"):
            await exchange.modify_order(SYMBOL, OrderSide.BUY, D("0.003"), price - D("10"),
                                        order_id=order.order_id)
        assert len(simulator.request_log) == sent
        return
    modified = await exchange.modify_order(SYMBOL, OrderSide.BUY, D("0.0039"), price - D("10.05"),
                                           order_id=order.order_id)
    assert modified.price == price - D("10.1") and modified.quantity == D("0.003")
    assert modified.client_order_id == order.client_order_id
    put = [r for r in simulator.request_log if r.method == "PUT"][-1]
    assert put.path == "/fapi/v3/order" and "side" not in put.params  # documented params only


async def test_unified_symbol_spellings_reach_the_exchange_symbol(
    exchange: AsterDEXExchange,
) -> None:
    price = await below_mark(exchange)
    order = await exchange.create_order("BTC/USDT:USDT", OrderSide.BUY, OrderType.LIMIT,
                                        D("0.002"), price=price)
    assert order.symbol == SYMBOL
    fetched = await exchange.fetch_order("btc/usdt", client_order_id=order.client_order_id)
    assert fetched.order_id == order.order_id
    assert (await exchange.get_symbol_rules("BTC/USDT")).symbol == SYMBOL
