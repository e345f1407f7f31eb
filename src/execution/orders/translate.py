"""Turning what the exchange says (stream updates, REST snapshots) into order events.

A stream `ORDER_TRADE_UPDATE` names what happened (`execution_type`); a REST answer only
shows where the order is now, so the events are derived by comparing it with what the
manager knows: an acknowledgement, a fill for the difference in cumulative quantity, and
the end of the order when it has ended.
"""

from __future__ import annotations

from decimal import Decimal

from execution.models import Order, OrderStatus, OrderUpdate
from execution.orders.managed import ManagedOrder
from execution.orders.state import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
)

ZERO = Decimal(0)


def events_from_snapshot(
    managed: ManagedOrder, snapshot: Order, now_ms: int
) -> list[OrderEvent]:
    """The events that take `managed` to the state `snapshot` shows (`now_ms`: the time of
    events the snapshot does not date)."""
    client_order_id = managed.client_order_id
    timestamp = snapshot.updated_at or now_ms
    events: list[OrderEvent] = []
    if snapshot.status is OrderStatus.REJECTED:
        return [OrderRejected(client_order_id, "rejected by the exchange", timestamp)]
    if snapshot.order_id and (
        managed.status is OrderStatus.PENDING_NEW or not managed.order_id
    ):
        events.append(OrderAccepted(client_order_id, snapshot.order_id, timestamp))
    if snapshot.filled_quantity > managed.filled_quantity:
        delta = snapshot.filled_quantity - managed.filled_quantity
        price = snapshot.average_price or snapshot.price or managed.order.price or ZERO
        events.append(
            OrderFilled(
                client_order_id,
                trade_id=0,
                last_quantity=delta,
                last_price=price,
                cumulative_quantity=snapshot.filled_quantity,
                timestamp=timestamp,
                average_price=snapshot.average_price,
            )
        )
    if snapshot.status is OrderStatus.CANCELED:
        events.append(OrderCanceled(client_order_id, timestamp))
    elif snapshot.status is OrderStatus.EXPIRED:
        events.append(OrderExpired(client_order_id, timestamp))
    return events


def events_from_update(
    managed: ManagedOrder, update: OrderUpdate, now_ms: int
) -> list[OrderEvent]:
    """The events one stream update (or a resync update) carries for `managed`."""
    if update.from_resync:
        return events_from_snapshot(managed, update.order, now_ms)
    client_order_id = managed.client_order_id
    timestamp = update.transaction_time or update.event_time or now_ms
    execution_type = update.execution_type
    order = update.order
    if execution_type in ("TRADE", "CALCULATED") and update.last_filled_quantity > 0:
        events: list[OrderEvent] = []
        if order.order_id and (managed.status is OrderStatus.PENDING_NEW or not managed.order_id):
            events.append(OrderAccepted(client_order_id, order.order_id, timestamp))
        events.append(
            OrderFilled(
                client_order_id,
                trade_id=update.trade_id,
                last_quantity=update.last_filled_quantity,
                last_price=update.last_filled_price,
                cumulative_quantity=order.filled_quantity,
                timestamp=timestamp,
                average_price=order.average_price,
                commission=update.commission,
                commission_asset=update.commission_asset,
                realized_pnl=update.realized_pnl,
            )
        )
        return events
    if execution_type == "NEW":
        return [OrderAccepted(client_order_id, order.order_id, timestamp)]
    # CANCELED, EXPIRED, REJECTED, AMENDMENT or anything new: go by the order's state.
    return events_from_snapshot(managed, order, now_ms)
