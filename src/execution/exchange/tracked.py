"""`TrackedOrders`: the last known state of the orders a client placed or saw.

Bounded (the oldest are forgotten first) and by client order id; the user stream's resync
uses it to find the orders that closed while the stream was down.
"""

from __future__ import annotations

import copy
import dataclasses
import operator
from collections import OrderedDict

from execution.models import Order

TRACKED_LIMIT = 10_000

_ORDER_FIELD_VALUES = operator.attrgetter(*(field.name for field in dataclasses.fields(Order)))


def copy_order(order: Order) -> Order:
    """A shallow copy of `order`, field by field: `copy.copy`'s generic path through
    `__reduce_ex__` costs about five times as much, on every order placed or cancelled."""
    if type(order) is not Order:  # a subclass may carry fields of its own
        return copy.copy(order)
    return Order(*_ORDER_FIELD_VALUES(order))


class TrackedOrders:
    """Orders by client id, most recently seen last (copies: callers own what they get)."""

    def __init__(self, limit: int = TRACKED_LIMIT) -> None:
        self.limit = limit
        self._orders: OrderedDict[str, Order] = OrderedDict()

    def track(self, order: Order) -> Order:
        """Remember a copy of `order`'s state; returns `order` itself."""
        orders = self._orders
        orders[order.client_order_id] = copy_order(order)
        orders.move_to_end(order.client_order_id)
        if len(orders) > self.limit:
            orders.popitem(last=False)
        return order

    def forget(self, client_order_id: str) -> None:
        self._orders.pop(client_order_id, None)

    def open_orders(self) -> list[Order]:
        """The tracked orders last known to be open."""
        return [order for order in self._orders.values() if order.is_open]

    def snapshot(self) -> dict[str, Order]:
        return dict(self._orders)
