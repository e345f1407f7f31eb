"""Modify in place: the venue's PUT order changes a resting LIMIT order's price and/or total
quantity under the same ids, so there is no moment with neither order live, or both.

Used by `OrderManager.modify_order` wherever the venue (and the credentials' scheme) can;
elsewhere the order is cancelled and replaced (`modify`). The new figures pass the same
checks as a new order (the order's own slot counts as free). A refusal leaves the order
as it was. A PUT is never sent twice: after an answer that says nothing (status unknown,
no response) the order is read back; it has the new figures (amended) or it has not
(unchanged, and the error is raised).
"""

from __future__ import annotations

import logging
from decimal import Decimal

from execution.errors import ExecutionError, ValidationError
from execution.intent import OrderIntent, params_from_attributes
from execution.models import Order, OrderType, PositionSide
from execution.orders.core import ManagerCore
from execution.orders.lifecycle import OrderLifecycle
from execution.orders.managed import ManagedOrder
from execution.orders.placement import (
    POSITION_SIDE,
    OrderPlacer,
    is_final_rejection,
    is_protective,
)

logger = logging.getLogger(__name__)


def amendable(core: ManagerCore, managed: ManagedOrder) -> bool:
    """A working LIMIT order the exchange knows, on a venue that modifies in place."""
    order = managed.order
    return (order.order_type is OrderType.LIMIT and managed.is_open
            and bool(managed.order_id) and core.exchange.modifies_in_place)


async def amend_in_place(
    core: ManagerCore,
    placer: OrderPlacer,
    lifecycle: OrderLifecycle,
    managed: ManagedOrder,
    *,
    new_price: Decimal | None,
    new_quantity: Decimal | None,
) -> ManagedOrder:
    """Change `managed`'s price and/or total quantity in place; returns it, amended."""
    order = managed.order
    total = new_quantity if new_quantity is not None else order.quantity
    if total <= order.filled_quantity:
        raise ValidationError(
            "new_quantity", total, f"not above the filled quantity {order.filled_quantity}"
        )
    extras = params_from_attributes(managed.attributes)  # stpMode, ...; the leg below
    extras.pop("peg_price_type", None)  # a PUT sends a price: the order is priced now
    extras.pop("peg_offset", None)
    intent = OrderIntent(
        order.symbol, order.side, OrderType.LIMIT, total,
        price=new_price if new_price is not None else order.price,
        time_in_force=order.time_in_force, reduce_only=order.reduce_only,
        position_side=PositionSide(
            managed.attributes.get(POSITION_SIDE, order.position_side.value)),
        **extras,  # type: ignore[arg-type]
    )
    checked = await placer.validate(
        intent, replacing=managed, protective=is_protective(managed.role, intent, managed.tags)
    )
    recorder = core.recorder
    recorder.note(managed, "AMEND_REQUESTED", {"price": str(checked.price),
                                               "quantity": str(checked.quantity)})
    try:
        snapshot = await core.exchange.modify_order(
            order.symbol, order.side, checked.quantity, checked.price or Decimal(0),
            order_id=managed.order_id, client_order_id=managed.client_order_id,
        )
    except ExecutionError as exc:
        if is_final_rejection(exc):
            recorder.note(managed, "AMEND_REFUSED", {"error": str(exc)})
            raise
        snapshot = await _read_back(core, managed, exc)
        if not _shows(snapshot, checked):
            lifecycle.apply_open_snapshot(managed, snapshot)
            recorder.note(managed, "AMEND_NOT_DONE", {"error": str(exc)})
            raise
        logger.info("order %s: modify answered %s, but the exchange shows it done",
                    managed.client_order_id, type(exc).__name__)
    managed.rounded = checked.rounded
    lifecycle.amended(managed, snapshot)
    return managed


async def _read_back(core: ManagerCore, managed: ManagedOrder, cause: ExecutionError) -> Order:
    try:
        return await core.exchange.fetch_order(
            managed.symbol, client_order_id=managed.client_order_id
        )
    except ExecutionError as exc:
        logger.warning("order %s: modify outcome unknown (%s) and unreadable (%s)",
                       managed.client_order_id, cause, exc)
        raise cause from exc


def _shows(snapshot: Order, checked: OrderIntent) -> bool:
    return snapshot.price == checked.price and snapshot.quantity == checked.quantity
