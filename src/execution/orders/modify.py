"""Modify by cancel-and-replace, never leaving both orders live or, silently, neither.

The replacement is only sent once the exchange confirmed the cancel. If the cancel fails the
original stays as it is and the error is raised. If the original filled before the cancel
landed, nothing is replaced. If the replacement is refused after the cancel succeeded, the
failure is recorded on the original (audit trail) and `ReplaceFailedError` is raised. If
the replacement's outcome is unknown (its answer lost and the query by client id did not
settle it), it may be live: it is returned as PENDING_NEW, tracked by its client order id,
and the user stream or polling settles it.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from decimal import Decimal

from execution.errors import ExecutionError, ValidationError
from execution.intent import OrderIntent, params_from_attributes
from execution.models import OrderStatus, PositionSide, WorkingType
from execution.orders.cancellation import OrderCanceller
from execution.orders.core import ManagerCore
from execution.orders.managed import ManagedOrder
from execution.orders.placement import (
    POSITION_SIDE,
    WORKING_TYPE,
    OrderPlacer,
    is_final_rejection,
    is_protective,
)

logger = logging.getLogger(__name__)


class ReplaceFailedError(ExecutionError):
    """The original was cancelled but its replacement could not be placed: nothing is live.

    `original` is the cancelled order, `cause` the error the replacement met."""

    def __init__(self, original: ManagedOrder, cause: BaseException) -> None:
        self.original = original
        self.cause = cause
        super().__init__(
            f"order {original.client_order_id} was cancelled but its replacement failed: "
            f"{cause}"
        )


def modified_intent(
    managed: ManagedOrder, new_price: Decimal | None, new_quantity: Decimal | None
) -> OrderIntent:
    """The replacement's intent: `new_price` moves the limit price (or, for a stop or
    take-profit market order, the trigger); `new_quantity` is the new total, of which what
    has already filled counts."""
    order = managed.order
    price, stop_price = order.price, order.stop_price
    if new_price is not None:
        if order.order_type.needs_price:
            price = new_price
        elif order.order_type.needs_stop_price:
            stop_price = new_price
        else:
            raise ValidationError("new_price", new_price, f"a {order.order_type.name} has none")
    extras = params_from_attributes(managed.attributes)  # every parameter it was sent with
    total = new_quantity if new_quantity is not None else order.quantity
    remaining = total - order.filled_quantity
    if extras.get("close_position"):  # closes the whole position: no quantity of its own
        if new_quantity is not None:
            raise ValidationError("new_quantity", new_quantity,
                                  "a close-position stop has no quantity")
        remaining = Decimal(0)
    elif remaining <= 0:
        raise ValidationError(
            "new_quantity", total, f"not above the filled quantity {order.filled_quantity}"
        )
    if new_price is not None and order.order_type.needs_price:
        extras.pop("peg_price_type", None)  # a price given: no longer pegged to the book
        extras.pop("peg_offset", None)
    return OrderIntent(
        **extras,  # type: ignore[arg-type]
        symbol=order.symbol,
        side=order.side,
        order_type=order.order_type,
        quantity=remaining,
        price=price,
        stop_price=stop_price,
        time_in_force=order.time_in_force,
        reduce_only=order.reduce_only,
        working_type=order.working_type or _stored_working_type(managed),
        position_side=PositionSide(
            managed.attributes.get(POSITION_SIDE, order.position_side.value)),
    )


def _stored_working_type(managed: ManagedOrder) -> WorkingType | None:
    stored = managed.attributes.get(WORKING_TYPE)
    return None if stored is None else WorkingType(stored)


async def cancel_and_replace(
    core: ManagerCore,
    placer: OrderPlacer,
    canceller: OrderCanceller,
    managed: ManagedOrder,
    *,
    new_price: Decimal | None = None,
    new_quantity: Decimal | None = None,
) -> ManagedOrder:
    """Cancel `managed` and place its replacement; returns the replacement, or the original
    when it filled (or the new quantity was reached) before the cancel landed."""
    if not managed.is_open:
        raise ValidationError(
            "order_id", managed.client_order_id, f"order is {managed.status.value}, not open"
        )
    if new_price is None and new_quantity is None:
        raise ValidationError("new_price", None, "give new_price or new_quantity")
    intent = modified_intent(managed, new_price, new_quantity)
    # Validate before touching the original: a modification that cannot be sent changes
    # nothing. The original's own slot counts as free.
    recorder = core.recorder
    protective = is_protective(managed.role, intent, managed.tags)
    filled_before = managed.filled_quantity
    # The replacement goes out as validated: rounded by the symbol's rules (the tracked
    # order then says what the exchange has, not the figure asked for).
    intent = await placer.validate(intent, replacing=managed, protective=protective)
    if recorder.store is not None and not protective:
        # The replacement must be committed before it is sent: a store that cannot write
        # would refuse it after the original is gone. Write first (StoreUnavailableError
        # raised here leaves the original working, unchanged).
        recorder.record(managed)
        await recorder.flush()

    await canceller.cancel(managed)  # raises: the original stays as it is
    if managed.status is OrderStatus.FILLED:
        logger.info("order %s filled before its cancel: not replaced", managed.client_order_id)
        return managed
    if managed.is_open:
        raise ExecutionError(
            f"order {managed.client_order_id}: cancel not confirmed; not replaced"
        )
    total = intent.quantity + filled_before  # the new total, rounded with the intent
    remaining = total - managed.filled_quantity
    if remaining <= 0 and not intent.close_position:
        logger.info("order %s reached the new quantity before its cancel", managed.client_order_id)
        return managed
    if not intent.close_position:
        intent = replace(intent, quantity=remaining)
    replacement_id = placer.new_client_order_id()
    managed.replaced_by = replacement_id
    recorder.record(managed)
    try:
        return await placer.submit(
            intent,
            strategy_name=managed.strategy_name,
            tags=managed.tags,
            parent_order_id=managed.parent_order_id,
            role=managed.role,
            client_order_id=replacement_id,
            replaces=managed.client_order_id,
            attributes=dict(managed.attributes),
        )
    except ExecutionError as exc:
        failure = exc
    replacement = core.registry.get(replacement_id)
    if (
        not is_final_rejection(failure)
        and replacement is not None
        and replacement.status is OrderStatus.PENDING_NEW
    ):
        # It may well be live: it stays tracked by its client id, and the stream or
        # polling settles it (REJECTED once the exchange is sure not to have it).
        logger.warning(
            "order %s cancelled; its replacement %s has an unknown outcome (%s): "
            "tracked as PENDING_NEW until the exchange tells",
            managed.client_order_id, replacement_id, failure,
        )
        recorder.note(
            managed,
            "REPLACE_UNKNOWN",
            {"replacement_client_order_id": replacement_id, "error": str(failure)},
        )
        return replacement
    logger.error(
        "order %s cancelled but its replacement %s failed: %s",
        managed.client_order_id, replacement_id, failure,
    )
    recorder.note(
        managed,
        "REPLACE_FAILED",
        {"replacement_client_order_id": replacement_id, "error": str(failure)},
    )
    raise ReplaceFailedError(managed, failure) from failure
