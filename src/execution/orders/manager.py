"""`OrderManager`: places orders, follows them to their end, and remembers them.

Flow: intent -> validation (rounding, guards) -> the order is recorded as PENDING_NEW (and
committed to the store before it is sent) -> `exchange.create_order` -> events from the REST
answer, the user-data stream or, while the stream is down, REST polling -> the state
machine (`ManagedOrder.apply`) -> store -> callbacks -> brackets.

    async with OrderManager(exchange, "orders.sqlite") as manager:
        order = await manager.place_limit_order("BTCUSDT", OrderSide.BUY, Decimal("0.01"),
                                                Decimal("50000"), strategy_name="mean-rev")
        print(order.order.order_id, order.status)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from execution.errors import (
    ExchangeError,
    ExchangeUnavailableError,
    ExecutionError,
    NetworkError,
    OrderNotFoundError,
    OrderStatusUnknownError,
    ValidationError,
)
from execution.exchange.base import BaseExchange
from execution.models import (
    AccountUpdate,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    OrderUpdate,
    Position,
    StreamState,
    StreamStatus,
    TimeInForce,
    UserEvent,
)
from execution.money import Number, positive
from execution.orders.brackets import (
    STOP_LOSS_PRICE,
    TAKE_PROFIT_PRICE,
    Bracket,
    BracketCoordinator,
)
from execution.orders.callbacks import CallbackRegistry, OrderCallback
from execution.orders.managed import ManagedOrder, OrderRole, Transition
from execution.orders.modify import ReplaceFailedError, cancel_and_replace
from execution.orders.reconcile import ReconciliationReport, baseline_of, reconcile
from execution.orders.state import (
    OrderCancelRejected,
    OrderCancelRequested,
    OrderEvent,
    OrderRejected,
    Outcome,
)
from execution.orders.stats import OrderStatistics, compute_statistics
from execution.orders.translate import events_from_snapshot, events_from_update, now_ms
from execution.orders.validation import (
    OrderGuards,
    OrderIntent,
    ValidationContext,
    check_bracket_prices,
    check_symbol_allowed,
    price_rounding,
    validate_order,
)
from execution.store import OrderStore

__all__ = [
    "Bracket",
    "ManagedOrder",
    "OrderGuards",
    "OrderManager",
    "ReplaceFailedError",
]

logger = logging.getLogger(__name__)

ZERO = Decimal(0)

# Errors after which the order may or may not exist: resolved by its client order id.
_UNKNOWN_OUTCOME = (OrderStatusUnknownError, ExchangeUnavailableError, NetworkError)


class OrderManager:
    """Order lifecycle, brackets, persistence and reconciliation over one exchange.

    `store` is an `OrderStore`, a path to its SQLite file, or None (nothing persisted).
    `poll_interval` (s) paces REST polling while the user stream is down; an order left
    PENDING_NEW by an unknown outcome is settled by its client id after `pending_grace` (s).
    """

    def __init__(
        self,
        exchange: BaseExchange,
        store: OrderStore | str | Path | None = None,
        *,
        guards: OrderGuards | None = None,
        poll_interval: float = 1.0,
        pending_grace: float = 10.0,
        adopt_unknown: bool = True,
        client_order_id_prefix: str = "om",
    ) -> None:
        self.exchange = exchange
        self._owns_store = store is not None and not isinstance(store, OrderStore)
        self.store: OrderStore | None = (
            OrderStore(store) if isinstance(store, str | Path) else store
        )
        self.guards = guards or OrderGuards()
        self.poll_interval = poll_interval
        self.pending_grace = pending_grace
        self.adopt_unknown = adopt_unknown
        self._prefix = client_order_id_prefix
        self._by_client_id: dict[str, ManagedOrder] = {}
        self._by_order_id: dict[str, ManagedOrder] = {}
        self._open_by_symbol: dict[str, dict[str, ManagedOrder]] = {}
        self._in_flight: set[str] = set()
        self._cancelling: set[str] = set()
        self._background: set[asyncio.Task[Any]] = set()
        self._dirty: dict[str, ManagedOrder] = {}  # order rows to write (latest state wins)
        self._callbacks = CallbackRegistry()
        self._brackets = BracketCoordinator(self)
        self._poll_task: asyncio.Task[None] | None = None
        self._stream_was_down = False
        self._started = False
        self.positions: dict[str, Position] = {}
        self.last_reconciliation: ReconciliationReport | None = None

    # -- lifecycle --------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> ReconciliationReport:
        """Load the store, start the user stream, reconcile with the exchange, resume
        brackets and start the polling fallback. Returns the reconciliation report."""
        if self._started:
            raise ExecutionError("the order manager is already started")
        self._started = True
        loaded: list[ManagedOrder] = []
        if self.store is not None:
            await self.store.open()
            loaded = await self.store.load_orders()
            for managed in loaded:
                self._register(managed)
        baseline = baseline_of(loaded)
        try:
            await self.exchange.start_user_stream(self.handle_event)
        except ExecutionError as exc:
            logger.warning("user stream did not start (%s): polling instead", exc)
        self._brackets.rebuild(loaded)
        report = await reconcile(self, baseline)
        self.last_reconciliation = report
        for bracket in self._brackets.brackets.values():
            if not bracket.is_done:
                self._brackets.schedule(bracket)
        self._poll_task = asyncio.create_task(self._poll_loop(), name="order-manager-poll")
        return report

    async def stop(self) -> None:
        """Stop polling and the stream, let pending work finish, and close the store."""
        if not self._started:
            return
        self._started = False
        if self._poll_task is not None:
            self._poll_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poll_task
            self._poll_task = None
        await self._brackets.drain()
        with contextlib.suppress(ExecutionError):
            await self.exchange.stop_user_stream()
        await self._callbacks.drain()
        self._persist_dirty()
        if self.store is not None:
            if self._owns_store:
                await self.store.close()
            else:
                await self.store.flush()

    # -- lookups ----------------------------------------------------------------------------

    def get_order(self, order_id: str) -> ManagedOrder | None:
        """An order by the exchange's order id or by client order id (O(1))."""
        return self._by_order_id.get(order_id) or self._by_client_id.get(order_id)

    @property
    def orders(self) -> list[ManagedOrder]:
        """Every order tracked, oldest first."""
        return list(self._by_client_id.values())

    def open_orders(self, symbol: str | None = None) -> list[ManagedOrder]:
        """Orders not yet final, of one symbol or all."""
        if symbol is not None:
            return list(self._open_by_symbol.get(symbol, {}).values())
        return [m for orders in self._open_by_symbol.values() for m in orders.values()]

    @property
    def brackets(self) -> dict[str, Bracket]:
        """Brackets by their entry's client order id."""
        return self._brackets.brackets

    def get_statistics(self) -> OrderStatistics:
        """Counts, fill rate, volume, fees, time to fill and realised PnL, by status and
        by strategy, over every order tracked."""
        return compute_statistics(self._by_client_id.values())

    def on(self, event_name: str, callback: OrderCallback) -> None:
        """Register `callback(managed_order)` (sync or async) for one of `CALLBACK_EVENTS`."""
        self._callbacks.add(event_name, callback)

    def off(self, event_name: str, callback: OrderCallback) -> None:
        self._callbacks.remove(event_name, callback)

    # -- placement --------------------------------------------------------------------------

    async def place_market_order(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Number,
        *,
        strategy_name: str | None = None,
        tags: Iterable[str] = (),
        parent_order_id: str | None = None,
        reduce_only: bool = False,
        client_order_id: str | None = None,
    ) -> ManagedOrder:
        """A market order (quantity rounded down to the market step size)."""
        intent = OrderIntent(
            symbol, side, OrderType.MARKET, positive(quantity, "quantity"),
            reduce_only=reduce_only,
        )
        return await self._place(intent, strategy_name, tags, parent_order_id, client_order_id)

    async def place_limit_order(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Number,
        price: Number,
        *,
        time_in_force: TimeInForce = TimeInForce.GTC,
        strategy_name: str | None = None,
        tags: Iterable[str] = (),
        parent_order_id: str | None = None,
        reduce_only: bool = False,
        client_order_id: str | None = None,
    ) -> ManagedOrder:
        """A limit order; the price rounds down for a BUY and up for a SELL."""
        intent = OrderIntent(
            symbol, side, OrderType.LIMIT, positive(quantity, "quantity"),
            price=positive(price, "price"), time_in_force=time_in_force,
            reduce_only=reduce_only,
        )
        return await self._place(intent, strategy_name, tags, parent_order_id, client_order_id)

    async def place_stop_loss_order(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Number,
        stop_price: Number,
        *,
        strategy_name: str | None = None,
        tags: Iterable[str] = (),
        parent_order_id: str | None = None,
        reduce_only: bool = True,
        client_order_id: str | None = None,
    ) -> ManagedOrder:
        """A stop-market order (STOP_MARKET) that closes exposure when the mark crosses
        `stop_price`: a SELL triggers below the market, a BUY above."""
        intent = OrderIntent(
            symbol, side, OrderType.STOP_LOSS, positive(quantity, "quantity"),
            stop_price=positive(stop_price, "stop_price"), reduce_only=reduce_only,
        )
        return await self._place(intent, strategy_name, tags, parent_order_id, client_order_id)

    async def place_take_profit_order(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Number,
        stop_price: Number,
        *,
        strategy_name: str | None = None,
        tags: Iterable[str] = (),
        parent_order_id: str | None = None,
        reduce_only: bool = True,
        client_order_id: str | None = None,
    ) -> ManagedOrder:
        """A take-profit market order (TAKE_PROFIT_MARKET): a SELL triggers above the
        market, a BUY below."""
        intent = OrderIntent(
            symbol, side, OrderType.TAKE_PROFIT, positive(quantity, "quantity"),
            stop_price=positive(stop_price, "stop_price"), reduce_only=reduce_only,
        )
        return await self._place(intent, strategy_name, tags, parent_order_id, client_order_id)

    async def place_bracket_order(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Number,
        *,
        entry_price: Number | None = None,
        stop_loss_price: Number,
        take_profit_price: Number,
        time_in_force: TimeInForce = TimeInForce.GTC,
        strategy_name: str | None = None,
        tags: Iterable[str] = (),
        client_order_id: str | None = None,
    ) -> Bracket:
        """An entry (market, or limit at `entry_price`) with a reduce-only stop-loss and
        take-profit, one-cancels-other, placed and sized as the entry fills.

        Everything is checked before the entry is sent: the exit prices must sit on the
        right sides of the entry (or of the mark price for a market entry)."""
        quantity_value = positive(quantity, "quantity")
        exit_side = side.opposite
        rules = await self.exchange.get_symbol_rules(symbol)
        stop_loss = rules.round_price(
            positive(stop_loss_price, "stop_loss_price"), price_rounding(exit_side)
        )
        take_profit = rules.round_price(
            positive(take_profit_price, "take_profit_price"), price_rounding(exit_side)
        )
        rules.validate_price(stop_loss, "stop_loss_price")
        rules.validate_price(take_profit, "take_profit_price")
        if entry_price is None:
            intent = OrderIntent(symbol, side, OrderType.MARKET, quantity_value)
            reference = await self.exchange.fetch_mark_price(symbol)
        else:
            intent = OrderIntent(
                symbol, side, OrderType.LIMIT, quantity_value,
                price=positive(entry_price, "entry_price"), time_in_force=time_in_force,
            )
            reference = rules.round_price(intent.price or ZERO, price_rounding(side))
        check_bracket_prices(side, reference, stop_loss, take_profit)
        intent = await self.validate(intent)
        attributes = {STOP_LOSS_PRICE: str(stop_loss), TAKE_PROFIT_PRICE: str(take_profit)}
        client_order_id = client_order_id or self.new_client_order_id()
        # The bracket exists before the entry is sent, so fills racing the REST answer
        # already find it.
        placeholder = ManagedOrder(
            Order(symbol, side, intent.order_type, intent.quantity, client_order_id),
            role=OrderRole.ENTRY,
            attributes=attributes,
        )
        bracket = Bracket(placeholder, stop_loss, take_profit)
        self._brackets.add(bracket)

        def attach_entry(entry: ManagedOrder) -> None:
            bracket.entry = entry

        try:
            await self.submit(
                intent,
                strategy_name=strategy_name,
                tags=tuple(tags),
                role=OrderRole.ENTRY,
                client_order_id=client_order_id,
                attributes=attributes,
                on_registered=attach_entry,
            )
        except BaseException:
            if bracket.entry is placeholder:
                del self._brackets.brackets[client_order_id]
            raise
        await self._brackets.sync(bracket)
        return bracket

    async def _place(
        self,
        intent: OrderIntent,
        strategy_name: str | None,
        tags: Iterable[str],
        parent_order_id: str | None,
        client_order_id: str | None,
    ) -> ManagedOrder:
        intent = await self.validate(intent)
        return await self.submit(
            intent,
            strategy_name=strategy_name,
            tags=tuple(tags),
            parent_order_id=parent_order_id,
            client_order_id=client_order_id,
        )

    async def validate(
        self, intent: OrderIntent, *, replacing: ManagedOrder | None = None
    ) -> OrderIntent:
        """Gather what the checks need and run them; the rounded intent or ValidationError.

        `replacing` is an order about to be cancelled for this one: its slot counts as free.
        """
        check_symbol_allowed(intent.symbol, self.guards)
        rules = await self.exchange.get_symbol_rules(intent.symbol)
        needs_mark = intent.order_type is not OrderType.LIMIT
        mark_price = await self.exchange.fetch_mark_price(intent.symbol) if needs_mark else None
        position = ZERO
        if intent.reduce_only:
            for held in await self.exchange.get_positions(intent.symbol):
                if held.symbol == intent.symbol:
                    position += held.quantity
        open_orders = len(self._open_by_symbol.get(intent.symbol, {}))
        if replacing is not None and replacing.is_open:
            open_orders -= 1
        context = ValidationContext(rules, mark_price, position, open_orders)
        return validate_order(intent, context, self.guards)

    def new_client_order_id(self) -> str:
        """A fresh client order id (`<prefix>-<32 hex>`, within the exchange's 36 chars)."""
        return f"{self._prefix}-{uuid.uuid4().hex}"[:36]

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
        store as PENDING_NEW before it is sent, so a crash cannot lose an order sent."""
        client_order_id = client_order_id or self.new_client_order_id()
        if client_order_id in self._by_client_id:
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
        )
        managed = ManagedOrder(
            order,
            strategy_name=strategy_name,
            tags=tags,
            parent_order_id=parent_order_id,
            role=role,
            replaces=replaces,
            submitted_at=now_ms(),
            attributes=attributes or {},
        )
        self._register(managed)
        if on_registered is not None:
            on_registered(managed)
        self._in_flight.add(client_order_id)
        try:
            if self.store is not None:
                self.store.save_order(managed)
                await self.flush()
            try:
                result = await self.exchange.create_order(
                    intent.symbol,
                    intent.side,
                    intent.order_type,
                    intent.quantity,
                    price=intent.price,
                    stop_price=intent.stop_price,
                    time_in_force=intent.time_in_force,
                    reduce_only=intent.reduce_only,
                    client_order_id=client_order_id,
                )
            except _UNKNOWN_OUTCOME as exc:
                logger.warning("order %s: outcome unknown (%s)", client_order_id, exc)
                await self.refresh(managed)
                if managed.status in (OrderStatus.PENDING_NEW, OrderStatus.REJECTED):
                    raise
                return managed
            except (ExchangeError, ValidationError) as exc:
                self.apply(managed, OrderRejected(client_order_id, str(exc), now_ms()))
                raise
        finally:
            self._in_flight.discard(client_order_id)
        if result.created_at and not managed.order.created_at:
            managed.order.created_at = result.created_at
        self.apply_snapshot(managed, result)
        return managed

    async def place_exit(
        self, bracket: Bracket, role: OrderRole, quantity: Decimal
    ) -> ManagedOrder:
        """Place a bracket's stop-loss or take-profit for `quantity` (used by brackets)."""
        entry = bracket.entry
        is_stop = role is OrderRole.STOP_LOSS
        intent = OrderIntent(
            entry.symbol,
            entry.order.side.opposite,
            OrderType.STOP_LOSS if is_stop else OrderType.TAKE_PROFIT,
            quantity,
            stop_price=bracket.stop_loss_price if is_stop else bracket.take_profit_price,
            reduce_only=True,
        )
        intent = await self.validate(intent)
        return await self.submit(
            intent,
            strategy_name=entry.strategy_name,
            tags=entry.tags,
            parent_order_id=entry.client_order_id,
            role=role,
        )

    # -- modify and cancel ------------------------------------------------------------------

    async def modify_order(
        self,
        order_id: str,
        *,
        new_price: Number | None = None,
        new_quantity: Number | None = None,
    ) -> ManagedOrder:
        """Cancel and replace with a new price (limit price, or trigger of a stop/take-profit)
        and/or a new total quantity. Returns the replacement, linked by `replaces`, or the
        original if it filled first. Raises the cancel's error (original untouched) or
        `ReplaceFailedError` (original cancelled, replacement refused: nothing live)."""
        managed = self._require(order_id)
        price = positive(new_price, "new_price") if new_price is not None else None
        quantity = positive(new_quantity, "new_quantity") if new_quantity is not None else None
        replacement = await cancel_and_replace(
            self, managed, new_price=price, new_quantity=quantity
        )
        if replacement is not managed:
            bracket = self._brackets.find(managed)
            if bracket is not None:
                role = managed.role
                if role is OrderRole.STOP_LOSS:
                    bracket.stop_loss = replacement
                elif role is OrderRole.TAKE_PROFIT:
                    bracket.take_profit = replacement
                if role is not OrderRole.ENTRY:
                    bracket.exits.append(replacement)
                else:
                    bracket.entry = replacement  # pragma: no cover - entries are not modified
        return replacement

    async def replace_quantity(self, managed: ManagedOrder, new_total: Decimal) -> ManagedOrder:
        """Cancel-and-replace to a new total quantity (used to resize bracket exits)."""
        return await cancel_and_replace(self, managed, new_quantity=new_total)

    async def cancel_order(self, order_id: str) -> ManagedOrder:
        """Cancel one open order (by order id or client order id); raises if the cancel fails
        (the order's state is then refreshed from the exchange)."""
        managed = self._require(order_id)
        if not managed.is_open:
            raise ValidationError(
                "order_id", order_id, f"order is {managed.status.value}, not open"
            )
        self._brackets.detach(managed)
        await self.cancel_managed(managed)
        return managed

    async def cancel_all_orders(self, symbol: str) -> list[ManagedOrder]:
        """Cancel every open order of `symbol` on the exchange; returns the tracked orders
        that were open, each refreshed to its final state."""
        tracked = self.open_orders(symbol)
        for managed in tracked:
            self._brackets.detach(managed)
            self.apply(managed, OrderCancelRequested(managed.client_order_id, now_ms()))
        try:
            await self.exchange.cancel_all_orders(symbol)
        finally:
            still_open = {o.client_order_id: o for o in await self.exchange.get_open_orders(symbol)}
            for managed in tracked:
                snapshot = still_open.get(managed.client_order_id)
                if snapshot is not None:
                    self.apply_open_snapshot(managed, snapshot)
                elif managed.is_open:
                    await self.refresh(managed)
        return tracked

    async def cancel_managed(self, managed: ManagedOrder) -> None:
        """Cancel; on failure the order goes back to working, is refreshed, and the error
        is raised."""
        client_order_id = managed.client_order_id
        self.apply(managed, OrderCancelRequested(client_order_id, now_ms()))
        self._cancelling.add(client_order_id)
        try:
            result = await self.exchange.cancel_order(
                managed.order_id or None, managed.symbol, client_order_id=client_order_id
            )
        except ExecutionError as exc:
            self.apply(managed, OrderCancelRejected(client_order_id, str(exc), now_ms()))
            await self.refresh(managed)
            raise
        finally:
            self._cancelling.discard(client_order_id)
        self.apply_snapshot(managed, result)
        if managed.is_open:
            await self.refresh(managed)

    async def cancel_quietly(self, managed: ManagedOrder) -> None:
        """Cancel, logging instead of raising (brackets tidying up)."""
        try:
            await self.cancel_managed(managed)
        except ExecutionError as exc:
            if managed.is_open:
                logger.error("cancel of %s failed: %s", managed.client_order_id, exc)

    # -- events -----------------------------------------------------------------------------

    def handle_event(self, event: UserEvent) -> None:
        """The user-stream handler: order updates, account updates, stream up/down."""
        if isinstance(event, OrderUpdate):
            self._on_order_update(event)
        elif isinstance(event, AccountUpdate):
            for position in event.positions:
                if position.quantity == 0:
                    self.positions.pop(position.symbol, None)
                else:
                    self.positions[position.symbol] = position
        elif isinstance(event, StreamStatus):
            if event.state is StreamState.DISCONNECTED:
                logger.warning("user stream down (%s): polling", event.detail)
                self._stream_was_down = True
            elif self._stream_was_down:
                self._stream_was_down = False
                # Orders that ended while the stream was down are not in a resync of open
                # orders: catch up on them once.
                task = asyncio.ensure_future(self._poll_safely())
                self._background.add(task)
                task.add_done_callback(self._background.discard)

    def _on_order_update(self, update: OrderUpdate) -> None:
        snapshot = update.order
        managed = self._by_client_id.get(snapshot.client_order_id)
        if managed is None and snapshot.order_id:
            managed = self._by_order_id.get(snapshot.order_id)
        if managed is None:
            if self.adopt_unknown:
                self.adopt(snapshot)
            return
        for event in events_from_update(managed, update):
            self.apply(managed, event)

    def apply(self, managed: ManagedOrder, event: OrderEvent) -> Transition:
        """Apply an event: state machine, indexes, store, callbacks, brackets."""
        transition = managed.apply(event)
        if transition.outcome is Outcome.DUPLICATE:
            return transition
        if self.store is not None:
            self.store.append_event(managed.client_order_id, event)
            self._mark_dirty(managed)
        if transition.outcome is not Outcome.APPLIED:
            return transition
        if managed.order_id and managed.order_id not in self._by_order_id:
            self._by_order_id[managed.order_id] = managed
        if not managed.is_open:
            open_orders = self._open_by_symbol.get(managed.symbol)
            if open_orders is not None:
                open_orders.pop(managed.client_order_id, None)
        self._fire(managed, transition)
        if managed.role is not OrderRole.SINGLE:
            self._brackets.notify(managed)
        return transition

    def apply_snapshot(self, managed: ManagedOrder, snapshot: Order) -> None:
        """Bring `managed` to what a REST answer shows (never backwards)."""
        for event in events_from_snapshot(managed, snapshot):
            self.apply(managed, event)

    def apply_open_snapshot(self, managed: ManagedOrder, snapshot: Order) -> None:
        """As `apply_snapshot`, for an order the exchange lists as open: a cancel that is
        no longer in flight (its answer was lost, or the process restarted) did not
        happen, so the order goes back to working."""
        self.apply_snapshot(managed, snapshot)
        if (
            managed.status is OrderStatus.PENDING_CANCEL
            and snapshot.status.is_open
            and managed.client_order_id not in self._cancelling
        ):
            self.apply(
                managed,
                OrderCancelRejected(
                    managed.client_order_id, "still open on the exchange", now_ms()
                ),
            )

    def _fire(self, managed: ManagedOrder, transition: Transition) -> None:
        before, after = transition.before, transition.after
        emit = self._callbacks.emit
        if before is OrderStatus.PENDING_NEW and after is not OrderStatus.REJECTED:
            emit("order_placed", managed)
            if managed.order.order_type in (OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT):
                emit("stop_loss_placed", managed)
            elif managed.order.order_type in (
                OrderType.TAKE_PROFIT, OrderType.TAKE_PROFIT_LIMIT
            ):
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

    def adopt(self, snapshot: Order) -> ManagedOrder:
        """Start tracking an order this manager did not place (found on the exchange)."""
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
            created_at=snapshot.created_at,
        )
        managed = ManagedOrder(order, tags=("adopted",), adopted=True, submitted_at=now_ms())
        self._register(managed)
        if self.store is not None:
            self.store.save_order(managed)
            self.store.append_note(
                managed.client_order_id, "ADOPTED", {"order_id": snapshot.order_id}
            )
        self.apply_snapshot(managed, snapshot)
        logger.warning("adopted order %s (%s) not placed by this manager",
                       managed.client_order_id, snapshot.order_id)
        return managed

    def _mark_dirty(self, managed: ManagedOrder) -> None:
        """Queue the order's row once per loop iteration, however many events it took
        (every event itself is queued as it comes)."""
        if not self._dirty:
            try:
                asyncio.get_running_loop().call_soon(self._persist_dirty)
            except RuntimeError:  # no loop running (a synchronous caller): write now
                if self.store is not None:
                    self.store.save_order(managed)
                return
        self._dirty[managed.client_order_id] = managed

    def _persist_dirty(self) -> None:
        dirty, self._dirty = self._dirty, {}
        if self.store is not None:
            for managed in dirty.values():
                self.store.save_order(managed)

    async def flush(self) -> None:
        """Wait until every order and event known so far is committed to the store."""
        self._persist_dirty()
        if self.store is not None:
            await self.store.flush()

    def record(self, managed: ManagedOrder) -> None:
        """Persist the order's current snapshot (after a change outside events: lineage)."""
        if self.store is not None:
            self.store.save_order(managed)

    def note(self, managed: ManagedOrder, kind: str, detail: dict[str, Any]) -> None:
        """Add a note to the order's audit trail."""
        if self.store is not None:
            self.store.append_note(managed.client_order_id, kind, detail)

    async def refresh(self, managed: ManagedOrder) -> None:
        """Query the order by client id and apply what the exchange says. An order that
        is unknown to the exchange and still PENDING_NEW after the grace period never
        reached it: it is marked REJECTED."""
        try:
            snapshot = await self.exchange.fetch_order(
                managed.symbol, client_order_id=managed.client_order_id
            )
        except OrderNotFoundError:
            age_ms = now_ms() - managed.submitted_at
            if managed.status is OrderStatus.PENDING_NEW and age_ms >= self.pending_grace * 1000:
                self.apply(
                    managed,
                    OrderRejected(
                        managed.client_order_id, "not found on the exchange", now_ms()
                    ),
                )
            return
        except ExecutionError as exc:
            logger.warning("refresh of %s failed: %s", managed.client_order_id, exc)
            return
        self.apply_snapshot(managed, snapshot)

    def _register(self, managed: ManagedOrder) -> None:
        self._by_client_id[managed.client_order_id] = managed
        if managed.order_id:
            self._by_order_id[managed.order_id] = managed
        if managed.is_open:
            self._open_by_symbol.setdefault(managed.symbol, {})[managed.client_order_id] = managed

    def _require(self, order_id: str) -> ManagedOrder:
        managed = self.get_order(order_id)
        if managed is None:
            raise ValidationError("order_id", order_id, "not an order of this manager")
        return managed

    # -- polling ----------------------------------------------------------------------------

    async def _poll_loop(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            if not self.exchange.user_stream_connected:
                await self._poll_safely()
            else:
                await self._settle_pending()

    async def _poll_safely(self) -> None:
        try:
            await self.poll_once()
        except ExecutionError as exc:
            logger.warning("polling failed: %s", exc)
        except Exception:
            logger.exception("polling failed")

    async def poll_once(self) -> None:
        """One REST pass over every symbol with open orders: open orders are applied as
        snapshots; tracked orders no longer open are queried by client id."""
        for symbol in [s for s, orders in self._open_by_symbol.items() if orders]:
            exchange_open = await self.exchange.get_open_orders(symbol)
            seen: set[str] = set()
            for snapshot in exchange_open:
                seen.add(snapshot.client_order_id)
                managed = self._by_client_id.get(snapshot.client_order_id)
                if managed is None:
                    if self.adopt_unknown:
                        self.adopt(snapshot)
                    continue
                self.apply_open_snapshot(managed, snapshot)
            for managed in list(self._open_by_symbol.get(symbol, {}).values()):
                if managed.client_order_id in seen or managed.client_order_id in self._in_flight:
                    continue
                await self.refresh(managed)

    async def _settle_pending(self) -> None:
        """Orders left PENDING_NEW (unknown outcome) are settled by their client id."""
        cutoff = now_ms() - int(self.pending_grace * 1000)
        for orders in list(self._open_by_symbol.values()):
            for managed in list(orders.values()):
                if (
                    managed.status is OrderStatus.PENDING_NEW
                    and managed.client_order_id not in self._in_flight
                    and managed.submitted_at <= cutoff
                ):
                    await self.refresh(managed)
