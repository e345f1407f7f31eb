"""The order lifecycle as an explicit state machine.

Every change to an order arrives as an immutable event; `TRANSITIONS` is the one table of
legal `(state, event kind) -> state` moves. `STALE` lists the pairs that are expected to
happen because events race each other (a REST answer arriving after the stream already
moved the order on, a cancel rejected because the order filled first): they are ignored
quietly. Anything else is illegal: logged and ignored, never applied.

Fills are special in one way: what a fill moves is the *cumulative* filled quantity, taken
as a maximum, so a fill seen twice (same trade id) or seen after a snapshot that already
counted it never counts twice.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from execution.models import OrderStatus

ZERO = Decimal(0)


class EventKind(enum.Enum):
    """What an event does to an order, as far as the state machine is concerned."""

    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCEL_REQUESTED = "CANCEL_REQUESTED"
    CANCEL_REJECTED = "CANCEL_REJECTED"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"


class Outcome(enum.Enum):
    """What `ManagedOrder.apply` did with an event."""

    APPLIED = "APPLIED"  # state and/or fill quantity moved
    DUPLICATE = "DUPLICATE"  # seen before (same trade id, or a snapshot with nothing new)
    STALE = "STALE"  # expected race: ignored (fees of a late trade are still recorded)
    ILLEGAL = "ILLEGAL"  # not a legal move from the current state: logged, ignored


S = OrderStatus
K = EventKind

TRANSITIONS: dict[tuple[OrderStatus, EventKind], OrderStatus] = {
    (S.PENDING_NEW, K.ACCEPTED): S.NEW,
    (S.PENDING_NEW, K.REJECTED): S.REJECTED,
    # The fill or the end of an order can be seen before its acknowledgement: a market
    # order's stream events may beat the REST answer that carries the NEW.
    (S.PENDING_NEW, K.PARTIALLY_FILLED): S.PARTIALLY_FILLED,
    (S.PENDING_NEW, K.FILLED): S.FILLED,
    (S.PENDING_NEW, K.CANCELED): S.CANCELED,
    (S.PENDING_NEW, K.EXPIRED): S.EXPIRED,  # IOC/FOK with nothing to match
    # A cancel may be requested before the acknowledgement arrives.
    (S.PENDING_NEW, K.CANCEL_REQUESTED): S.PENDING_CANCEL,
    (S.NEW, K.PARTIALLY_FILLED): S.PARTIALLY_FILLED,
    (S.NEW, K.FILLED): S.FILLED,
    (S.NEW, K.CANCEL_REQUESTED): S.PENDING_CANCEL,
    (S.NEW, K.CANCELED): S.CANCELED,  # cancelled by the exchange or another client
    (S.NEW, K.EXPIRED): S.EXPIRED,
    (S.PARTIALLY_FILLED, K.PARTIALLY_FILLED): S.PARTIALLY_FILLED,
    (S.PARTIALLY_FILLED, K.FILLED): S.FILLED,
    (S.PARTIALLY_FILLED, K.CANCEL_REQUESTED): S.PENDING_CANCEL,
    (S.PARTIALLY_FILLED, K.CANCELED): S.CANCELED,
    (S.PARTIALLY_FILLED, K.EXPIRED): S.EXPIRED,
    # A fill can arrive after a cancel was requested: the cancel is still in flight, so the
    # order stays PENDING_CANCEL with more filled; a complete fill wins the race.
    (S.PENDING_CANCEL, K.PARTIALLY_FILLED): S.PENDING_CANCEL,
    (S.PENDING_CANCEL, K.FILLED): S.FILLED,
    (S.PENDING_CANCEL, K.CANCELED): S.CANCELED,
    (S.PENDING_CANCEL, K.EXPIRED): S.EXPIRED,
    # The cancel failed: back to working. NEW with a filled quantity is PARTIALLY_FILLED
    # (see `resolve`), so the table need not remember the state before the request; an
    # order the exchange never showed goes back to PENDING_NEW instead (its placement's
    # outcome is still open: `ManagedOrder.apply`).
    (S.PENDING_CANCEL, K.CANCEL_REJECTED): S.NEW,
    (S.PENDING_CANCEL, K.REJECTED): S.REJECTED,  # the order itself was refused after all
}

FINAL_STATES: frozenset[OrderStatus] = frozenset(
    {S.FILLED, S.CANCELED, S.EXPIRED, S.REJECTED}
)

_OPEN_AFTER_ACK = (S.NEW, S.PARTIALLY_FILLED, S.PENDING_CANCEL)

STALE: frozenset[tuple[OrderStatus, EventKind]] = frozenset(
    # A NEW seen again, or after the order already moved on (REST answer after the stream).
    {(state, K.ACCEPTED) for state in (*_OPEN_AFTER_ACK, *FINAL_STATES)}
    # A cancel rejection that lost the race to a fill or an exchange-side cancel.
    | {(state, K.CANCEL_REJECTED) for state in (S.NEW, S.PARTIALLY_FILLED, *FINAL_STATES)}
    # A second cancel request while one is in flight.
    | {(S.PENDING_CANCEL, K.CANCEL_REQUESTED)}
    # An order that has ended does not move again; a late fill's quantity is still counted
    # (as a maximum of cumulative quantities) and its fees recorded.
    | {(state, K.PARTIALLY_FILLED) for state in (S.FILLED, S.CANCELED, S.EXPIRED)}
    | {(state, K.FILLED) for state in (S.FILLED, S.CANCELED, S.EXPIRED)}
    | {(state, K.CANCELED) for state in (S.CANCELED, S.EXPIRED)}
    | {(state, K.EXPIRED) for state in (S.CANCELED, S.EXPIRED)}
    | {(S.REJECTED, K.REJECTED)}
)


# Kinds by which the exchange shows an order exists (or existed): they take an order
# rejected locally (without the exchange's word) out of REJECTED.
EVIDENCE_OF_ORDER: frozenset[EventKind] = frozenset(
    {K.ACCEPTED, K.PARTIALLY_FILLED, K.FILLED, K.CANCELED, K.EXPIRED}
)

# Marker (in `ManagedOrder.attributes`, persisted with the order) of a local rejection.
REJECTED_LOCALLY = "rejected_locally"


def resolve(state: OrderStatus, filled_quantity: Decimal) -> OrderStatus:
    """Normalise a working state by what has filled: NEW with a fill is PARTIALLY_FILLED."""
    if state is S.NEW and filled_quantity > 0:
        return S.PARTIALLY_FILLED
    return state


def next_state(state: OrderStatus, kind: EventKind) -> OrderStatus | None:
    """The state after `kind` in `state`, or None when the table has no such move."""
    return TRANSITIONS.get((state, kind))


# -- events --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderAccepted:
    """The exchange acknowledged the order (NEW) and gave it `order_id`."""

    client_order_id: str
    order_id: str
    timestamp: int

    @property
    def kind(self) -> EventKind:
        return K.ACCEPTED


@dataclass(frozen=True, slots=True)
class OrderRejected:
    """The exchange (or the manager, for an order that never reached it) refused it.

    `local` marks a rejection the manager decided without the exchange's word (nothing was
    sent, or the exchange did not know the order after the grace period): if the exchange
    later shows the order after all, that evidence wins and the order leaves REJECTED."""

    client_order_id: str
    reason: str
    timestamp: int
    local: bool = False

    @property
    def kind(self) -> EventKind:
        return K.REJECTED


@dataclass(frozen=True, slots=True)
class OrderFilled:
    """A trade (or a snapshot showing more filled). `trade_id` 0 means "from a snapshot".

    `cumulative_quantity` is the exchange's total filled so far; whether this is a partial
    or a complete fill is decided against the order's quantity when it is applied.
    """

    client_order_id: str
    trade_id: int
    last_quantity: Decimal
    last_price: Decimal
    cumulative_quantity: Decimal
    timestamp: int
    average_price: Decimal | None = None
    commission: Decimal = ZERO
    commission_asset: str = ""
    realized_pnl: Decimal = ZERO

    @property
    def kind(self) -> EventKind:
        return K.PARTIALLY_FILLED


@dataclass(frozen=True, slots=True)
class OrderCancelRequested:
    """The manager sent a cancel."""

    client_order_id: str
    timestamp: int

    @property
    def kind(self) -> EventKind:
        return K.CANCEL_REQUESTED


@dataclass(frozen=True, slots=True)
class OrderCancelRejected:
    """The cancel failed; the order keeps working (or has already ended)."""

    client_order_id: str
    reason: str
    timestamp: int

    @property
    def kind(self) -> EventKind:
        return K.CANCEL_REJECTED


@dataclass(frozen=True, slots=True)
class OrderCanceled:
    """The order was cancelled (by us, another client, or the exchange)."""

    client_order_id: str
    timestamp: int

    @property
    def kind(self) -> EventKind:
        return K.CANCELED


@dataclass(frozen=True, slots=True)
class OrderExpired:
    """The exchange expired the order (IOC/FOK remainder, GTX that would take, ...)."""

    client_order_id: str
    timestamp: int

    @property
    def kind(self) -> EventKind:
        return K.EXPIRED


OrderEvent = (
    OrderAccepted
    | OrderRejected
    | OrderFilled
    | OrderCancelRequested
    | OrderCancelRejected
    | OrderCanceled
    | OrderExpired
)

EVENT_TYPES: dict[str, type[OrderEvent]] = {
    cls.__name__: cls
    for cls in (
        OrderAccepted,
        OrderRejected,
        OrderFilled,
        OrderCancelRequested,
        OrderCancelRejected,
        OrderCanceled,
        OrderExpired,
    )
}
