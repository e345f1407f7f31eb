"""`OrderLifecycle`: applying events to orders, and what follows each change.

Every change to a tracked order goes through `apply`: the state machine
(`ManagedOrder.apply`), then the indexes, the store, the callbacks and, for a bracket's
leg, the bracket. Exchange answers (REST snapshots, stream updates) are turned into events
by `translate` first. An order the exchange shows but the manager does not track is
adopted or reported, as the manager's `adopt_policy` says (`adoption`); while an
`adoption_log` is kept (a start), each is listed in it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from execution.errors import MismatchedAnswerError
from execution.models import (
    LIQUIDATION_CLIENT_ID_PREFIX,
    Order,
    OrderStatus,
    OrderType,
    OrderUpdate,
)
from execution.orders.adoption import (
    ADL_CLIENT_ID,
    ADL_TAG,
    AdoptionLog,
    Origin,
    adopts,
    origin_of,
    owners_of,
)
from execution.orders.core import ManagerCore
from execution.orders.managed import LIQUIDATION_TAG, ManagedOrder, OrderRole, Transition
from execution.orders.state import OrderCancelRejected, OrderEvent, OrderFilled, Outcome
from execution.orders.translate import events_from_snapshot, events_from_update

logger = logging.getLogger(__name__)

# `ManagedOrder.attributes` key: a cancel was asked while the exchange did not have the order.
CANCEL_WANTED = "cancel_wanted"

_STOP_TYPES = (OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT)
_TAKE_PROFIT_TYPES = (OrderType.TAKE_PROFIT, OrderType.TAKE_PROFIT_LIMIT)
_WHOSE = {
    Origin.OWN: "its client id has this manager's prefix",
    Origin.EXCHANGE: "it is the exchange's own order",
    Origin.FOREIGN: "its client id has another manager's prefix",
    Origin.UNPREFIXED: "its client id has no manager's prefix",
    Origin.LIVE: "its client id has the prefix of another manager live on the store",
}


class OrderLifecycle:
    """Moves tracked orders by events. `on_leg_change` hears of every bracket leg moved;
    `cancel` is how an order whose cancel was asked early is cancelled once it turns up
    (both given by the facade: the lifecycle sits below brackets and cancellation)."""

    def __init__(
        self,
        core: ManagerCore,
        on_leg_change: Callable[[ManagedOrder], None],
        cancel: Callable[[ManagedOrder], Awaitable[None]],
    ) -> None:
        self._core = core
        self._registry = core.registry
        self._recorder = core.recorder
        self._callbacks = core.callbacks
        self._on_leg_change = on_leg_change
        self._cancel = cancel
        self.adoption_log: AdoptionLog | None = None  # kept during a start
        self._left: set[str] = set()  # untracked orders reported and not adopted

    def apply(self, managed: ManagedOrder, event: OrderEvent) -> Transition:
        """Apply an event: state machine, indexes, store, callbacks, brackets."""
        transition = managed.apply(event)
        outcome = transition.outcome
        if outcome is Outcome.DUPLICATE:
            return transition
        self._recorder.event(managed, event)
        if isinstance(event, OrderFilled) and outcome is not Outcome.ILLEGAL:
            # The day's result and the loss limits; also a trade's fees and PnL that come
            # after a REST snapshot counted its quantity (STALE).
            self._core.risk.follow((managed,))
        if outcome is not Outcome.APPLIED:
            return transition
        self._registry.changed(managed)
        self._fire(managed, transition)
        if managed.role is not OrderRole.SINGLE:
            self._on_leg_change(managed)
        return transition

    def apply_update(self, update: OrderUpdate) -> None:
        """A stream order update: applied to the order it names, or that order adopted."""
        snapshot = update.order
        managed = self._registry.find(snapshot.client_order_id, snapshot.order_id)
        if managed is None:
            self.consider(snapshot)
            return
        try:
            managed.check_describes(snapshot)
        except MismatchedAnswerError as exc:
            logger.error("%s", exc)
            return
        if update.execution_type == "AMENDMENT":
            self.amended(managed, snapshot)
            return
        for event in events_from_update(managed, update, self._core.now_ms()):
            self.apply(managed, event)

    def amended(self, managed: ManagedOrder, snapshot: Order) -> None:
        """The exchange changed the order's price or quantity in place (a modify): the
        order takes its new figures, recorded with a note, then its state as shown."""
        order = managed.order
        before = {"price": str(order.price), "quantity": str(order.quantity)}
        managed.check_describes(snapshot)
        if snapshot.price is not None and snapshot.price > 0:
            order.price = snapshot.price
        if snapshot.quantity > 0:
            order.quantity = snapshot.quantity
        if before != {"price": str(order.price), "quantity": str(order.quantity)}:
            self._recorder.record(managed)
            self._recorder.note(managed, "AMENDED", {
                "before": before, "price": str(order.price), "quantity": str(order.quantity),
            })
        for event in events_from_snapshot(managed, snapshot, self._core.now_ms()):
            self.apply(managed, event)

    def apply_snapshot(self, managed: ManagedOrder, snapshot: Order) -> None:
        """Bring `managed` to what a REST answer shows (never backwards); an answer about
        another order raises `MismatchedAnswerError` and changes nothing."""
        managed.check_describes(snapshot)
        for event in events_from_snapshot(managed, snapshot, self._core.now_ms()):
            self.apply(managed, event)

    def apply_open_snapshot(self, managed: ManagedOrder, snapshot: Order) -> None:
        """As `apply_snapshot`, for an order the exchange lists as open: a cancel that is
        no longer in flight (its answer was lost, or the process restarted) did not
        happen, so the order goes back to working."""
        self.apply_snapshot(managed, snapshot)
        if (
            managed.status is OrderStatus.PENDING_CANCEL
            and snapshot.status.is_open
            and managed.client_order_id not in self._registry.cancelling
        ):
            self.apply(
                managed,
                OrderCancelRejected(
                    managed.client_order_id, "still open on the exchange",
                    self._core.now_ms(),
                ),
            )

    def want_cancel(self, managed: ManagedOrder) -> None:
        """Remember that `managed` is to be cancelled as soon as the exchange shows it
        working (a cancel asked while its placement's outcome was unknown)."""
        managed.attributes[CANCEL_WANTED] = "1"
        self._recorder.record(managed)
        logger.warning("order %s: cancel asked before the exchange had it; it is cancelled "
                       "if it turns up", managed.client_order_id)

    def _cancel_if_wanted(self, managed: ManagedOrder) -> None:
        if managed.attributes.pop(CANCEL_WANTED, None) is None or not managed.is_open:
            return
        logger.info("order %s turned up: sending the cancel asked earlier",
                    managed.client_order_id)
        self._core.in_background(self._cancel(managed))

    def _fire(self, managed: ManagedOrder, transition: Transition) -> None:
        before, after = transition.before, transition.after
        if managed.order.order_id and CANCEL_WANTED in managed.attributes:
            self._cancel_if_wanted(managed)
        emit = self._callbacks.emit
        if before is OrderStatus.PENDING_NEW and after is not OrderStatus.REJECTED:
            emit("order_placed", managed)
            if managed.order.order_type in _STOP_TYPES:
                emit("stop_loss_placed", managed)
            elif managed.order.order_type in _TAKE_PROFIT_TYPES:
                emit("take_profit_placed", managed)
        if transition.filled_delta > 0 and after is not OrderStatus.FILLED and managed.is_open:
            emit("order_partially_filled", managed)
        if before is after:
            return
        if after is OrderStatus.FILLED:
            emit("order_filled", managed)
        elif after in (OrderStatus.CANCELED, OrderStatus.EXPIRED):
            emit("order_cancelled", managed)
        elif after is OrderStatus.REJECTED:
            emit("order_rejected", managed)

    def consider(self, snapshot: Order) -> ManagedOrder | None:
        """An order the exchange shows and the manager does not track: adopted if the
        policy takes orders of its origin (returned), else reported once (None)."""
        client_order_id = snapshot.client_order_id
        settings = self._core.settings
        origin = origin_of(client_order_id, settings.client_order_id_prefix,
                           owners_of(self._recorder.store))
        log = self.adoption_log
        if adopts(settings.adopt_policy, origin):
            managed = self.adopt(snapshot)
            if log is not None and client_order_id not in log.adopted:
                log.adopted.append(client_order_id)
            return managed
        if log is not None and client_order_id not in log.left(origin):
            log.left(origin).append(client_order_id)
        if client_order_id not in self._left:
            self._left.add(client_order_id)
            logger.warning(
                "order %s (%s, %s %s) on the exchange is not adopted: %s (adopt=%r)",
                client_order_id, snapshot.order_id, snapshot.symbol, snapshot.status.value,
                _WHOSE[origin], settings.adopt_policy.value,
            )
        return None

    def adopt(self, snapshot: Order) -> ManagedOrder:
        """Start tracking an order this manager did not place (found on the exchange).
        The exchange's liquidation orders are tagged "liquidation" and reported through
        the `position_liquidated` callback; its auto-deleveraging orders are tagged "adl"."""
        client_order_id = snapshot.client_order_id
        liquidation = client_order_id.startswith(LIQUIDATION_CLIENT_ID_PREFIX)
        order = Order(
            symbol=snapshot.symbol,
            side=snapshot.side,
            order_type=snapshot.order_type,
            quantity=snapshot.quantity,
            client_order_id=snapshot.client_order_id,
            price=snapshot.price,
            stop_price=snapshot.stop_price,
            time_in_force=snapshot.time_in_force,
            reduce_only=snapshot.reduce_only,
            position_side=snapshot.position_side,
            created_at=snapshot.created_at,
        )
        tags: tuple[str, ...] = ("adopted",)
        if liquidation:
            tags = ("adopted", LIQUIDATION_TAG)
        elif client_order_id.startswith(ADL_CLIENT_ID):
            tags = ("adopted", ADL_TAG)
        managed = ManagedOrder(order, tags=tags, adopted=True,
                               submitted_at=self._core.now_ms())
        self._registry.register(managed)
        self._recorder.record(managed)
        self._recorder.note(managed, "ADOPTED", {"order_id": snapshot.order_id})
        self.apply_snapshot(managed, snapshot)
        if liquidation:
            logger.warning("position liquidated: %s %s %s (liquidation order %s)",
                           snapshot.symbol, snapshot.side.value, snapshot.quantity,
                           managed.client_order_id)
            self._callbacks.emit("position_liquidated", managed)
            self._on_leg_change(managed)  # the symbol's brackets have nothing left to protect
        else:
            logger.warning("adopted order %s (%s) not placed by this manager",
                           managed.client_order_id, snapshot.order_id)
        return managed

    def outcome_unknown(self, managed: ManagedOrder, cause: Exception) -> None:
        """The placement ended without an answer about the order and was not sent again:
        recorded in its audit trail and told to `order_outcome_unknown` callbacks; it stays
        PENDING_NEW, looked up by its client id until the exchange tells or the horizon
        (`pending_grace`) is over."""
        self._recorder.note(managed, "outcome_unknown",
                            {"error": type(cause).__name__, "detail": str(cause)})
        self._callbacks.emit("order_outcome_unknown", managed)
