"""An order as the engine holds it, and the vocabularies of its fields."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal(0)


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1


class OrderType(StrEnum):
    MARKET = "MARKET"
    LIMIT = "LIMIT"
    STOP = "STOP"
    STOP_MARKET = "STOP_MARKET"
    TAKE_PROFIT = "TAKE_PROFIT"
    TAKE_PROFIT_MARKET = "TAKE_PROFIT_MARKET"
    TRAILING_STOP_MARKET = "TRAILING_STOP_MARKET"
    LIQUIDATION = "LIQUIDATION"  # the exchange's own closing order; never accepted from users

    @property
    def is_conditional(self) -> bool:
        return self not in (OrderType.MARKET, OrderType.LIMIT, OrderType.LIQUIDATION)

    @property
    def executes_as_market(self) -> bool:
        return self in (
            OrderType.MARKET,
            OrderType.STOP_MARKET,
            OrderType.TAKE_PROFIT_MARKET,
            OrderType.TRAILING_STOP_MARKET,
            OrderType.LIQUIDATION,
        )

    @property
    def is_stop(self) -> bool:
        """Triggers when the price moves against the order's side (stop-loss direction)."""
        return self in (OrderType.STOP, OrderType.STOP_MARKET)


class TimeInForce(StrEnum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"
    GTX = "GTX"
    HIDDEN = "HIDDEN"  # the docs: rests like GTC but is not shown in the book


class Status(StrEnum):
    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"

    @property
    def is_open(self) -> bool:
        return self in (Status.NEW, Status.PARTIALLY_FILLED)


class WorkingType(StrEnum):
    MARK_PRICE = "MARK_PRICE"
    CONTRACT_PRICE = "CONTRACT_PRICE"


class StpMode(StrEnum):
    """Self-trade prevention: which side expires when an account's order would trade
    against its own resting order (v3 "ENUM definitions", "Change STP Mode")."""

    EXPIRE_TAKER = "EXPIRE_TAKER"
    EXPIRE_MAKER = "EXPIRE_MAKER"
    EXPIRE_BOTH = "EXPIRE_BOTH"


class PositionSide(StrEnum):
    BOTH = "BOTH"
    LONG = "LONG"
    SHORT = "SHORT"


@dataclass(slots=True, eq=False)
class Order:
    """One order. `type` is what it executes as (a triggered STOP_MARKET becomes MARKET);
    `orig_type` is what was sent."""

    order_id: int
    client_order_id: str
    account_id: str
    symbol: str
    side: Side
    position_side: PositionSide
    type: OrderType
    orig_type: OrderType
    time_in_force: TimeInForce
    quantity: Decimal
    price: Decimal
    stop_price: Decimal
    working_type: WorkingType
    price_protect: bool
    reduce_only: bool
    close_position: bool
    time: int
    update_time: int
    activation_price: Decimal | None = None
    callback_rate: Decimal | None = None
    status: Status = Status.NEW
    executed_qty: Decimal = ZERO
    cum_quote: Decimal = ZERO
    triggered: bool = False
    trail_active: bool = False
    trail_extreme: Decimal = ZERO  # best price seen since activation
    reserved_margin: Decimal = ZERO  # initial margin held while the order rests
    book_notional: Decimal = ZERO  # price * remaining while resting (the account's b/a totals)
    version: int = 0  # bumped on modify, so stale book entries are skipped
    stp_mode: StpMode | None = None  # sent with the order; None: the account's mode

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.executed_qty

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    @property
    def avg_price(self) -> Decimal:
        if self.executed_qty == 0:
            return ZERO
        return self.cum_quote / self.executed_qty

    @property
    def resting_limit(self) -> bool:
        """An untriggered-or-triggered LIMIT resting in the book."""
        return self.type is OrderType.LIMIT and self.is_open
