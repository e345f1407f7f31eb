"""The data the package exchanges with its users: enums and Order/Balance/Position.

Every price, quantity and amount is a `Decimal`. Enum values are the exchange's own names,
except `OrderType`, whose members are the venue-neutral names of this package and whose
`exchange_type` gives the wire name (STOP_LOSS -> STOP_MARKET and so on).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal(0)


class WireEnum(enum.Enum):
    """The package's enums: hashed by identity, which is how they compare (a member is
    equal only to itself), in C rather than `Enum.__hash__`'s Python call; every order's
    checks look its type, side and time in force up in sets."""

    __hash__ = object.__hash__


class OrderSide(WireEnum):
    """An order's side: BUY or SELL (the venue's `side`)."""

    BUY = "BUY"
    SELL = "SELL"

    @property
    def opposite(self) -> OrderSide:
        return OrderSide.SELL if self is OrderSide.BUY else OrderSide.BUY


# The client order id prefix of the exchange's liquidation orders ("autoclose-<digits>").
LIQUIDATION_CLIENT_ID_PREFIX = "autoclose-"


class OrderType(WireEnum):
    """Order types. Members are this package's names; values are the exchange's names."""

    MARKET = "MARKET"
    LIMIT = "LIMIT"
    STOP_LOSS = "STOP_MARKET"
    STOP_LOSS_LIMIT = "STOP"
    TAKE_PROFIT = "TAKE_PROFIT_MARKET"
    TAKE_PROFIT_LIMIT = "TAKE_PROFIT"
    TRAILING_STOP_MARKET = "TRAILING_STOP_MARKET"
    # The exchange's own order closing a liquidated position (client id "autoclose-..."):
    # reported by the exchange, never sent.
    LIQUIDATION = "LIQUIDATION"

    @property
    def exchange_type(self) -> str:
        """The `type` parameter the exchange expects."""
        return self.value

    @classmethod
    def from_exchange(cls, name: str) -> OrderType:
        """Map the exchange's `type` (or `o` in stream events) back to a member."""
        return cls(name)

    @property
    def needs_price(self) -> bool:
        return self in _PRICED_TYPES

    @property
    def needs_stop_price(self) -> bool:
        return self in _TRIGGERED_TYPES

    @property
    def is_conditional(self) -> bool:
        return self in _CONDITIONAL_TYPES


_PRICED_TYPES = (OrderType.LIMIT, OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT)
_TRIGGERED_TYPES = (OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT,
                    OrderType.TAKE_PROFIT_LIMIT)
_CONDITIONAL_TYPES = (*_TRIGGERED_TYPES, OrderType.TRAILING_STOP_MARKET)


class OrderStatus(WireEnum):
    """Order states: the exchange's, plus the two local in-flight states."""

    PENDING_NEW = "PENDING_NEW"
    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    PENDING_CANCEL = "PENDING_CANCEL"
    CANCELED = "CANCELED"
    CANCELLED = "CANCELED"  # alias: British spelling
    EXPIRED = "EXPIRED"
    REJECTED = "REJECTED"

    @property
    def is_open(self) -> bool:
        return self in _OPEN_STATUSES

    @property
    def is_final(self) -> bool:
        return not self.is_open


_OPEN_STATUSES = frozenset(
    {
        OrderStatus.PENDING_NEW,
        OrderStatus.NEW,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.PENDING_CANCEL,
    }
)


class TimeInForce(WireEnum):
    """How long a limit order rests (`timeInForce`): good till cancel, immediate or
    cancel, fill or kill, or good till crossing (post-only)."""

    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"
    GTX = "GTX"  # post-only
    HIDDEN = "HIDDEN"  # rests like GTC, not shown in the order book (the docs' spelling)


class PositionSide(WireEnum):
    """The position an order belongs to (`positionSide`): BOTH in one-way mode, LONG or
    SHORT in hedge mode."""

    BOTH = "BOTH"
    LONG = "LONG"
    SHORT = "SHORT"


class WorkingType(WireEnum):
    """The price that triggers a stop (`workingType`): the mark price or the last
    contract price (the venue's default)."""

    MARK_PRICE = "MARK_PRICE"
    CONTRACT_PRICE = "CONTRACT_PRICE"


class StpMode(WireEnum):
    """Self-trade prevention of one order (`stpMode`, v3): which side of a self-trade
    expires. Overrides the account's default for that order."""

    EXPIRE_TAKER = "EXPIRE_TAKER"
    EXPIRE_MAKER = "EXPIRE_MAKER"
    EXPIRE_BOTH = "EXPIRE_BOTH"


class PegPriceType(WireEnum):
    """BBO peg of a LIMIT order (`pegPriceType`, v3): the venue sets the price from the
    book plus `pegOffset`. COUNTERPARTY_1: the best price of the other side (a BUY at the
    best ask); QUEUE_1: the best price of its own side (a BUY at the best bid)."""

    COUNTERPARTY_1 = "COUNTERPARTY_1"
    QUEUE_1 = "QUEUE_1"


class MarginType(WireEnum):
    """A symbol's margin mode (`marginType`): isolated or cross."""

    ISOLATED = "ISOLATED"
    CROSSED = "CROSSED"


class PositionDirection(WireEnum):
    LONG = "LONG"
    SHORT = "SHORT"
    FLAT = "FLAT"


@dataclass(slots=True)
class Order:
    """An order as the exchange knows it. `order_id` is the exchange's id as text."""

    symbol: str
    side: OrderSide
    order_type: OrderType
    quantity: Decimal
    client_order_id: str
    order_id: str = ""
    price: Decimal | None = None
    stop_price: Decimal | None = None
    status: OrderStatus = OrderStatus.PENDING_NEW
    filled_quantity: Decimal = ZERO
    average_price: Decimal | None = None
    time_in_force: TimeInForce | None = None
    reduce_only: bool = False
    close_position: bool = False
    position_side: PositionSide = PositionSide.BOTH
    working_type: WorkingType | None = None
    activation_price: Decimal | None = None
    callback_rate: Decimal | None = None
    commission: Decimal = ZERO
    commission_asset: str = ""
    realized_pnl: Decimal = ZERO
    created_at: int = 0  # ms since epoch, exchange time
    updated_at: int = 0
    # Binance's algo orders: the algo order's own id. Until it triggers the order is known
    # by it (`order_id` is the algo id too); then `order_id` is the actual order's.
    algo_id: str = ""

    @property
    def remaining_quantity(self) -> Decimal:
        return max(self.quantity - self.filled_quantity, ZERO)

    @property
    def fill_ratio(self) -> Decimal:
        if self.quantity <= 0:
            return ZERO
        return self.filled_quantity / self.quantity

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    @property
    def is_filled(self) -> bool:
        return self.status is OrderStatus.FILLED

    @property
    def notional(self) -> Decimal | None:
        """Filled notional at the average price, else the order's price times quantity."""
        if self.average_price is not None and self.filled_quantity > 0:
            return self.filled_quantity * self.average_price
        reference = self.price if self.price is not None else self.stop_price
        return None if reference is None else self.quantity * reference


@dataclass(frozen=True, slots=True)
class Balance:
    """One asset of the futures wallet.

    `available_balance` (free margin) is None when unknown: an `ACCOUNT_UPDATE` carries the
    wallet and cross-wallet balances only (`wb`, `cw`), never the available balance; REST
    `balance` has `availableBalance`.
    """

    asset: str
    wallet_balance: Decimal
    available_balance: Decimal | None
    unrealized_pnl: Decimal = ZERO
    cross_wallet_balance: Decimal | None = None

    @property
    def total(self) -> Decimal:
        """Wallet balance plus unrealised PnL (the margin balance)."""
        return self.wallet_balance + self.unrealized_pnl

    @property
    def locked(self) -> Decimal | None:
        """What open orders and positions hold: wallet balance not available (None when
        the available balance is unknown)."""
        if self.available_balance is None:
            return None
        return max(self.wallet_balance - self.available_balance, ZERO)


@dataclass(frozen=True, slots=True)
class Position:
    """An open position. `quantity` is signed: positive long, negative short (one-way)."""

    symbol: str
    quantity: Decimal
    entry_price: Decimal
    mark_price: Decimal = ZERO
    unrealized_pnl: Decimal = ZERO
    leverage: int = 1
    margin_type: MarginType = MarginType.CROSSED
    position_side: PositionSide = PositionSide.BOTH
    isolated_margin: Decimal = ZERO
    liquidation_price: Decimal = ZERO

    @property
    def direction(self) -> PositionDirection:
        if self.position_side is PositionSide.LONG and self.quantity != 0:
            return PositionDirection.LONG
        if self.position_side is PositionSide.SHORT and self.quantity != 0:
            return PositionDirection.SHORT
        if self.quantity > 0:
            return PositionDirection.LONG
        if self.quantity < 0:
            return PositionDirection.SHORT
        return PositionDirection.FLAT

    @property
    def size(self) -> Decimal:
        """Absolute quantity."""
        return abs(self.quantity)

    @property
    def notional(self) -> Decimal:
        price = self.mark_price if self.mark_price > 0 else self.entry_price
        return abs(self.quantity) * price

    @property
    def initial_margin(self) -> Decimal:
        return abs(self.quantity) * self.entry_price / Decimal(max(self.leverage, 1))

    @property
    def unrealized_pnl_percent(self) -> Decimal:
        """Unrealised PnL as a percentage of the margin the position commits (ROE)."""
        margin = self.initial_margin
        if margin == 0:
            return ZERO
        return self.unrealized_pnl / margin * 100


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """One ORDER_TRADE_UPDATE from the user-data stream (or a REST resync), parsed."""

    order: Order
    execution_type: str  # NEW, TRADE, CANCELED, EXPIRED, CALCULATED, AMENDMENT
    event_time: int
    transaction_time: int
    last_filled_quantity: Decimal = ZERO
    last_filled_price: Decimal = ZERO
    trade_id: int = 0
    commission: Decimal = ZERO
    commission_asset: str = ""
    realized_pnl: Decimal = ZERO
    from_resync: bool = False


@dataclass(frozen=True, slots=True)
class AccountUpdate:
    """One ACCOUNT_UPDATE: changed balances and positions."""

    event_time: int
    reason: str
    balances: tuple[Balance, ...] = field(default_factory=tuple)
    positions: tuple[Position, ...] = field(default_factory=tuple)


class StreamState(WireEnum):
    CONNECTED = "CONNECTED"
    DISCONNECTED = "DISCONNECTED"
    RESYNCED = "RESYNCED"


@dataclass(frozen=True, slots=True)
class StreamStatus:
    """The user-data stream went up or down; RESYNCED follows a REST resync."""

    state: StreamState
    detail: str = ""


@dataclass(frozen=True, slots=True)
class MarginCallPosition:
    """One position named by a `MARGIN_CALL`: its size, mark, unrealised PnL and the
    maintenance margin it requires (`mm`), each as the exchange sent it."""

    symbol: str
    position_side: PositionSide
    quantity: Decimal
    margin_type: MarginType
    isolated_wallet: Decimal
    mark_price: Decimal
    unrealized_pnl: Decimal
    maintenance_margin: Decimal


@dataclass(frozen=True, slots=True)
class MarginCall:
    """A `MARGIN_CALL`: the account's positions near liquidation ("risk guidance", the
    docs say: the positions may already be liquidated). `cross_wallet_balance` is only
    sent for a call on crossed positions (else None)."""

    event_time: int
    positions: tuple[MarginCallPosition, ...]
    cross_wallet_balance: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AccountConfigUpdate:
    """An `ACCOUNT_CONFIG_UPDATE`: a symbol's leverage changed (`symbol`, `leverage`), or
    the account's configuration did (`multi_assets`, `fee_deduction`, `dual_side`); what
    the event does not carry is None."""

    event_time: int
    transaction_time: int
    symbol: str | None = None
    leverage: int | None = None
    multi_assets: bool | None = None
    fee_deduction: bool | None = None
    dual_side: bool | None = None


UserEvent = OrderUpdate | AccountUpdate | StreamStatus | MarginCall | AccountConfigUpdate
