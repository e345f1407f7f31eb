"""`OrderLookup`: asking the exchange where one order stands, and settling what it says.

`refresh` queries an order by its client id and applies the answer. "Does not exist" means
different things: for an acknowledged order it is settled by `missing` (checked against the
open orders and the history first); for an order never acknowledged (an unknown outcome)
it means nothing until the horizon (`pending_grace`) is over, when the order history is
read and, if it is absent there too, the order is taken as never placed (REJECTED locally)
and looked at again later (`second_looks`): should the exchange show it after all, it
follows the exchange.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from execution.errors import ExecutionError, OrderNotFoundError
from execution.exchange.strategy_orders import StrategyType
from execution.models import OrderStatus
from execution.orders.bracket import LEG_OF, waiting_leg
from execution.orders.core import ManagerCore
from execution.orders.lifecycle import OrderLifecycle
from execution.orders.managed import ManagedOrder
from execution.orders.missing import find_in_history, settle_missing
from execution.orders.state import OrderCanceled, OrderEvent, OrderExpired, OrderRejected

logger = logging.getLogger(__name__)

SECOND_LOOKS = 2  # looks at an order taken as never placed, after the horizon
# A waiting strategy leg the exchange ended without placing it.
_ENDED: dict[OrderStatus, Callable[[str, int], OrderEvent]] = {
    OrderStatus.CANCELED: OrderCanceled,
    OrderStatus.EXPIRED: OrderExpired,
    OrderStatus.REJECTED: lambda client_order_id, at: OrderRejected(
        client_order_id, "rejected by the exchange (strategy leg)", at),
}


class OrderLookup:
    """Queries of single orders, and the second looks at orders taken as never placed."""

    def __init__(self, core: ManagerCore, lifecycle: OrderLifecycle) -> None:
        self._core = core
        self._lifecycle = lifecycle
        # client id -> (when, in ms, an order taken as never placed is looked up again;
        # how many looks are left): a horizon later, then two horizons after that
        self.second_looks: dict[str, tuple[int, int]] = {}

    def grace_over(self, managed: ManagedOrder) -> bool:
        """The placement is older than the horizon (a request the exchange accepted but has
        not processed yet would also be "not found")."""
        core = self._core
        return core.now_ms() - managed.submitted_at >= core.settings.pending_grace_ms

    async def refresh(self, managed: ManagedOrder) -> None:
        """Query the order by client id and apply what the exchange says. An order that
        is unknown to the exchange and never acknowledged (PENDING_NEW, or PENDING_CANCEL
        with no exchange order id) after the grace period never reached it: it is marked
        REJECTED (locally: should the exchange show it after all, it follows the exchange)."""
        core, lifecycle = self._core, self._lifecycle
        if waiting_leg(managed):
            await self._refresh_leg(managed)
            return
        try:
            snapshot = await core.exchange.fetch_order(
                managed.symbol, client_order_id=managed.client_order_id
            )
        except OrderNotFoundError as exc:
            if not managed.never_acknowledged:
                await settle_missing(core, lifecycle, managed, exc)  # -2013, a known order
            elif self.grace_over(managed):
                await self._settle_never_seen(managed)
            return
        except ExecutionError as exc:
            logger.warning("refresh of %s failed: %s", managed.client_order_id, exc)
            return
        # Open on the exchange with no cancel of ours in flight: a cancel that raced the
        # placement (or whose answer was lost) did not happen; the order is working.
        lifecycle.apply_open_snapshot(managed, snapshot)

    async def _refresh_leg(self, managed: ManagedOrder) -> None:
        """A native bracket's exit the exchange holds until its trigger: asked about
        through its strategy. Still waiting, nothing moves; ended without being placed, it
        takes the strategy's word; placed (or with no strategy to ask: other credentials,
        or the strategy gone), it is looked up by its client id like any order."""
        core = self._core
        strategies = core.exchange.strategy_orders
        leg = None
        if strategies is not None:
            try:
                found = await strategies.find(StrategyType.OTOCO, managed.attributes[LEG_OF])
            except ExecutionError as exc:
                logger.warning("strategy leg %s: lookup failed: %s", managed.client_order_id,
                               exc)
                return
            leg = None if found is None else found.leg(managed.client_order_id)
            if leg is not None and not leg.order_id:
                ended = _ENDED.get(leg.status)
                if ended is not None:
                    self._lifecycle.apply(managed, ended(managed.client_order_id, core.now_ms()))
                return
        try:
            snapshot = await core.exchange.fetch_order(
                managed.symbol, client_order_id=managed.client_order_id
            )
        except OrderNotFoundError:
            if leg is None:
                self._leg_never_placed(managed)
            return
        except ExecutionError as exc:
            logger.warning("strategy leg %s: lookup failed: %s", managed.client_order_id, exc)
            return
        self._lifecycle.apply_open_snapshot(managed, snapshot)

    def _leg_never_placed(self, managed: ManagedOrder) -> None:
        """No strategy tells, and the exchange has no order by the leg's client id. Its
        entry ended without a fill: the trigger can no longer come (CANCELED). Its entry
        has filled and the horizon is over: the leg was refused when triggered (REJECTED
        locally, revised should it turn up). Otherwise it may still be placed."""
        entry = self._core.registry.get(managed.parent_order_id or "")
        if entry is None or self.end_orphan_leg(managed):
            return
        if entry.filled_quantity > 0 and self.grace_over(managed):
            self._lifecycle.apply(managed, OrderRejected(
                managed.client_order_id, "its strategy never placed it", self._core.now_ms(),
                local=True,
            ))

    def end_orphan_leg(self, managed: ManagedOrder) -> bool:
        """A waiting leg whose entry ended without a fill: its trigger can no longer come.
        Never placed itself when the entry was not (REJECTED locally), else CANCELED.
        False when its entry may still fill."""
        entry = self._core.registry.get(managed.parent_order_id or "")
        if entry is None or entry.is_open or entry.filled_quantity > 0:
            return False
        now = self._core.now_ms()
        self._lifecycle.apply(managed, OrderRejected(
            managed.client_order_id, "its entry was never placed", now, local=True,
        ) if entry.status is OrderStatus.REJECTED else OrderCanceled(managed.client_order_id, now))
        return True

    async def _settle_never_seen(self, managed: ManagedOrder) -> None:
        core, lifecycle = self._core, self._lifecycle
        try:
            listed = await find_in_history(core, managed)
        except ExecutionError as error:
            logger.warning("order history of %s unreadable (%s): %s stays unknown",
                           managed.symbol, error, managed.client_order_id)
            return
        if listed is not None:
            lifecycle.apply_open_snapshot(managed, listed)
            return
        lifecycle.apply(
            managed,
            OrderRejected(
                managed.client_order_id, "not found on the exchange", core.now_ms(),
                local=True,
            ),
        )
        # One more look later: a request the exchange still held may come out after the
        # horizon, and its events can be missed (the stream away meanwhile).
        self.second_looks[managed.client_order_id] = (
            core.now_ms() + core.settings.pending_grace_ms, SECOND_LOOKS
        )

    async def run_second_looks(self, now: int) -> None:
        """Orders taken as never placed, looked up once more a horizon later: should the
        exchange have carried one out after all, it follows the exchange."""
        core = self._core
        due = self.second_looks
        horizon_ms = core.settings.pending_grace_ms
        for client_order_id, (at, looks_left) in list(due.items()):
            if at > now:
                continue
            del due[client_order_id]
            managed = core.registry.by_client_id.get(client_order_id)
            if managed is None or not managed.rejected_locally:
                continue
            try:
                snapshot = await core.exchange.fetch_order(
                    managed.symbol, client_order_id=client_order_id
                )
            except OrderNotFoundError:
                if looks_left > 1:  # not there yet: once more, two horizons later
                    due[client_order_id] = (now + 2 * horizon_ms, looks_left - 1)
                continue
            except ExecutionError as exc:
                logger.warning("second look at %s failed: %s", client_order_id, exc)
                due[client_order_id] = (now + horizon_ms, looks_left)  # asked again later
                continue
            logger.warning("order %s, taken as never placed, is on the exchange after all "
                           "(%s): following the exchange", client_order_id,
                           snapshot.status.value)
            self._lifecycle.apply_snapshot(managed, snapshot)
