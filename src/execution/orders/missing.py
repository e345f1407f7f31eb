"""Settling an order the manager believes open but the exchange says does not exist.

An acknowledged order (it has an exchange order id, or was seen NEW) whose query answers
-2013 "order does not exist" used to stay NEW for ever: it kept counting toward the open
orders and, for a stop, as protection of a position the exchange holds naked. The exchange
is the source of truth, but one "does not exist" is checked twice more before it is taken:
the order must also be absent from the symbol's open orders and from its order history
(`allOrders`). If the history shows it, its final state is applied; if it shows nowhere,
the order is settled EXPIRED (it can no longer execute) and the exchange's word is kept in
its `attributes` (`NOT_ON_EXCHANGE`) and in a note of its audit trail.

Orders never acknowledged (PENDING_NEW) are not handled here: their "does not exist" is
the unknown-outcome question, settled by the grace period in `lifecycle.refresh`.
"""

from __future__ import annotations

import logging

from execution.errors import ExchangeError, ExecutionError
from execution.models import Order
from execution.orders.core import ManagerCore
from execution.orders.lifecycle import OrderLifecycle
from execution.orders.managed import ManagedOrder
from execution.orders.state import OrderExpired

logger = logging.getLogger(__name__)

# `ManagedOrder.attributes` key: the exchange's answer that settled an order it does not have.
NOT_ON_EXCHANGE = "not_on_exchange"
# How far before the order's creation the history is read (clock differences).
_HISTORY_MARGIN_MS = 60_000


async def find_in_history(core: ManagerCore, managed: ManagedOrder) -> Order | None:
    """`managed` in the exchange's order history of its symbol, from a while before it was
    created or sent (in the exchange's time: its clock, when the client keeps one, less the
    time elapsed here); None if absent. Raises if the history cannot be read."""
    exchange = core.exchange
    since = managed.order.created_at or managed.submitted_at
    server_clock = getattr(exchange, "clock", None)
    if server_clock is not None and not managed.order.created_at:
        since = server_clock.now_ms() - (core.now_ms() - since)
    history = await exchange.get_all_orders(
        managed.symbol, start_time=since - _HISTORY_MARGIN_MS, limit=1000
    )
    return next(
        (o for o in history if o.client_order_id == managed.client_order_id
         and (not managed.order_id or o.order_id == managed.order_id)),
        None,
    )


async def settle_missing(
    core: ManagerCore, lifecycle: OrderLifecycle, managed: ManagedOrder, cause: ExchangeError
) -> bool:
    """Settle `managed` after the exchange answered `cause` (-2013) to a query of it.

    Returns True when the order was brought to a final state (from the history, or
    EXPIRED as absent everywhere); False when it is not for this path (final already, never
    acknowledged), still listed open, or the checks could not be made (left as it is)."""
    if not managed.is_open or managed.never_acknowledged:
        return False
    exchange = core.exchange
    symbol = managed.symbol
    try:
        open_orders = await exchange.get_open_orders(symbol)
        if any(o.client_order_id == managed.client_order_id for o in open_orders):
            return False
        listed = await find_in_history(core, managed)
    except ExecutionError as exc:
        logger.warning("order %s: not found, and the check could not be made (%s)",
                       managed.client_order_id, exc)
        return False
    if listed is not None:
        lifecycle.apply_snapshot(managed, listed)
        return not managed.is_open
    word = f"[{cause.code}] {cause.message}" if cause.code is not None else cause.message
    logger.warning(
        "order %s (%s %s) is not on the exchange (%s; not in open orders nor history): "
        "settled EXPIRED", managed.client_order_id, symbol, managed.order_id or "-", word,
    )
    managed.attributes[NOT_ON_EXCHANGE] = word
    core.recorder.note(managed, NOT_ON_EXCHANGE, {
        "code": cause.code, "message": cause.message, "status_before": managed.status.value,
        "checked": ["query", "openOrders", "allOrders"],
    })
    lifecycle.apply(managed, OrderExpired(managed.client_order_id, core.now_ms()))
    return True
