"""`OrderPlacer`: validate an order, then send it exactly once and track it.

Flow: intent -> `validate` (gathers the symbol's rules, the mark price, the position and
the open-order count; `validation.validate_order` decides and rounds) -> `submit`: the order
is registered and committed to the store as PENDING_NEW before it is sent, so a crash
cannot lose an order that reached the exchange -> `exchange.create_order` -> the answer is
applied as events. An unknown outcome (the answer lost, 503/-1007) is resolved by querying
the client order id, never by sending again. Only a refusal of the order itself (local
validation, or the exchange's own 4xx order-rejection: `is_final_rejection`) makes it
REJECTED at once; any other error (rate limit, ban, network, 5xx, status unknown) says
nothing about the order, which stays PENDING_NEW until the exchange tells.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from execution.errors import (
    AuthenticationError,
    ConfigurationError,
    ExchangeError,
    ExchangeUnavailableError,
    ExecutionError,
    InsufficientMarginError,
    InvalidOrderError,
    NetworkError,
    OrderNotFoundError,
    OrderStatusUnknownError,
    RateLimitError,
    StoreUnavailableError,
    TimestampError,
    ValidationError,
)
from execution.exchange.base import BaseExchange
from execution.exchange.order_request import check_client_order_id
from execution.intent import OrderIntent, intent_attributes
from execution.models import Order, OrderStatus, OrderType, PositionSide
from execution.orders.core import ManagerCore
from execution.orders.lifecycle import OrderLifecycle
from execution.orders.lookup import OrderLookup
from execution.orders.managed import CLOSE_TAG, ManagedOrder, OrderRole
from execution.orders.marks import read_mark
from execution.orders.registry import OrderRegistry
from execution.orders.risk_check import check_risk
from execution.orders.state import OrderRejected
from execution.orders.validation import (
    OrderGuards,
    ValidationContext,
    check_symbol_allowed,
    validate_order,
)
from execution.rules import normalize_symbol

logger = logging.getLogger(__name__)

ZERO = Decimal(0)

# Errors after which the order may or may not exist: resolved by its client order id.
UNKNOWN_OUTCOME = (OrderStatusUnknownError, ExchangeUnavailableError, NetworkError)

# Errors that are about something else than the order (the request, the connection, the
# budget): they never say the order was refused.
_NOT_ABOUT_THE_ORDER = (
    *UNKNOWN_OUTCOME, RateLimitError, AuthenticationError, TimestampError, OrderNotFoundError,
)

NO_GUARDS = OrderGuards()
WORKING_TYPE = "working_type"  # `ManagedOrder.attributes` key: what the trigger watches
POSITION_SIDE = "position_side"  # `ManagedOrder.attributes` key: a hedge-mode order's leg
LIMIT_MARK_MAX_AGE = 5.0  # s: how old a mark may be for a limit order's PERCENT_PRICE check

# Protective work (a bracket's exits, the market close of a crossed exit, flattening a
# position with `close_position`): never held up by a store that cannot write.
PROTECTIVE_ROLES = frozenset({OrderRole.STOP_LOSS, OrderRole.TAKE_PROFIT})


def is_protective(role: OrderRole, intent: OrderIntent, tags: tuple[str, ...]) -> bool:
    """True for an order that only protects or reduces a position: a bracket's exit, or
    a reduce-only order of `close_position`."""
    return role in PROTECTIVE_ROLES or (intent.reduce_only and CLOSE_TAG in tags)


def is_final_rejection(exc: BaseException) -> bool:
    """True when `exc`, raised by `create_order`, is a refusal of the order itself: local
    validation (nothing sent), or the exchange's own 4xx order-rejection (a filter, margin,
    reduce-only, would trigger, invalid parameters, duplicate id). Anything else (status
    unknown, rate limit or ban, network, 5xx, an unreadable answer, a refused signature or
    timestamp) says nothing about the order: it stays PENDING_NEW and is settled by its
    client order id."""
    if isinstance(exc, ValidationError | ConfigurationError):
        return True  # refused here (invalid, or live trading not enabled): nothing sent
    if isinstance(exc, InvalidOrderError | InsufficientMarginError):
        return True
    if not isinstance(exc, ExchangeError) or isinstance(exc, _NOT_ABOUT_THE_ORDER):
        return False
    # An order-rejection code the error table does not name (-1100 and beyond: parameters,
    # -2xxx/-4xxx: the order) with a 4xx status.
    status = exc.http_status
    return (
        exc.code is not None and exc.code <= -1100
        and status is not None and 400 <= status < 500
    )


class OrderPlacer:
    """Validation and exactly-once submission for one manager."""

    def __init__(
        self, core: ManagerCore, lifecycle: OrderLifecycle, lookup: OrderLookup
    ) -> None:
        self._core = core
        self._registry = core.registry
        self._recorder = core.recorder
        self._lifecycle = lifecycle
        self._lookup = lookup

    @property
    def registry(self) -> OrderRegistry:
        """The manager's orders (the batch path registers through `track`)."""
        return self._registry

    @property
    def exchange(self) -> BaseExchange:
        return self._core.exchange

    def new_client_order_id(self) -> str:
        """A fresh client order id (`<prefix>-<32 hex>`, within the exchange's 36 chars)."""
        return f"{self._core.settings.client_order_id_prefix}-{os.urandom(16).hex()}"[:36]

    async def validate(
        self,
        intent: OrderIntent,
        *,
        replacing: ManagedOrder | None = None,
        apply_guards: bool = True,
        protective: bool = False,
    ) -> OrderIntent:
        """Gather what the checks need and run them; the rounded intent or ValidationError.

        `replacing` is an order about to be cancelled for this one: its slot counts as free.
        `apply_guards=False` skips the configurable guards (max notional, max open orders
        per symbol, allowed symbols), for reduce-only risk reduction; the exchange's own
        rules still apply. `protective=True` (the manager's own work that only reduces a
        position: exits, market closes, re-arms, flattening) skips the risk engine.
        """
        symbol = normalize_symbol(intent.symbol)
        if symbol != intent.symbol:
            intent = replace(intent, symbol=symbol)
        guards = self._core.settings.guards if apply_guards else NO_GUARDS
        check_symbol_allowed(symbol, guards)
        exchange = self._core.exchange
        exchange.check_order_type(intent.order_type)
        exchange.check_parameters(intent)
        rules = await exchange.get_symbol_rules(symbol)
        # The mark: for triggers and market notionals; for a limit order's PERCENT_PRICE
        # band, a mark fetched in the last seconds serves (no request per order).
        # The stream's mark (`core.marks`) serves both when fresh.
        marks = self._core.marks
        if intent.order_type is not OrderType.LIMIT:
            mark_price: Decimal | None = await read_mark(exchange, marks, symbol)
        elif rules.multiplier_up is None and rules.multiplier_down is None:
            mark_price = None
        else:
            mark_price = await read_mark(exchange, marks, symbol, LIMIT_MARK_MAX_AGE)
        position: Decimal | None = None
        if intent.reduce_only:
            position = ZERO
            leg = intent.position_side
            for held in await exchange.get_positions(symbol):
                if held.symbol == symbol and (
                    leg is PositionSide.BOTH or held.position_side is leg
                ):  # in hedge mode, the leg the order reduces
                    position += held.quantity
        open_orders = self._registry.open_count(symbol)
        if replacing is not None and replacing.is_open:
            open_orders -= 1
        context = ValidationContext(rules, mark_price, position or ZERO, open_orders)
        checked = validate_order(intent, context, guards)
        if not protective:
            await check_risk(self._core, checked, mark_price, position, replacing)
        return checked

    def track(
        self,
        intent: OrderIntent,
        *,
        strategy_name: str | None = None,
        tags: tuple[str, ...] = (),
        parent_order_id: str | None = None,
        role: OrderRole = OrderRole.SINGLE,
        client_order_id: str | None = None,
        replaces: str | None = None,
        attributes: dict[str, str] | None = None,
    ) -> ManagedOrder:
        """Register a new order for a validated intent as PENDING_NEW (not yet recorded,
        not sent): its client id is checked (or made) and must be new."""
        symbol = normalize_symbol(intent.symbol)
        if symbol != intent.symbol:
            intent = replace(intent, symbol=symbol)
        if client_order_id is None:
            client_order_id = self.new_client_order_id()
        else:
            check_client_order_id(client_order_id)  # "" is an invalid id, not "none given"
        registry = self._registry
        if client_order_id in registry.by_client_id:
            raise ValidationError("client_order_id", client_order_id, "already used")
        order = Order(
            symbol=intent.symbol,
            side=intent.side,
            order_type=intent.order_type,
            quantity=intent.quantity,
            client_order_id=client_order_id,
            price=intent.price,
            stop_price=intent.stop_price,
            time_in_force=intent.time_in_force,
            reduce_only=intent.reduce_only,
            position_side=intent.position_side,
            working_type=intent.working_type,
            close_position=intent.close_position,
            activation_price=intent.activation_price,
            callback_rate=intent.callback_rate,
        )
        managed = ManagedOrder(
            order,
            strategy_name=strategy_name,
            tags=tags,
            parent_order_id=parent_order_id,
            role=role,
            replaces=replaces,
            submitted_at=self._core.now_ms(),
            attributes=attributes or {},
            rounded=intent.rounded,
        )
        if intent.working_type is not None:  # persisted with the order (a replacement keeps it)
            managed.attributes[WORKING_TYPE] = intent.working_type.value
        if intent.position_side is not PositionSide.BOTH:  # the hedge-mode leg, persisted
            managed.attributes[POSITION_SIDE] = intent.position_side.value
        managed.attributes.update(intent_attributes(intent))  # trailing, peg, stp, ...
        registry.register(managed)
        return managed

    async def submit(
        self,
        intent: OrderIntent,
        *,
        strategy_name: str | None = None,
        tags: tuple[str, ...] = (),
        parent_order_id: str | None = None,
        role: OrderRole = OrderRole.SINGLE,
        client_order_id: str | None = None,
        replaces: str | None = None,
        attributes: dict[str, str] | None = None,
        on_registered: Callable[[ManagedOrder], None] | None = None,
    ) -> ManagedOrder:
        """Send a validated intent exactly once and track it. The order is committed to the
        store as PENDING_NEW before it is sent, so a crash cannot lose an order sent.

        On an unknown outcome the order is queried by its client id; if that does not
        settle it the error is raised and the order stays tracked as PENDING_NEW, for
        the stream or polling to resolve."""
        managed = self.track(
            intent, strategy_name=strategy_name, tags=tags, parent_order_id=parent_order_id,
            role=role, client_order_id=client_order_id, replaces=replaces,
            attributes=attributes,
        )
        return await self.send_tracked(managed, intent, on_registered)

    async def send_tracked(
        self,
        managed: ManagedOrder,
        intent: OrderIntent,
        on_registered: Callable[[ManagedOrder], None] | None = None,
    ) -> ManagedOrder:
        """`submit` for an order `track` registered: committed, sent once, settled."""
        intent = replace(intent, symbol=managed.symbol)
        client_order_id = managed.client_order_id
        registry = self._registry
        registry.in_flight.add(client_order_id)
        try:
            await self.commit(managed, intent)
            if on_registered is not None:
                on_registered(managed)
            try:
                result = await self._core.exchange.place(intent, client_order_id)
            except ExecutionError as exc:
                await self.settle_error(managed, exc)
                return managed
        finally:
            registry.in_flight.discard(client_order_id)
        self.settle_answer(managed, result)
        if not is_protective(managed.role, intent, managed.tags):
            # A fill the answer showed comes back with its fees (never held up for them:
            # the protective work, a kill switch's close).
            await self._lifecycle.fees_settled(managed)
        return managed

    async def commit(self, managed: ManagedOrder, intent: OrderIntent) -> None:
        """Commit a tracked order to the store before it is sent. A store that cannot
        write refuses an ordinary order (untracked again, `StoreUnavailableError`, nothing
        to send); protective work goes from memory."""
        try:
            await self._recorder.commit_before_send(
                managed, protective=is_protective(managed.role, intent, managed.tags)
            )
        except StoreUnavailableError:
            self._registry.unregister(managed)
            raise

    async def settle_error(self, managed: ManagedOrder, exc: ExecutionError) -> None:
        """The placement of `managed` raised `exc`: a refusal of the order makes it
        REJECTED (and is raised); anything else says nothing about it: it is looked up by
        its client order id, and if that does not settle it, it stays PENDING_NEW (for the
        stream or polling) and `exc` is raised. Returns when the lookup settled it."""
        client_order_id = managed.client_order_id
        if is_final_rejection(exc):
            local = not isinstance(exc, ExchangeError)  # refused here: nothing sent
            self._lifecycle.apply(
                managed, OrderRejected(client_order_id, str(exc), self._core.now_ms(), local)
            )
            raise exc
        logger.warning("order %s: outcome unknown (%s: %s)", client_order_id,
                       type(exc).__name__, exc)
        await self._lookup.refresh(managed)
        if managed.status in (OrderStatus.PENDING_NEW, OrderStatus.REJECTED):
            self._lifecycle.outcome_unknown(managed, exc)
            raise exc

    def settle_answer(self, managed: ManagedOrder, result: Order) -> None:
        """The exchange answered with the order: applied (a pegged order's price, set by
        the venue, is taken from the answer)."""
        if result.created_at and not managed.order.created_at:
            managed.order.created_at = result.created_at
        if managed.order.price is None and result.price:  # a BBO peg: the venue priced it
            managed.order.price = result.price
        self._lifecycle.apply_snapshot(managed, result)
