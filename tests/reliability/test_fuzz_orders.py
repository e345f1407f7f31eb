"""Fuzzing the order entry points: `OrderManager.place_*` and `AsterDEXExchange.create_order`.

Invalid input must raise a typed error (an `ExecutionError` subclass) before anything is
sent: the simulator's request log shows no order request for it. Input that may or may not
be valid either places an order or fails that way; the manager's books stay consistent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from execution.errors import ExecutionError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus, OrderType, TimeInForce
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange

FUZZ = settings(
    max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT")

# Numbers that are never a valid quantity or price.
bad_numbers = st.one_of(
    st.decimals(max_value=0, allow_nan=False, allow_infinity=False),
    st.sampled_from([Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"),
                     Decimal("sNaN"), float("nan"), float("inf"), -1, 0, "0", "-0.5",
                     "abc", "", "1e", "0x10", " ", "1,5", None]),
    st.floats(max_value=0.0, allow_nan=False),
    st.text(alphabet="abcxyz!@#", min_size=1, max_size=5),
)
# Anything at all, valid or not.
any_number = st.one_of(
    bad_numbers,
    st.decimals(min_value=Decimal("0.0000001"), max_value=Decimal("1e9"), places=7),
    st.integers(min_value=1, max_value=10**12),
    st.floats(min_value=1e-9, max_value=1e12),
    st.sampled_from([Decimal("1e-30"), Decimal("1e12"), "0.001", "50000", True]),
    st.sampled_from([Decimal("1e30"), Decimal("123456789012345678901234567890"), 10**40,
                     "1e35", "1e400"]),
)
# Beyond the 28 digits of the default decimal context.
huge_numbers = st.sampled_from([Decimal("1e30"), Decimal("123456789012345678901234567890"),
                                10**40, "1e35"])
bad_symbols = st.one_of(
    st.text(max_size=12).filter(lambda s: s.upper().replace("/", "").split(":")[0]
                                not in SYMBOLS),
    st.sampled_from(["", " ", "BTCUSD", "FOOUSDT", "BTCUSDT\x00", "ÆØÅUSDT", None, 7]),
)
bad_client_ids = st.one_of(  # "" is left out: the manager reads it as "not given"
    st.text(min_size=37, max_size=60, alphabet="abc"),
    st.text(min_size=1, max_size=10).filter(
        lambda s: any(not (c.isascii() and (c.isalnum() or c in ".:/_-")) for c in s)
    ),
)
sides = st.sampled_from([OrderSide.BUY, OrderSide.SELL])


def _order_request_count(sim: SimulatedExchange) -> int:
    return sum(
        1 for r in sim.request_log
        if r.method in ("POST", "PUT", "DELETE") and r.path.endswith(("/order", "/batchOrders"))
    )


@pytest_asyncio.fixture
async def manager(
    roomy_simulator: SimulatedExchange, tmp_path: Path, helpers: Any
) -> AsyncIterator[OrderManager]:
    async with (
        helpers.hmac_client(roomy_simulator) as exchange,
        OrderManager(exchange, tmp_path / "orders.sqlite", poll_interval=0.2) as manager,
    ):
        yield manager


def _assert_books_consistent(manager: OrderManager) -> None:
    """No order left in flight, every open order indexed, every figure a finite Decimal."""
    for managed in manager.orders:
        assert managed.status is not OrderStatus.PENDING_NEW, managed
        order = managed.order
        for value in (order.quantity, order.filled_quantity, order.price, order.stop_price):
            assert value is None or (isinstance(value, Decimal) and value.is_finite())
    open_ids = {m.client_order_id for m in manager.open_orders()}
    assert open_ids == {m.client_order_id for m in manager.orders if m.is_open}


async def _expect_rejected_locally(
    sim: SimulatedExchange, call: Any, *args: Any, **kwargs: Any
) -> ExecutionError:
    before = _order_request_count(sim)
    ledger_before = sum(sim.ledger.values())
    with pytest.raises(ExecutionError) as caught:
        await call(*args, **kwargs)
    assert _order_request_count(sim) == before, "an order request was sent"
    assert sum(sim.ledger.values()) == ledger_before
    return caught.value


# -- the manager ---------------------------------------------------------------------------


@FUZZ
@given(symbol=st.sampled_from(SYMBOLS), side=sides, quantity=bad_numbers, price=any_number)
async def test_manager_limit_order_with_a_bad_quantity_is_refused_before_sending(
    manager: OrderManager, roomy_simulator: SimulatedExchange, symbol: str, side: OrderSide,
    quantity: Any, price: Any,
) -> None:
    await _expect_rejected_locally(
        roomy_simulator, manager.place_limit_order, symbol, side, quantity, price
    )
    _assert_books_consistent(manager)


@FUZZ
@given(symbol=st.sampled_from(SYMBOLS), side=sides, price=bad_numbers)
async def test_manager_limit_order_with_a_bad_price_is_refused_before_sending(
    manager: OrderManager, roomy_simulator: SimulatedExchange, symbol: str, side: OrderSide,
    price: Any,
) -> None:
    await _expect_rejected_locally(
        roomy_simulator, manager.place_limit_order, symbol, side, Decimal("0.01"), price
    )


@FUZZ
@given(symbol=bad_symbols, side=sides)
async def test_manager_order_on_a_bad_symbol_is_refused_before_sending(
    manager: OrderManager, roomy_simulator: SimulatedExchange, symbol: Any, side: OrderSide
) -> None:
    await _expect_rejected_locally(
        roomy_simulator, manager.place_market_order, symbol, side, Decimal("0.01")
    )


@FUZZ
@given(client_order_id=bad_client_ids, side=sides)
async def test_manager_order_with_a_bad_client_order_id_is_refused_before_sending(
    manager: OrderManager, roomy_simulator: SimulatedExchange, client_order_id: str, side: OrderSide
) -> None:
    await _expect_rejected_locally(
        roomy_simulator, manager.place_limit_order, "BTCUSDT", side, Decimal("0.01"),
        Decimal("40000"), client_order_id=client_order_id,
    )


@FUZZ
@given(side=sides, stop=any_number, profit=any_number, entry=st.one_of(st.none(), any_number))
async def test_manager_bracket_with_any_prices_is_placed_or_refused_before_sending(
    manager: OrderManager, roomy_simulator: SimulatedExchange, side: OrderSide, stop: Any,
    profit: Any, entry: Any,
) -> None:
    before = _order_request_count(roomy_simulator)
    try:
        bracket = await manager.place_bracket_order(
            "BTCUSDT", side, Decimal("0.002"), entry_price=entry, stop_loss_price=stop,
            take_profit_price=profit,
        )
    except ExecutionError as exc:
        sent = _order_request_count(roomy_simulator) - before
        assert sent == 0 or getattr(exc, "code", None) is not None, exc
    else:
        assert _order_request_count(roomy_simulator) > before
        if bracket.entry.is_open:
            await manager.cancel_order(bracket.entry.client_order_id)
    _assert_books_consistent(manager)


@FUZZ
@given(
    symbol=st.sampled_from(SYMBOLS), side=sides, quantity=any_number, price=any_number,
    tif=st.sampled_from(list(TimeInForce)),
)
async def test_manager_limit_order_with_any_input_is_placed_or_refused_before_sending(
    manager: OrderManager, roomy_simulator: SimulatedExchange, symbol: str, side: OrderSide,
    quantity: Any, price: Any, tif: TimeInForce,
) -> None:
    before = _order_request_count(roomy_simulator)
    try:
        managed = await manager.place_limit_order(
            symbol, side, quantity, price, time_in_force=tif
        )
    except ExecutionError as exc:
        sent = _order_request_count(roomy_simulator) - before
        # Either nothing was sent, or the exchange refused it (a typed exchange error).
        assert sent == 0 or getattr(exc, "code", None) is not None, exc
    else:
        assert managed.order.quantity > 0 and managed.order.price is not None
        if managed.is_open:
            await manager.cancel_order(managed.client_order_id)
    _assert_books_consistent(manager)


# -- the client ----------------------------------------------------------------------------


order_types = st.sampled_from(list(OrderType))
optional_number = st.one_of(st.none(), any_number)


@FUZZ
@given(
    symbol=st.sampled_from(SYMBOLS), side=sides, order_type=order_types, quantity=bad_numbers,
    price=optional_number, stop_price=optional_number,
)
async def test_client_order_with_a_bad_quantity_is_refused_before_sending(
    client: AsterDEXExchange, roomy_simulator: SimulatedExchange, symbol: str, side: OrderSide,
    order_type: OrderType, quantity: Any, price: Any, stop_price: Any,
) -> None:
    await _expect_rejected_locally(
        roomy_simulator, client.create_order, symbol, side, order_type, quantity, price=price,
        stop_price=stop_price,
    )


@FUZZ
@given(
    side=sides, order_type=st.sampled_from(
        [OrderType.LIMIT, OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT]
    ),
    price=bad_numbers,
)
async def test_client_priced_order_with_a_bad_price_is_refused_before_sending(
    client: AsterDEXExchange, roomy_simulator: SimulatedExchange, side: OrderSide,
    order_type: OrderType, price: Any,
) -> None:
    await _expect_rejected_locally(
        roomy_simulator, client.create_order, "BTCUSDT", side, order_type, Decimal("0.01"),
        price=price, stop_price=Decimal("50000"), time_in_force=TimeInForce.GTC,
    )


@FUZZ
@given(symbol=bad_symbols, client_order_id=st.one_of(st.none(), bad_client_ids))
async def test_client_order_on_a_bad_symbol_or_client_id_is_refused_before_sending(
    client: AsterDEXExchange, roomy_simulator: SimulatedExchange, symbol: Any,
    client_order_id: str | None,
) -> None:
    await _expect_rejected_locally(
        roomy_simulator, client.create_order, symbol, OrderSide.BUY, OrderType.MARKET,
        Decimal("0.01"), client_order_id=client_order_id,
    )


@FUZZ
@given(
    symbol=st.sampled_from(SYMBOLS), side=sides, order_type=order_types,
    quantity=optional_number, price=optional_number, stop_price=optional_number,
    tif=st.one_of(st.none(), st.sampled_from(list(TimeInForce))),
    reduce_only=st.booleans(), close_position=st.booleans(),
    callback_rate=optional_number, activation_price=optional_number,
)
async def test_client_order_with_any_input_is_placed_or_refused_with_a_typed_error(
    client: AsterDEXExchange, roomy_simulator: SimulatedExchange, symbol: str, side: OrderSide,
    order_type: OrderType, quantity: Any, price: Any, stop_price: Any,
    tif: TimeInForce | None, reduce_only: bool, close_position: bool, callback_rate: Any,
    activation_price: Any,
) -> None:
    before = _order_request_count(roomy_simulator)
    try:
        order = await client.create_order(
            symbol, side, order_type, quantity, price=price, stop_price=stop_price,
            time_in_force=tif, reduce_only=reduce_only, close_position=close_position,
            callback_rate=callback_rate, activation_price=activation_price,
        )
    except ExecutionError as exc:
        sent = _order_request_count(roomy_simulator) - before
        assert sent == 0 or getattr(exc, "code", None) is not None, exc
    else:
        assert order.order_id
        if order.is_open:
            await client.cancel_order(order.order_id, symbol)
    for tracked in client.tracked_orders.values():
        assert isinstance(tracked.quantity, Decimal) and tracked.quantity.is_finite()


# -- findings ------------------------------------------------------------------------------


@FUZZ
@given(huge=huge_numbers, as_price=st.booleans())
async def test_a_huge_price_or_quantity_is_a_validation_error(
    client: AsterDEXExchange, roomy_simulator: SimulatedExchange, huge: Any, as_price: bool
) -> None:
    quantity, price = (Decimal("0.01"), huge) if as_price else (huge, Decimal("50000"))
    await _expect_rejected_locally(
        roomy_simulator, client.create_order, "BTCUSDT", OrderSide.BUY, OrderType.LIMIT, quantity,
        price=price, time_in_force=TimeInForce.GTC,
    )


async def test_manager_refuses_an_empty_client_order_id_like_the_client(
    manager: OrderManager, roomy_simulator: SimulatedExchange
) -> None:
    await _expect_rejected_locally(
        roomy_simulator, manager.place_limit_order, "BTCUSDT", OrderSide.BUY, Decimal("0.01"),
        Decimal("40000"), client_order_id="",
    )
