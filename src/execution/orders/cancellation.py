"""`OrderCanceller`: cancelling orders and knowing, afterwards, where they stand.

A cancel is recorded (PENDING_CANCEL) before it is sent. If it fails the order goes back
to working and is refreshed from the exchange (it may have filled meanwhile), and the
error is raised; a cancel that did not end the order is followed by a query.
"""

from __future__ import annotations

import logging

from execution.errors import ExecutionError, OrderNotFoundError, ValidationError
from execution.orders.bracket import waiting_leg
from execution.orders.core import ManagerCore
from execution.orders.lifecycle import OrderLifecycle
from execution.orders.lookup import OrderLookup
from execution.orders.managed import ManagedOrder
from execution.orders.state import OrderCancelRejected, OrderCancelRequested

logger = logging.getLogger(__name__)


class OrderCanceller:
    """Cancels for one manager."""

    def __init__(
        self, core: ManagerCore, lifecycle: OrderLifecycle, lookup: OrderLookup
    ) -> None:
        self._core = core
        self._registry = core.registry
        self._lifecycle = lifecycle
        self._lookup = lookup

    async def cancel(self, managed: ManagedOrder) -> None:
        """Cancel; on failure the order goes back to working, is refreshed, and the error
        is raised. A native bracket's waiting exit is not on the book: refused (nothing
        sent); cancelling its entry ends the bracket."""
        if waiting_leg(managed):
            raise ValidationError(
                "order_id", managed.client_order_id,
                "an exit the exchange holds for its bracket until the entry fills: cancel "
                f"the entry {managed.parent_order_id} to end the bracket",
            )
        lifecycle = self._lifecycle
        client_order_id = managed.client_order_id
        lifecycle.apply(managed, OrderCancelRequested(client_order_id, self._core.now_ms()))
        self._registry.cancelling.add(client_order_id)
        try:
            result = await self._core.exchange.cancel_order(
                managed.order_id or None, managed.symbol, client_order_id=client_order_id
            )
        except ExecutionError as exc:
            never_acknowledged = not managed.order_id
            lifecycle.apply(
                managed, OrderCancelRejected(client_order_id, str(exc), self._core.now_ms())
            )
            if never_acknowledged and isinstance(exc, OrderNotFoundError):
                # Not on the exchange yet, and its placement's outcome is unknown: it may
                # still come out of the exchange's queue. The cancel is kept and sent
                # when the order turns up.
                lifecycle.want_cancel(managed)
            await self._lookup.refresh(managed)
            raise
        finally:
            self._registry.cancelling.discard(client_order_id)
        lifecycle.apply_snapshot(managed, result)
        if managed.is_open:
            await self._lookup.refresh(managed)

    async def cancel_quietly(self, managed: ManagedOrder) -> None:
        """Cancel, logging instead of raising (brackets tidying up)."""
        try:
            await self.cancel(managed)
        except ExecutionError as exc:
            if managed.is_open:
                logger.error("cancel of %s failed: %s", managed.client_order_id, exc)

    async def cancel_all(self, symbol: str, tracked: list[ManagedOrder]) -> None:
        """Cancel every open order of `symbol` on the exchange, then bring each of
        `tracked` (the manager's open orders of the symbol) to its state."""
        lifecycle = self._lifecycle
        cancelling = self._registry.cancelling
        # A native bracket's waiting exits are not on the book: nothing to cancel there;
        # the strategy says afterwards what became of them (refreshed below).
        ids = [managed.client_order_id for managed in tracked if not waiting_leg(managed)]
        for managed in tracked:
            if waiting_leg(managed):
                continue
            lifecycle.apply(
                managed, OrderCancelRequested(managed.client_order_id, self._core.now_ms())
            )
        exchange = self._core.exchange
        cancelling.update(ids)
        try:
            await exchange.cancel_all_orders(symbol)
        finally:
            cancelling.difference_update(ids)
            still_open = {o.client_order_id: o for o in await exchange.get_open_orders(symbol)}
            for managed in tracked:
                snapshot = still_open.get(managed.client_order_id)
                if snapshot is not None:
                    lifecycle.apply_open_snapshot(managed, snapshot)
                elif managed.is_open:
                    await self._lookup.refresh(managed)
