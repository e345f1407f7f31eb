"""Statistics by status and by strategy."""

from __future__ import annotations

from decimal import Decimal

from execution.models import Order, OrderSide, OrderStatus, OrderType
from execution.orders.managed import ManagedOrder
from execution.orders.state import OrderAccepted, OrderCanceled, OrderFilled
from execution.orders.stats import compute_statistics

D = Decimal


def order(cid: str, strategy: str | None, quantity: str = "1") -> ManagedOrder:
    m = ManagedOrder(
        Order("BTCUSDT", OrderSide.BUY, OrderType.LIMIT, D(quantity), cid, price=D("100")),
        strategy_name=strategy,
    )
    m.apply(OrderAccepted(cid, cid, 1000))
    m.order.created_at = 1000
    return m


def test_statistics() -> None:
    a = order("a", "s1")
    a.apply(
        OrderFilled(
            "a",
            1,
            D("1"),
            D("100"),
            D("1"),
            1500,
            commission=D("0.05"),
            commission_asset="USDT",
            realized_pnl=D("2.5"),
        )
    )
    b = order("b", "s1")
    b.apply(
        OrderFilled(
            "b",
            2,
            D("0.5"),
            D("110"),
            D("0.5"),
            1200,
            commission=D("0.02"),
            commission_asset="USDT",
        )
    )
    b.apply(OrderCanceled("b", 1300))
    c = order("c", "s2")
    d = order("d", None)
    d.apply(OrderFilled("d", 3, D("1"), D("90"), D("1"), 3000, realized_pnl=D("-1")))
    stats = compute_statistics([a, b, c, d])
    total = stats.total
    assert total.count == 4
    assert stats.by_status == {"FILLED": 2, "CANCELED": 1, "NEW": 1}
    assert total.fill_rate == D(2) / D(3)
    assert total.volume == D("100") + D("55") + D("90")
    assert total.fees == {"USDT": D("0.07")}
    assert total.average_time_to_fill_ms == D("1250")  # (500 + 2000) / 2
    assert total.realized_pnl == D("1.5")
    s1 = stats.by_strategy["s1"]
    assert (s1.count, s1.filled, s1.fill_rate) == (2, 1, D("0.5"))
    assert stats.by_strategy["s2"].fill_rate == 0
    assert stats.by_strategy[None].volume == D("90")
    assert a.status is OrderStatus.FILLED


def test_empty() -> None:
    stats = compute_statistics([])
    assert stats.total.count == 0 and stats.total.average_time_to_fill_ms is None
