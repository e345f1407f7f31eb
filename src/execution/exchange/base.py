"""`BaseExchange`: the venue-neutral, async interface every exchange class implements.

An exchange is an async context manager (`async with ... as exchange:` connects and
closes). All prices and quantities are `Decimal`. Every order carries a client order id
(generated when not given) so that a lost response can be resolved by asking for it.
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable
from decimal import Decimal
from types import TracebackType
from typing import Self

from execution.errors import ConfigurationError, ExchangeError, ValidationError
from execution.exchange.order_request import check_v3_parameters
from execution.exchange.strategy_orders import StrategyOrders
from execution.intent import OrderIntent
from execution.models import (
    Balance,
    MarginType,
    Order,
    OrderSide,
    OrderType,
    Position,
    PositionSide,
    TimeInForce,
    UserEvent,
    WorkingType,
)
from execution.rules import SymbolRules

UserEventHandler = Callable[[UserEvent], Awaitable[None] | None]


class BaseExchange(abc.ABC):
    """Abstract async exchange client."""

    name: str = "base"

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def check_order_type(self, order_type: OrderType) -> None:
        """Raise `ValidationError` (field `order_type`) when this venue does not take
        `order_type` through this client; called before anything is sent. Every type but
        the exchange's own LIQUIDATION is sendable unless a venue says otherwise."""
        if order_type is OrderType.LIQUIDATION:
            raise ValidationError("order_type", order_type.value,
                                  "is the exchange's own liquidation order and cannot be sent")

    @abc.abstractmethod
    async def connect(self) -> None:
        """Open the session, pick a healthy endpoint, sync the clock, load symbol rules."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop the user stream and close the session. Safe to call twice."""

    @abc.abstractmethod
    async def server_time(self) -> int:
        """The exchange's time in ms."""

    @abc.abstractmethod
    async def fetch_balance(self) -> dict[str, Balance]:
        """Balances by asset."""

    @abc.abstractmethod
    async def get_symbol_rules(self, symbol: str) -> SymbolRules:
        """The symbol's filters (raises ValidationError for an unknown symbol)."""

    @abc.abstractmethod
    async def fetch_mark_price(self, symbol: str) -> Decimal:
        """Current mark price."""

    def recent_mark_price(self, symbol: str, max_age: float) -> Decimal | None:
        """The mark price last fetched for `symbol` if it is at most `max_age` seconds
        old, else None (then fetch it). A client that keeps none always answers None."""
        return None

    @abc.abstractmethod
    async def create_order(
        self,
        symbol: str,
        side: OrderSide,
        order_type: OrderType,
        quantity: Decimal | None,
        *,
        price: Decimal | None = None,
        stop_price: Decimal | None = None,
        time_in_force: TimeInForce | None = None,
        reduce_only: bool = False,
        close_position: bool = False,
        position_side: PositionSide = PositionSide.BOTH,
        working_type: WorkingType | None = None,
        activation_price: Decimal | None = None,
        callback_rate: Decimal | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """Validate, round, sign and send one order, exactly once. Returns its state."""

    @abc.abstractmethod
    async def cancel_order(
        self, order_id: str | None, symbol: str, *, client_order_id: str | None = None
    ) -> Order:
        """Cancel by exchange id or client order id. Returns the cancelled order."""

    @abc.abstractmethod
    async def fetch_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        """One order by exchange id or client id (raises OrderNotFoundError)."""

    @abc.abstractmethod
    async def get_open_orders(self, symbol: str | None = None) -> list[Order]:
        """Open orders, of one symbol or all."""

    @abc.abstractmethod
    async def get_all_orders(
        self, symbol: str, *, start_time: int | None = None, limit: int = 500
    ) -> list[Order]:
        """Recent orders of a symbol in any state (for reconciliation)."""

    @abc.abstractmethod
    async def cancel_all_orders(self, symbol: str) -> None:
        """Cancel every open order of a symbol."""

    # The venue's strategy orders (OTO / OCO / OTOCO held by the exchange) with these
    # credentials, or None where there are none.
    strategy_orders: StrategyOrders | None = None
    # Whether `modify_order` changes a resting LIMIT order under its ids (PUT order).
    modifies_in_place: bool = False

    async def modify_order(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Decimal,
        price: Decimal,
        *,
        order_id: str | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """Change a resting LIMIT order's price and/or quantity in place (see
        `modifies_in_place`); a venue without it refuses and sends nothing."""
        raise ConfigurationError(f"{type(self).__name__} cannot modify an order in place")

    # AsterDEX with v3 credentials: the order parameters only its v3 API has.
    v3_parameters: bool = False

    def check_parameters(self, intent: OrderIntent) -> None:
        """Refuse, before anything is sent or recorded, a parameter this client cannot send
        (`stpMode`, the BBO peg and HIDDEN without the v3 API)."""
        check_v3_parameters(intent, v3=self.v3_parameters)

    async def place(self, intent: OrderIntent, client_order_id: str) -> Order:
        """Send the order `intent` describes under `client_order_id`: the package's one
        request type, as the order manager checked and rounded it (the client checks it
        again by the symbol's rules before anything leaves)."""
        for name in ("price_protect", "stp_mode", "peg_price_type", "peg_offset"):
            if getattr(intent, name) not in (None, False):  # `create_order` has no such field
                raise ValidationError(name, getattr(intent, name),
                                      f"not supported by {type(self).__name__}")
        hedged = intent.position_side is not PositionSide.BOTH
        return await self.create_order(
            intent.symbol, intent.side, intent.order_type, intent.quantity,
            price=intent.price, stop_price=intent.stop_price,
            time_in_force=intent.time_in_force,
            reduce_only=intent.reduce_only and not hedged,  # hedge mode: not sent
            position_side=intent.position_side, close_position=intent.close_position,
            working_type=intent.working_type, activation_price=intent.activation_price,
            callback_rate=intent.callback_rate, client_order_id=client_order_id,
        )

    async def countdown_cancel_all(self, symbol: str, countdown_ms: int) -> None:
        """The exchange's dead man's switch: cancel every open order of `symbol` unless this
        is sent again within `countdown_ms` (0 disarms it)."""
        raise ExchangeError(f"{type(self).__name__} has no countdown cancel")

    @abc.abstractmethod
    async def get_positions(self, symbol: str | None = None) -> list[Position]:
        """Non-flat positions, of one symbol or all."""

    @abc.abstractmethod
    async def set_leverage(self, symbol: str, leverage: int) -> int:
        """Set the symbol's leverage (1..125); returns what the exchange applied."""

    @abc.abstractmethod
    async def set_margin_type(self, symbol: str, margin_type: MarginType) -> None:
        """Isolated or cross margin for a symbol."""

    @abc.abstractmethod
    async def start_user_stream(self, handler: UserEventHandler) -> None:
        """Start the user-data stream; `handler` gets every OrderUpdate, AccountUpdate and
        StreamStatus. Reconnects by itself and resyncs open orders over REST after a gap."""

    @abc.abstractmethod
    async def stop_user_stream(self) -> None:
        """Stop the user-data stream."""

    @property
    @abc.abstractmethod
    def user_stream_connected(self) -> bool:
        """True while the user-data stream is up (the order manager polls when it is not)."""
