"""Local validation and safe rounding of orders before anything is sent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from execution.errors import ValidationError
from execution.exchange.order_request import (
    build_order_request,
    check_client_order_id,
    new_client_order_id,
)
from execution.models import OrderSide, OrderType, TimeInForce
from execution.rules import SymbolRules

RULES = SymbolRules(
    symbol="BTCUSDT",
    tick_size=Decimal("0.1"),
    step_size=Decimal("0.001"),
    min_qty=Decimal("0.001"),
    max_qty=Decimal("1000"),
    min_notional=Decimal("5"),
    min_price=Decimal("0.1"),
    max_price=Decimal("1000000"),
)

D = Decimal


def params_of(**kwargs: object) -> dict[str, str]:
    return dict(build_order_request(RULES, **kwargs).params)  # type: ignore[arg-type]


def test_limit_buy_rounds_quantity_down_and_price_down() -> None:
    params = params_of(side=OrderSide.BUY, order_type=OrderType.LIMIT,
                       quantity=D("0.0129"), price=D("50000.19"))
    assert params["quantity"] == "0.012" and params["price"] == "50000.1"
    assert params["timeInForce"] == "GTC" and params["type"] == "LIMIT"
    assert check_client_order_id(params["newClientOrderId"])


def test_limit_sell_rounds_price_up() -> None:
    params = params_of(side=OrderSide.SELL, order_type=OrderType.LIMIT,
                       quantity=D("0.01"), price=D("50000.11"), time_in_force=TimeInForce.GTX)
    assert params["price"] == "50000.2" and params["timeInForce"] == "GTX"


@pytest.mark.parametrize(
    ("side", "order_type", "expected"),
    [
        (OrderSide.SELL, OrderType.STOP_LOSS, "49000.2"),  # long stop: fires earlier (up)
        (OrderSide.BUY, OrderType.STOP_LOSS, "49000.1"),  # short stop: fires earlier (down)
        (OrderSide.SELL, OrderType.TAKE_PROFIT, "49000.2"),  # closing a long: no lower
        (OrderSide.BUY, OrderType.TAKE_PROFIT, "49000.1"),  # closing a short: no higher
    ],
)
def test_stop_price_rounds_toward_the_safe_side(
    side: OrderSide, order_type: OrderType, expected: str
) -> None:
    params = params_of(side=side, order_type=order_type, quantity=D("0.01"),
                       stop_price=D("49000.15"))
    assert params["stopPrice"] == expected and params["type"] == order_type.exchange_type


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"order_type": OrderType.LIMIT, "quantity": D("0.01")}, "price"),
        ({"order_type": OrderType.STOP_LOSS, "quantity": D("0.01")}, "stop_price"),
        ({"order_type": OrderType.LIMIT, "quantity": D("0.0001"), "price": D("50000")},
         "quantity"),
        ({"order_type": OrderType.LIMIT, "quantity": D("0.001"), "price": D("100")},
         "notional"),
        ({"order_type": OrderType.MARKET, "quantity": None}, "quantity"),
        ({"order_type": OrderType.MARKET, "quantity": D("1"), "price": D("1")}, "price"),
        ({"order_type": OrderType.MARKET, "quantity": D("1"),
          "time_in_force": TimeInForce.GTC}, "time_in_force"),
        ({"order_type": OrderType.LIMIT, "quantity": D("1"), "price": D("50000"),
          "time_in_force": "gtc"}, "time_in_force"),  # "GTC" is taken, any other spelling not
        ({"order_type": OrderType.TRAILING_STOP_MARKET, "quantity": D("1")}, "callback_rate"),
        ({"order_type": OrderType.TRAILING_STOP_MARKET, "quantity": D("1"),
          "callback_rate": D("9")}, "callback_rate"),
        ({"order_type": OrderType.MARKET, "quantity": D("1"), "client_order_id": "bad id!"},
         "client_order_id"),
        ({"order_type": OrderType.MARKET, "quantity": D("1"), "client_order_id": "x" * 37},
         "client_order_id"),
        ({"order_type": OrderType.LIMIT, "quantity": D("1"), "price": D("2000000")}, "price"),
        ({"order_type": OrderType.MARKET, "quantity": D("-1")}, "quantity"),
    ],
)
def test_rejections_name_field_value_and_rule(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        build_order_request(RULES, OrderSide.BUY, **kwargs)  # type: ignore[arg-type]
    assert info.value.field == field and info.value.rule


def test_market_notional_is_checked_with_a_reference_price() -> None:
    with pytest.raises(ValidationError):
        build_order_request(RULES, OrderSide.BUY, OrderType.MARKET, D("0.001"),
                            reference_price=D("100"))
    build_order_request(RULES, OrderSide.BUY, OrderType.MARKET, D("0.001"),
                        reference_price=D("50000"))


def test_trailing_stop_and_close_position_params() -> None:
    params = params_of(side=OrderSide.SELL, order_type=OrderType.TRAILING_STOP_MARKET,
                       quantity=D("0.01"), callback_rate=D("1.5"), activation_price=D("51000.05"))
    assert params["callbackRate"] == "1.5" and params["activationPrice"] == "51000.1"
    params = params_of(side=OrderSide.SELL, order_type=OrderType.STOP_LOSS, quantity=None,
                       close_position=True, stop_price=D("45000"))
    assert params["closePosition"] == "true" and "quantity" not in params


def test_generated_client_order_ids_are_valid_and_unique() -> None:
    ids = {new_client_order_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(check_client_order_id(i) for i in ids)


prices = st.decimals(min_value=D("0.1"), max_value=D("999999"), places=4)
quantities = st.decimals(min_value=D("0.001"), max_value=D("999"), places=5)


@given(quantities, prices, st.sampled_from(list(OrderSide)))
def test_rounding_is_never_worse_than_asked(
    quantity: Decimal, price: Decimal, side: OrderSide
) -> None:
    try:
        request = build_order_request(RULES, side, OrderType.LIMIT, quantity, price=price)
    except ValidationError:
        return
    order = request.order
    assert order.quantity <= quantity and quantity - order.quantity < RULES.step_size
    assert order.price is not None and abs(order.price - price) < RULES.tick_size
    assert order.price <= price if side is OrderSide.BUY else order.price >= price
    assert order.quantity % RULES.step_size == 0 and order.price % RULES.tick_size == 0
