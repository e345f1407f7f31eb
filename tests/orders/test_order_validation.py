"""Checks before anything is sent: rounding directions, sides, reduce-only, guards."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from execution.errors import ValidationError
from execution.models import OrderSide, OrderType
from execution.orders.validation import (
    OrderGuards,
    OrderIntent,
    ValidationContext,
    check_bracket_prices,
    validate_order,
)
from execution.rules import SymbolRules

D = Decimal
RULES = SymbolRules(
    symbol="BTCUSDT",
    tick_size=D("0.1"),
    step_size=D("0.001"),
    min_qty=D("0.001"),
    max_qty=D("1000"),
    min_notional=D("5"),
    max_num_orders=200,
)
MARK = D("50000")


def ctx(position: str = "0", open_orders: int = 0) -> ValidationContext:
    return ValidationContext(RULES, MARK, D(position), open_orders)


def limit(side: OrderSide, quantity: str, price: str, **kw: object) -> OrderIntent:
    return OrderIntent("BTCUSDT", side, OrderType.LIMIT, D(quantity), price=D(price), **kw)  # type: ignore[arg-type]


def stop(order_type: OrderType, side: OrderSide, trigger: str, **kw: object) -> OrderIntent:
    return OrderIntent("BTCUSDT", side, order_type, D("0.01"), stop_price=D(trigger), **kw)  # type: ignore[arg-type]


def test_quantity_rounds_down_and_prices_round_safe_way() -> None:
    buy = validate_order(limit(OrderSide.BUY, "0.0109", "49999.97"), ctx())
    assert buy.quantity == D("0.010") and buy.price == D("49999.9")
    sell = validate_order(limit(OrderSide.SELL, "0.0109", "50000.01"), ctx())
    assert sell.price == D("50000.1")


def test_quantity_below_minimum_after_rounding_is_rejected() -> None:
    with pytest.raises(ValidationError) as info:
        validate_order(limit(OrderSide.BUY, "0.0009", "50000"), ctx())
    assert info.value.field == "quantity"


def test_min_notional() -> None:
    with pytest.raises(ValidationError) as info:
        validate_order(limit(OrderSide.BUY, "0.001", "4000"), ctx())
    assert info.value.field == "notional"


def test_unknown_symbol_rules_mismatch_and_allowed_symbols() -> None:
    intent = OrderIntent("ETHUSDT", OrderSide.BUY, OrderType.LIMIT, D("1"), price=D("3000"))
    with pytest.raises(ValidationError):
        validate_order(intent, ctx())
    guards = OrderGuards(allowed_symbols=frozenset({"ETHUSDT"}))
    with pytest.raises(ValidationError) as info:
        validate_order(limit(OrderSide.BUY, "0.01", "50000"), ctx(), guards)
    assert "allowed" in info.value.rule


@pytest.mark.parametrize(
    ("order_type", "side", "trigger", "ok"),
    [
        (OrderType.STOP_LOSS, OrderSide.SELL, "49000", True),
        (OrderType.STOP_LOSS, OrderSide.SELL, "51000", False),
        (OrderType.STOP_LOSS, OrderSide.BUY, "51000", True),
        (OrderType.STOP_LOSS, OrderSide.BUY, "49000", False),
        (OrderType.TAKE_PROFIT, OrderSide.SELL, "51000", True),
        (OrderType.TAKE_PROFIT, OrderSide.SELL, "49000", False),
        (OrderType.TAKE_PROFIT, OrderSide.BUY, "49000", True),
        (OrderType.TAKE_PROFIT, OrderSide.BUY, "51000", False),
        (OrderType.STOP_LOSS, OrderSide.SELL, "50000", False),
    ],
)
def test_trigger_side(order_type: OrderType, side: OrderSide, trigger: str, ok: bool) -> None:
    intent = stop(order_type, side, trigger)
    if ok:
        assert validate_order(intent, ctx()).stop_price == D(trigger)
    else:
        with pytest.raises(ValidationError) as info:
            validate_order(intent, ctx())
        assert info.value.field == "stop_price"


def test_sell_stop_rounds_up_toward_market_and_may_then_be_rejected() -> None:
    assert validate_order(
        stop(OrderType.STOP_LOSS, OrderSide.SELL, "49000.01"), ctx()
    ).stop_price == D("49000.1")
    with pytest.raises(ValidationError):
        validate_order(stop(OrderType.STOP_LOSS, OrderSide.SELL, "49999.99"), ctx())


def test_reduce_only_needs_an_opposite_position_no_larger() -> None:
    intent = stop(OrderType.STOP_LOSS, OrderSide.SELL, "49000", reduce_only=True)
    with pytest.raises(ValidationError) as info:
        validate_order(intent, ctx("0"))
    assert info.value.field == "reduce_only"
    with pytest.raises(ValidationError):
        validate_order(intent, ctx("-1"))
    with pytest.raises(ValidationError) as info:
        validate_order(intent, ctx("0.005"))
    assert info.value.field == "quantity"
    assert validate_order(intent, ctx("0.01")).reduce_only
    # Reduce-only orders are not held to the minimum notional.
    small = stop(OrderType.STOP_LOSS, OrderSide.BUY, "51000", reduce_only=True)
    small = OrderIntent(
        small.symbol,
        small.side,
        small.order_type,
        D("0.0001") + D("0.0009"),
        stop_price=small.stop_price,
        reduce_only=True,
    )
    assert validate_order(small, ctx("-0.001")).quantity == D("0.001")


def test_guards_notional_and_open_orders() -> None:
    guards = OrderGuards(max_notional_per_order=D("1000"), max_open_orders_per_symbol=3)
    validate_order(limit(OrderSide.BUY, "0.02", "50000"), ctx(open_orders=2), guards)
    with pytest.raises(ValidationError) as info:
        validate_order(limit(OrderSide.BUY, "0.021", "50000"), ctx(), guards)
    assert info.value.field == "notional"
    with pytest.raises(ValidationError) as info:
        validate_order(limit(OrderSide.BUY, "0.01", "50000"), ctx(open_orders=3), guards)
    assert info.value.field == "open_orders"


def test_market_order_valued_at_mark_and_needs_it() -> None:
    intent = OrderIntent("BTCUSDT", OrderSide.BUY, OrderType.MARKET, D("0.01"))
    assert validate_order(intent, ctx()).quantity == D("0.01")
    with pytest.raises(ValidationError):
        validate_order(intent, ValidationContext(RULES, None))


def test_bracket_prices() -> None:
    check_bracket_prices(OrderSide.BUY, MARK, D("49000"), D("51000"))
    check_bracket_prices(OrderSide.SELL, MARK, D("51000"), D("49000"))
    with pytest.raises(ValidationError) as info:
        check_bracket_prices(OrderSide.BUY, MARK, D("51000"), D("52000"))
    assert info.value.field == "stop_loss_price"
    with pytest.raises(ValidationError) as info:
        check_bracket_prices(OrderSide.SELL, MARK, D("51000"), D("50001"))
    assert info.value.field == "take_profit_price"


@given(
    st.decimals(min_value=D("0.001"), max_value=D("100"), places=6),
    st.decimals(min_value=D("100"), max_value=D("100000"), places=4),
    st.sampled_from(OrderSide),
)
def test_rounding_never_worse_than_asked(
    quantity: Decimal, price: Decimal, side: OrderSide
) -> None:
    try:
        out = validate_order(limit(side, str(quantity), str(price)), ctx())
    except ValidationError:
        return
    assert out.quantity <= quantity and quantity - out.quantity < RULES.step_size
    assert out.price is not None
    if side is OrderSide.BUY:
        assert out.price <= price
    else:
        assert out.price >= price
    assert abs(out.price - price) < RULES.tick_size
