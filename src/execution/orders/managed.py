"""`ManagedOrder`: an exchange `Order` plus what the manager knows about it.

`apply(event)` is the only way an order's status, filled quantity, fees and history move;
it consults `state.TRANSITIONS` and returns a `Transition` saying what happened.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from execution.exchange.order_request import check_answer
from execution.intent import RoundingNotice
from execution.models import Order, OrderStatus
from execution.orders.state import (
    EVIDENCE_OF_ORDER,
    FINAL_STATES,
    REJECTED_LOCALLY,
    STALE,
    EventKind,
    OrderAccepted,
    OrderEvent,
    OrderFilled,
    OrderRejected,
    Outcome,
    next_state,
    resolve,
)

logger = logging.getLogger(__name__)
# Marker (in `ManagedOrder.attributes`, persisted) of an algo order's algo id (Binance).
ALGO_ID = "algo_id"

ZERO = Decimal(0)
LIQUIDATION_TAG = "liquidation"  # the tag of an adopted liquidation order ("autoclose-...")
CLOSE_TAG = "close_position"  # the orders of `close_position` (and of a flattening)


class OrderRole(enum.Enum):
    """The part an order plays: on its own, or one leg of a bracket."""

    SINGLE = "SINGLE"
    ENTRY = "ENTRY"
    STOP_LOSS = "STOP_LOSS"
    TAKE_PROFIT = "TAKE_PROFIT"


@dataclass(frozen=True, slots=True)
class Transition:
    """The result of applying one event."""

    event: OrderEvent
    outcome: Outcome
    before: OrderStatus
    after: OrderStatus
    filled_delta: Decimal = ZERO

    @property
    def changed_status(self) -> bool:
        return self.before is not self.after


@dataclass(slots=True, eq=False)
class ManagedOrder:
    """An order tracked by the manager.

    `parent_order_id` is what the caller gave (for a bracket's exits: the entry's client
    order id). `replaces` / `replaced_by` are client order ids linking a cancel-and-replace
    chain. Times are ms since the epoch; `filled_at` is the exchange's time of the last fill.
    `attributes` holds small persisted facts (a bracket entry's exit prices).
    """

    order: Order
    strategy_name: str | None = None
    tags: tuple[str, ...] = ()
    parent_order_id: str | None = None
    role: OrderRole = OrderRole.SINGLE
    replaces: str | None = None
    replaced_by: str | None = None
    adopted: bool = False
    submitted_at: int = 0
    filled_at: int | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    # What the exchange's rules rounded when this order was placed (not persisted).
    rounded: tuple[RoundingNotice, ...] = field(default=(), repr=False)
    events: list[OrderEvent] = field(default_factory=list, repr=False)
    trade_ids: set[int] = field(default_factory=set, repr=False)

    @property
    def client_order_id(self) -> str:
        return self.order.client_order_id

    @property
    def order_id(self) -> str:
        return self.order.order_id

    @property
    def symbol(self) -> str:
        return self.order.symbol

    @property
    def status(self) -> OrderStatus:
        return self.order.status

    @property
    def is_open(self) -> bool:
        return self.order.status not in FINAL_STATES

    @property
    def filled_quantity(self) -> Decimal:
        return self.order.filled_quantity

    @property
    def rejected_locally(self) -> bool:
        """REJECTED by the manager without the exchange's word (never sent, or not found)."""
        return self.order.status is OrderStatus.REJECTED and REJECTED_LOCALLY in self.attributes

    def apply(self, event: OrderEvent) -> Transition:
        """Apply one event; illegal, stale and duplicate events leave the state unchanged.

        An order REJECTED locally (without the exchange's word) that the exchange then shows
        (accepted, filled, cancelled, expired) follows the exchange: the exchange is the
        source of truth. It moves on as from PENDING_NEW; the rejection stays in `events`."""
        before = self.order.status
        mismatch = self._mismatch(event)
        if mismatch:
            logger.error("order %s: event %s %s; not applied", self.client_order_id,
                         type(event).__name__, mismatch)
            return Transition(event, Outcome.ILLEGAL, before, before)
        if isinstance(event, OrderRejected):
            if not event.local:
                self.attributes.pop(REJECTED_LOCALLY, None)  # the exchange's own word
            elif before is not OrderStatus.REJECTED:
                self.attributes[REJECTED_LOCALLY] = "true"
        elif self.rejected_locally and self._shows_order(event):
            logger.warning(
                "order %s: rejected locally, but the exchange shows it (%s): following the "
                "exchange", self.client_order_id, event.kind.value,
            )
            self.attributes.pop(REJECTED_LOCALLY, None)
            self.order.status = OrderStatus.PENDING_NEW
            before = OrderStatus.PENDING_NEW
        if isinstance(event, OrderFilled):
            return self._apply_fill(event, before)
        kind = event.kind
        if (
            isinstance(event, OrderAccepted)
            and before is not OrderStatus.PENDING_NEW
            and event.order_id == self.order.order_id
        ):
            return Transition(event, Outcome.DUPLICATE, before, before)
        target = next_state(before, kind)
        if target is None:
            outcome = Outcome.STALE if (before, kind) in STALE else Outcome.ILLEGAL
            if outcome is Outcome.ILLEGAL:
                logger.warning(
                    "order %s: illegal %s in state %s ignored",
                    self.client_order_id, kind.value, before.value,
                )
            elif isinstance(event, OrderAccepted) and not self.order.order_id:
                self.order.order_id = event.order_id
            self.events.append(event)
            return Transition(event, outcome, before, before)
        if isinstance(event, OrderAccepted) and event.order_id:
            self.order.order_id = event.order_id
        after = resolve(target, self.order.filled_quantity)
        if after is OrderStatus.NEW and kind is EventKind.CANCEL_REJECTED and (
            self.never_seen_on_exchange
        ):
            # A cancel refused for an order never acknowledged (its placement's outcome is
            # still unknown, e.g. "does not exist" while a 503'd request may still come out
            # of the exchange's queue): back to PENDING_NEW, not to working.
            after = OrderStatus.PENDING_NEW
        self.order.status = after
        self.order.updated_at = max(self.order.updated_at, event.timestamp)
        self.events.append(event)
        return Transition(event, Outcome.APPLIED, before, after)

    @property
    def never_acknowledged(self) -> bool:
        """No acknowledgement ever seen: PENDING_NEW, or PENDING_CANCEL (a cancel was
        requested while the placement was in flight) with no exchange order id."""
        status = self.order.status
        return status is OrderStatus.PENDING_NEW or (
            status is OrderStatus.PENDING_CANCEL and not self.order.order_id
        )

    @property
    def never_seen_on_exchange(self) -> bool:
        """No exchange order id and no event by which the exchange showed the order (an
        acknowledgement, a fill, an end): its placement's outcome is still open."""
        return not self.order.order_id and not any(
            e.kind in EVIDENCE_OF_ORDER for e in self.events
        )

    def _mismatch(self, event: OrderEvent) -> str:
        """Why `event` is not about this order ("" when it is): another client order id,
        or an acknowledgement carrying another exchange order id than the one known."""
        if event.client_order_id != self.client_order_id:
            return f"names client order id {event.client_order_id!r}"
        if (
            isinstance(event, OrderAccepted) and event.order_id and self.order.order_id
            and event.order_id != self.order.order_id
        ):
            return f"names order id {event.order_id!r}, not {self.order.order_id!r}"
        return ""

    def check_describes(self, snapshot: Order) -> None:
        """Raise `MismatchedAnswerError` unless `snapshot` (a REST answer or a stream
        update) is about this order: same symbol, client order id and, once both are known,
        exchange order id. A field the snapshot leaves empty is not held against it.

        An algo order (Binance) is known by its algo id until it triggers; the actual
        order then has its own id under the same client id (ours are never reused): while
        this order is known by its algo id (`Order.algo_id`, kept in `attributes` across a
        restart), a snapshot with its client id and another order id hands that id over."""
        mine = self.order
        same_client = snapshot.client_order_id == mine.client_order_id
        if snapshot.algo_id and same_client and ALGO_ID not in self.attributes:
            self.attributes[ALGO_ID] = snapshot.algo_id
        algo_id = mine.algo_id = mine.algo_id or self.attributes.get(ALGO_ID, "")
        if (
            algo_id and mine.order_id == algo_id and same_client and snapshot.order_id
            and snapshot.order_id != algo_id
        ):
            logger.info("order %s: algo order %s triggered as order %s", mine.client_order_id,
                        algo_id, snapshot.order_id)
            mine.order_id = snapshot.order_id
        check_answer(snapshot, mine.symbol, mine.order_id or None, mine.client_order_id)

    def _shows_order(self, event: OrderEvent) -> bool:
        if event.kind not in EVIDENCE_OF_ORDER:
            return False
        if isinstance(event, OrderFilled):
            return event.cumulative_quantity > self.order.filled_quantity
        return True

    def _apply_fill(self, event: OrderFilled, before: OrderStatus) -> Transition:
        order = self.order
        if event.trade_id and event.trade_id in self.trade_ids:
            return Transition(event, Outcome.DUPLICATE, before, before)
        cumulative = event.cumulative_quantity
        if cumulative > order.quantity:
            logger.warning(
                "order %s: cumulative fill %s above quantity %s, capped",
                self.client_order_id, cumulative, order.quantity,
            )
            cumulative = order.quantity
        delta = cumulative - order.filled_quantity
        if delta <= 0 and not event.trade_id:
            return Transition(event, Outcome.DUPLICATE, before, before)
        if before is OrderStatus.REJECTED:
            logger.warning("order %s: fill after rejection ignored", self.client_order_id)
            self.events.append(event)
            return Transition(event, Outcome.ILLEGAL, before, before)
        if event.trade_id:
            self.trade_ids.add(event.trade_id)
        if event.commission:
            order.commission += event.commission
            order.commission_asset = event.commission_asset or order.commission_asset
        order.realized_pnl += event.realized_pnl
        self.events.append(event)
        if delta <= 0:
            # A trade whose quantity a snapshot already counted: fees recorded, nothing moves.
            return Transition(event, Outcome.STALE, before, before)
        self._add_quantity(event, cumulative, delta)
        kind = EventKind.FILLED if cumulative >= order.quantity else EventKind.PARTIALLY_FILLED
        target = next_state(before, kind)
        if target is None:
            # A late fill of an order that already ended: its quantity is the exchange's
            # truth and is counted; the final state does not move.
            return Transition(event, Outcome.APPLIED, before, before, delta)
        order.status = target
        if target is OrderStatus.FILLED or kind is EventKind.PARTIALLY_FILLED:
            self.filled_at = event.timestamp
        return Transition(event, Outcome.APPLIED, before, target, delta)

    def _add_quantity(self, event: OrderFilled, cumulative: Decimal, delta: Decimal) -> None:
        order = self.order
        if event.average_price is not None and event.average_price > 0:
            order.average_price = event.average_price
        else:
            price = event.last_price
            if order.average_price is None or order.filled_quantity == 0:
                order.average_price = price
            else:
                total = order.average_price * order.filled_quantity + price * delta
                order.average_price = total / cumulative
        order.filled_quantity = cumulative
        order.updated_at = max(order.updated_at, event.timestamp)
