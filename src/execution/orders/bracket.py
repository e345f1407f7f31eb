"""A bracket's data: an entry, its stop-loss and take-profit, and where it stands.

How a bracket's exits are placed and kept in line with its entry is in `brackets`
(`BracketCoordinator`), `bracket_exits` and `bracket_orders`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal

from execution.errors import ValidationError
from execution.models import OrderSide, PositionSide, TimeInForce
from execution.orders.managed import ManagedOrder, OrderRole

ZERO = Decimal(0)
STOP_LOSS_PRICE = "stop_loss_price"  # entry attribute: the stop-loss trigger
TAKE_PROFIT_PRICE = "take_profit_price"  # entry attribute: the take-profit trigger
CLOSED_BECAUSE = "closed_because"  # attribute of a market order closing a crossed exit
BACKEND = "bracket_backend"  # entry attribute: who holds the exits ("native" / "emulated")
STRATEGY_ID = "strategy_id"  # entry attribute: the exchange's id of a native bracket
LEG_OF = "strategy_leg_of"  # exit attribute: the client strategy id its leg belongs to


class BracketBackend(enum.StrEnum):
    """Who holds a bracket's exits. NATIVE: the exchange (an OTOCO strategy order: the
    exits are there before the entry fills and cancel each other there, the process may
    die); EMULATED: this process (the exits are placed as the entry fills)."""

    NATIVE = "native"
    EMULATED = "emulated"


def waiting_leg(managed: ManagedOrder) -> bool:
    """An exit of a native bracket the exchange holds until its trigger (no order id yet):
    not an unknown outcome, and looked up through its strategy, not by its client id."""
    return LEG_OF in managed.attributes and not managed.order_id and managed.is_open


@dataclass(frozen=True, slots=True)
class BracketRequest:
    """A bracket as asked, its figures checked positive (rounding comes later): an entry
    (market, or limit at `entry_price`) with a stop-loss and a take-profit."""

    symbol: str
    side: OrderSide
    quantity: Decimal
    stop_loss_price: Decimal
    take_profit_price: Decimal
    entry_price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    strategy_name: str | None = None
    tags: tuple[str, ...] = ()
    client_order_id: str | None = None
    backend: BracketBackend | None = None  # None: native where the venue has it
    # Hedge mode: the leg the entry opens (BUY LONG, SELL SHORT); its exits close that leg
    # only (positionSide the same, the other side, no reduceOnly on the wire).
    position_side: PositionSide = PositionSide.BOTH


class BracketStatus(enum.Enum):
    PENDING = "PENDING"  # entry working, nothing filled yet
    ACTIVE = "ACTIVE"  # a position is held and protected
    CLOSED = "CLOSED"  # an exit closed the position
    CANCELED = "CANCELED"  # the entry ended without a fill


def check_leg_opens(side: OrderSide, position_side: PositionSide) -> None:
    """A hedge-mode bracket's entry must open its leg: BUY on LONG, SELL on SHORT."""
    opening = {PositionSide.LONG: OrderSide.BUY, PositionSide.SHORT: OrderSide.SELL}
    wanted = opening.get(position_side)
    if wanted is not None and side is not wanted:
        raise ValidationError("side", side.value, f"a bracket on the {position_side.value} "
                              f"leg opens it: {wanted.value}")


@dataclass(eq=False)
class Bracket:
    """The three legs; `stop_loss`/`take_profit` are the current exit orders (None until
    the entry fills). `exits` holds every exit ever placed, including replaced ones."""

    entry: ManagedOrder
    stop_loss_price: Decimal
    take_profit_price: Decimal
    stop_loss: ManagedOrder | None = None
    take_profit: ManagedOrder | None = None
    exits: list[ManagedOrder] = field(default_factory=list)
    status: BracketStatus = BracketStatus.PENDING
    error: str | None = None
    detached: set[str] = field(default_factory=set)  # exits cancelled by the caller
    exit_reason: str | None = None  # why the position was closed at market, if it was
    # The position went away without an exit of this bracket (liquidated, or closed by
    # another order): nothing is left to protect.
    closed_elsewhere: bool = False
    backend: BracketBackend = BracketBackend.EMULATED

    @property
    def bracket_id(self) -> str:
        return self.entry.client_order_id

    @property
    def position_side(self) -> PositionSide:
        """The leg the bracket holds (BOTH in one-way mode), kept with its entry."""
        return self.entry.order.position_side

    @property
    def exited_quantity(self) -> Decimal:
        return sum((x.filled_quantity for x in self.exits), ZERO)

    @property
    def open_quantity(self) -> Decimal:
        """What the bracket holds: entry filled minus exits filled."""
        return self.entry.filled_quantity - self.exited_quantity

    @property
    def is_done(self) -> bool:
        return self.status in (BracketStatus.CLOSED, BracketStatus.CANCELED)


def attach_exit(bracket: Bracket, role: OrderRole, exit_order: ManagedOrder) -> None:
    """Make `exit_order` the bracket's current `role` exit."""
    if exit_order not in bracket.exits:
        bracket.exits.append(exit_order)
    if role is OrderRole.STOP_LOSS:
        bracket.stop_loss = exit_order
    else:
        bracket.take_profit = exit_order


def update_status(bracket: Bracket) -> None:
    """The bracket's status from its legs: CLOSED once its position went (by its exits, or
    elsewhere), CANCELED when the entry ended unfilled, ACTIVE once the entry filled."""
    entry = bracket.entry
    if bracket.closed_elsewhere or (
        bracket.exited_quantity > 0 and bracket.open_quantity <= 0
    ):
        bracket.status = BracketStatus.CLOSED
    elif not entry.is_open and entry.filled_quantity == 0:
        bracket.status = BracketStatus.CANCELED
    elif entry.filled_quantity > 0:
        bracket.status = BracketStatus.ACTIVE


def set_exit_price(bracket: Bracket, role: OrderRole, trigger: Decimal) -> None:
    """The caller moved the `role` exit to `trigger`: the bracket's own price follows (and
    the entry's attribute, so a restart keeps it), so that an exit the bracket places
    again later (an expired or cancelled one, after a restart) goes where it was moved,
    not back to the first price. The entry must be recorded by the caller."""
    if role is OrderRole.STOP_LOSS:
        bracket.stop_loss_price = trigger
        bracket.entry.attributes[STOP_LOSS_PRICE] = str(trigger)
    elif role is OrderRole.TAKE_PROFIT:
        bracket.take_profit_price = trigger
        bracket.entry.attributes[TAKE_PROFIT_PRICE] = str(trigger)


def bracket_of(brackets: dict[str, Bracket], managed: ManagedOrder) -> Bracket | None:
    """The bracket an order belongs to (an exit's parent is the entry)."""
    if managed.role is OrderRole.ENTRY:
        return brackets.get(managed.client_order_id)
    if managed.role in (OrderRole.STOP_LOSS, OrderRole.TAKE_PROFIT):
        return brackets.get(managed.parent_order_id or "")
    return None
