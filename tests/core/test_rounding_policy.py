"""One rounding policy for every price an order carries, the same through the order
manager's validation and the client's request builder: BUY prices round down, SELL prices
up, so a limit or a take-profit is never worse and a stop never looser than asked."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from execution.exchange.order_request import build_order_request
from execution.models import OrderSide, OrderType, TimeInForce
from execution.orders.validation import OrderIntent, ValidationContext, validate_order
from execution.rules import Rounding, SymbolRules, safe_price_rounding

RULES = SymbolRules(
    symbol="BTCUSDT", tick_size=Decimal("0.1"), step_size=Decimal("0.001"),
    min_qty=Decimal("0.001"), max_qty=Decimal("1000"), min_price=Decimal("0.1"),
    max_price=Decimal("1000000"), min_notional=Decimal("5"),
)
MARK = Decimal("50000")
# (type, the price field it carries, side, a price on the side of the mark it must sit)
CASES = [
    (OrderType.LIMIT, "price", OrderSide.BUY, Decimal("-1")),
    (OrderType.LIMIT, "price", OrderSide.SELL, Decimal("1")),
    (OrderType.STOP_LOSS, "stop_price", OrderSide.SELL, Decimal("-1")),  # protects a long
    (OrderType.STOP_LOSS, "stop_price", OrderSide.BUY, Decimal("1")),  # protects a short
    (OrderType.TAKE_PROFIT, "stop_price", OrderSide.SELL, Decimal("1")),  # closes a long
    (OrderType.TAKE_PROFIT, "stop_price", OrderSide.BUY, Decimal("-1")),  # closes a short
]

# at least 1 away from the mark, in hundredths (finer than the tick)
hundredths = st.integers(min_value=100, max_value=499_999).map(lambda n: Decimal(n) / 100)


def test_the_policy_is_buy_down_sell_up() -> None:
    assert safe_price_rounding(OrderSide.BUY) is Rounding.DOWN
    assert safe_price_rounding(OrderSide.SELL) is Rounding.UP


@given(case=st.sampled_from(CASES), distance=hundredths)
def test_manager_and_client_round_alike_and_never_against_the_caller(
    case: tuple[OrderType, str, OrderSide, Decimal], distance: Decimal
) -> None:
    order_type, field, side, direction = case
    asked = MARK + direction * distance
    prices = {field: asked}
    tif = TimeInForce.GTC if order_type is OrderType.LIMIT else None
    intent = OrderIntent("BTCUSDT", side, order_type, Decimal("0.01"), time_in_force=tif,
                         **prices)  # type: ignore[arg-type]
    managed = validate_order(intent, ValidationContext(RULES, MARK))
    wire = dict(build_order_request(RULES, side, order_type, Decimal("0.01"),
                                    time_in_force=tif, **prices).params)  # type: ignore[arg-type]
    manager_price = getattr(managed, field)
    client_price = Decimal(wire["price" if field == "price" else "stopPrice"])
    assert manager_price == client_price
    if side is OrderSide.BUY:
        assert client_price <= asked  # pays no more / closes a short no higher / no looser
    else:
        assert client_price >= asked
    moved = asked - client_price if side is OrderSide.BUY else client_price - asked
    assert moved < RULES.tick_size  # by less than one tick
