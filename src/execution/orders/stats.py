"""Order statistics: counts, fill rate, volume, fees, time to fill and realised PnL.

Volume is the filled notional (filled quantity times average fill price). The fill rate is
filled orders over orders that have ended (an order still working has not had its chance).
Time to fill is measured on the exchange's clock, from creation to the last fill, for orders
that filled completely.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from execution.models import OrderStatus
from execution.orders.managed import ManagedOrder

ZERO = Decimal(0)
_FINAL = frozenset({OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.EXPIRED,
                    OrderStatus.REJECTED})


@dataclass(frozen=True, slots=True)
class GroupStatistics:
    """Statistics over one group of orders (all, or one strategy's)."""

    count: int
    by_status: dict[str, int]
    filled: int
    fill_rate: Decimal  # filled / ended, 0 when none ended
    volume: Decimal  # filled notional
    fees: dict[str, Decimal]  # by commission asset
    average_time_to_fill_ms: Decimal | None
    realized_pnl: Decimal


@dataclass(frozen=True, slots=True)
class OrderStatistics:
    """Totals, plus the same by strategy (orders without one under None)."""

    total: GroupStatistics
    by_strategy: dict[str | None, GroupStatistics] = field(default_factory=dict)

    @property
    def by_status(self) -> dict[str, int]:
        return self.total.by_status


class _Accumulator:
    __slots__ = ("count", "ended", "fees", "fill_times", "filled", "pnl", "statuses", "volume")

    def __init__(self) -> None:
        self.count = 0
        self.ended = 0
        self.filled = 0
        self.statuses: Counter[str] = Counter()
        self.volume = ZERO
        self.fees: dict[str, Decimal] = {}
        self.fill_times: list[int] = []
        self.pnl = ZERO

    def add(self, managed: ManagedOrder) -> None:
        order = managed.order
        self.count += 1
        self.statuses[order.status.value] += 1
        if order.status in _FINAL:
            self.ended += 1
        if order.filled_quantity > 0 and order.average_price is not None:
            self.volume += order.filled_quantity * order.average_price
        if order.commission:
            asset = order.commission_asset or "?"
            self.fees[asset] = self.fees.get(asset, ZERO) + order.commission
        self.pnl += order.realized_pnl
        if order.status is OrderStatus.FILLED:
            self.filled += 1
            start = order.created_at or managed.submitted_at
            if managed.filled_at is not None and start and managed.filled_at >= start:
                self.fill_times.append(managed.filled_at - start)

    def result(self) -> GroupStatistics:
        fill_rate = Decimal(self.filled) / Decimal(self.ended) if self.ended else ZERO
        average = (
            Decimal(sum(self.fill_times)) / Decimal(len(self.fill_times))
            if self.fill_times else None
        )
        return GroupStatistics(
            count=self.count,
            by_status=dict(self.statuses),
            filled=self.filled,
            fill_rate=fill_rate,
            volume=self.volume,
            fees=dict(self.fees),
            average_time_to_fill_ms=average,
            realized_pnl=self.pnl,
        )


def compute_statistics(orders: Iterable[ManagedOrder]) -> OrderStatistics:
    """Statistics over `orders`, in total and by strategy."""
    total = _Accumulator()
    by_strategy: dict[str | None, _Accumulator] = {}
    for managed in orders:
        total.add(managed)
        group = by_strategy.get(managed.strategy_name)
        if group is None:
            group = by_strategy[managed.strategy_name] = _Accumulator()
        group.add(managed)
    return OrderStatistics(
        total=total.result(),
        by_strategy={name: acc.result() for name, acc in by_strategy.items()},
    )
