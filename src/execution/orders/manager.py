"""`OrderManager`: places orders, follows them to their end, and remembers them.

Flow: intent -> validation (rounding, guards) -> the order is recorded as PENDING_NEW (and
committed to the store before it is sent) -> `exchange.create_order` -> events from the REST
answer, the user-data stream or, while the stream is down, REST polling -> the state
machine (`ManagedOrder.apply`) -> store -> callbacks -> brackets.

This class only orchestrates; each job lives in its own module: `placement` (validate and
submit exactly once), `lifecycle` (apply events), `feed` (the user stream and the polling
fallback), `cancellation`, `modify` (cancel and replace), `brackets` and `bracket_orders`
(keeping a bracket's legs consistent), `recorder` (what goes to the store), `registry`
(the indexes), `reconcile` (at start).

    async with OrderManager(exchange, "orders.sqlite") as manager:
        order = await manager.place_limit_order("BTC/USDT", OrderSide.BUY, Decimal("0.01"),
                                                Decimal("50000"), strategy_name="mean-rev")
        print(order.order.order_id, order.status)

A manager used without `start()` starts itself on its first order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from execution.coercion import to_enum, to_seconds
from execution.errors import ExecutionError, ValidationError
from execution.exchange.base import BaseExchange
from execution.models import (
    Order,
    OrderSide,
    OrderType,
    Position,
    StreamState,
    StreamStatus,
    TimeInForce,
    UserEvent,
)
from execution.money import Number, positive
from execution.orders.adoption import (
    AdoptionLog,
    AdoptPolicy,
    check_prefix,
    default_prefix,
    resolve_policy,
)
from execution.orders.bracket_orders import BracketOrders
from execution.orders.brackets import Bracket, BracketCoordinator
from execution.orders.callbacks import CallbackRegistry, OrderCallback, PositionCallback
from execution.orders.cancellation import OrderCanceller
from execution.orders.closing import close_position
from execution.orders.feed import EventFeed
from execution.orders.lifecycle import OrderLifecycle
from execution.orders.managed import ManagedOrder, OrderRole, Transition
from execution.orders.modify import ReplaceFailedError, cancel_and_replace
from execution.orders.placement import OrderPlacer
from execution.orders.protection import (
    PositionProtection,
    ProtectionAuditor,
    ProtectionConfig,
    ProtectionReport,
)
from execution.orders.reconcile import ReconciliationReport, baseline_of, reconcile
from execution.orders.recorder import OrderRecorder
from execution.orders.registry import OrderRegistry
from execution.orders.state import OrderEvent
from execution.orders.stats import OrderStatistics, compute_statistics
from execution.orders.validation import OrderGuards, OrderIntent
from execution.rules import normalize_symbol
from execution.store import OrderStore
from execution.store_location import open_store

__all__ = [
    "Bracket",
    "ManagedOrder",
    "OrderGuards",
    "OrderManager",
    "ReplaceFailedError",
]

logger = logging.getLogger(__name__)


class OrderManager:
    """Order lifecycle, brackets, persistence and reconciliation over one exchange.

    `store` is an `OrderStore`, a path to its SQLite file, a store URL
    (`sqlite:///orders.sqlite`, see `store_location`), or None (nothing persisted). The
    manager holds the store file for its lifetime: a second manager on it (in this process
    or another) gets `StoreLockedError` at start.
    `adopt` says which orders found on the exchange and not tracked are taken over (see
    `adoption.AdoptPolicy`): "own" (the default: this manager's `client_order_id_prefix`,
    and the exchange's liquidation / ADL orders), "unprefixed", "all" or "none";
    `adopt_unknown` is the older switch (True: the default, False: "none").
    `client_order_id_prefix` starts every client id this manager makes (`<prefix>-<hex>`);
    by default it is derived from the store file (`adoption.default_prefix`), so managers
    on different files never share one: give each process its own file or prefix.
    `poll_interval` (s) paces REST polling while the user stream is down. An order left
    PENDING_NEW by an unknown outcome (never sent again without proof) is looked up by its
    client id with back-off, and from the stream; only when `pending_grace` (s, the
    horizon) is over and the exchange's order history does not list it either is it taken
    as never placed (REJECTED locally; should the exchange show it later, it follows).
    Symbols may be given as "BTCUSDT", "BTC/USDT" or "BTC/USDT:USDT".
    """

    def __init__(
        self,
        exchange: BaseExchange,
        store: OrderStore | str | Path | None = None,
        *,
        guards: OrderGuards | None = None,
        poll_interval: float = 1.0,
        pending_grace: float = 60.0,
        adopt: AdoptPolicy | str | None = None,
        adopt_unknown: bool | None = None,
        client_order_id_prefix: str | None = None,
        protection: ProtectionConfig | None = None,
    ) -> None:
        self.exchange = exchange
        self._owns_store = store is not None and not isinstance(store, OrderStore)
        self.store: OrderStore | None = None if store is None else open_store(store)
        self.guards = guards or OrderGuards()
        self.poll_interval = to_seconds(poll_interval, "poll_interval")
        self.pending_grace = to_seconds(pending_grace, "pending_grace")
        self.adopt_policy = resolve_policy(adopt, adopt_unknown)
        if client_order_id_prefix is None:
            client_order_id_prefix = default_prefix(self.store.path if self.store else None)
        self.client_order_id_prefix = check_prefix(client_order_id_prefix)
        self.positions: dict[str, Position] = {}
        self.last_reconciliation: ReconciliationReport | None = None
        self.registry = OrderRegistry()
        self._callbacks = CallbackRegistry()
        self._recorder = OrderRecorder(self.store, self._callbacks)
        self._brackets = BracketCoordinator(self)
        self._lifecycle = OrderLifecycle(
            self, self.registry, self._recorder, self._callbacks, self._brackets.notify
        )
        self._placer = OrderPlacer(
            self, self.registry, self._recorder, self._lifecycle, client_order_id_prefix
        )
        self._canceller = OrderCanceller(self, self.registry, self._lifecycle)
        self._bracket_orders = BracketOrders(
            self, self._placer, self._recorder, self._callbacks, self._brackets
        )
        self._feed = EventFeed(self, self.registry, self._lifecycle, self.positions)
        self._protection = ProtectionAuditor(self, protection or ProtectionConfig())
        self._started = False
        self._ever_started = False
        self._start_settled = False  # a start has run to its end (or failed)
        self._start_lock = asyncio.Lock()

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
        async with self._start_lock:
            try:
                report = await self._start()
            finally:
                self._start_settled = True
        await self._protection.run_deferred()  # act on what the start-up audit found
        return report

    async def _start(self) -> ReconciliationReport:
        if self._started:
            raise ExecutionError("the order manager is already started")
        self._started = True
        self._ever_started = True
        loaded: list[ManagedOrder] = []
        if self.store is not None:
            try:
                await self.store.open()  # StoreLockedError: another manager holds the file
                self.store.claim(self)
            except BaseException:
                self._started = False
                raise
            loaded = await self.store.load_orders()
            for managed in loaded:
                self.registry.register(managed)
        baseline = baseline_of(loaded)
        # Every untracked order met from here to the end of the reconciliation (the
        # stream's resync included) is in the report.
        log = self._lifecycle.adoption_log = AdoptionLog()
        try:
            try:
                await self.exchange.start_user_stream(self.handle_event)
            except ExecutionError as exc:
                logger.warning("user stream did not start (%s): polling instead", exc)
            self._brackets.rebuild(loaded)
            report = await reconcile(self, baseline, log)
        finally:
            self._lifecycle.adoption_log = None
        self.last_reconciliation = report
        for bracket in self._brackets.brackets.values():
            if not bracket.is_done:
                self._brackets.schedule(bracket)
        self._feed.start_polling()
        self._protection.start_periodic()
        return report

    async def _ensure_started(self) -> None:
        """Start on first use, so a manager used without `start()` (or `async with`) still
        follows its orders; a manager once started (and maybe stopped) is left as it is."""
        if self._start_settled:
            return
        async with self._start_lock:
            if not self._ever_started:
                logger.info("order manager used before start(): starting it now")
                try:
                    await self._start()
                finally:
                    self._start_settled = True
                if self._protection.deferred:
                    self._protection.schedule()

    async def stop(self) -> None:
        """Stop polling and the stream, let pending work finish, and close the store."""
        if not self._started:
            return
        self._started = False
        await self._protection.stop()
        await self._feed.stop_polling()
        await self._brackets.drain()
        with contextlib.suppress(ExecutionError):
            await self.exchange.stop_user_stream()
        await self._callbacks.drain()
        self._recorder.persist_dirty()
        if self.store is not None:
            self.store.release(self)
            # StoreUnavailableError: the store could not write what is left (a full
            # disk, past the store's close_timeout); it says what was not persisted.
            if self._owns_store:
                await self.store.close()
            else:
                await self.store.flush()

    # -- lookups ----------------------------------------------------------------------------

    def get_order(self, order_id: str) -> ManagedOrder | None:
        """An order by the exchange's order id or by client order id (O(1))."""
        return self.registry.get(order_id)

    @property
    def orders(self) -> list[ManagedOrder]:
        """Every order tracked, oldest first."""
        return list(self.registry.by_client_id.values())

    def open_orders(self, symbol: str | None = None) -> list[ManagedOrder]:
        """Orders not yet final, of one symbol or all."""
        return self.registry.open_orders(None if symbol is None else normalize_symbol(symbol))

    @property
    def brackets(self) -> dict[str, Bracket]:
        """Brackets by their entry's client order id."""
        return self._brackets.brackets

    def get_statistics(self) -> OrderStatistics:
        """Counts, fill rate, volume, fees, time to fill and realised PnL, by status and
        by strategy, over every order tracked."""
        return compute_statistics(self.registry.by_client_id.values())

    def on(self, event_name: str, callback: OrderCallback | PositionCallback) -> None:
        """Register `callback(managed_order)` (sync or async) for one of `CALLBACK_EVENTS`;
        a `position_unprotected` callback gets the audit's `PositionProtection`."""
        self._callbacks.add(event_name, callback)

    def off(self, event_name: str, callback: OrderCallback | PositionCallback) -> None:
        self._callbacks.remove(event_name, callback)

    # -- protection -------------------------------------------------------------------------

    async def audit_protection(self) -> ProtectionReport:
        """Check every open position on the exchange (also ones this manager did not open)
        for a live stop on the exchange that closes it (see `protection`); report each
        unprotected one through `position_unprotected` and act by the configured
        `ProtectionConfig.policy`. Run at start, after each stream resync and every
        `ProtectionConfig.interval` seconds; call it any time. During the first start it
        only assesses: the action follows as soon as the start is over."""
        return await self._protection.audit(act=self._start_settled)

    @property
    def last_protection(self) -> ProtectionReport | None:
        """The latest protection audit's report (None before the first)."""
        return self._protection.last_report

    def emit_position_event(self, event_name: str, finding: PositionProtection) -> None:
        """Run the callbacks of a position event (`position_unprotected`)."""
        self._callbacks.emit(event_name, finding)

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
        symbol = normalize_symbol(symbol)
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
        symbol = normalize_symbol(symbol)
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
        symbol = normalize_symbol(symbol)
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
        symbol = normalize_symbol(symbol)
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
        right sides of the entry (or of the mark price for a market entry). An exit whose
        trigger the market has passed by the time it is placed is replaced by closing the
        position at market (see `bracket_orders`)."""
        symbol = normalize_symbol(symbol)
        side = to_enum(OrderSide, side, "side")
        time_in_force = to_enum(TimeInForce, time_in_force, "time_in_force")
        quantity_value = positive(quantity, "quantity")
        stop_loss = positive(stop_loss_price, "stop_loss_price")
        take_profit = positive(take_profit_price, "take_profit_price")
        entry = None if entry_price is None else positive(entry_price, "entry_price")
        await self._ensure_started()
        return await self._bracket_orders.place(
            symbol, side, quantity_value,
            entry_price=entry, stop_loss_price=stop_loss, take_profit_price=take_profit,
            time_in_force=time_in_force, strategy_name=strategy_name, tags=tags,
            client_order_id=client_order_id,
        )

    async def _place(
        self,
        intent: OrderIntent,
        strategy_name: str | None,
        tags: Iterable[str],
        parent_order_id: str | None,
        client_order_id: str | None,
    ) -> ManagedOrder:
        await self._ensure_started()
        intent = await self._placer.validate(intent)
        return await self._placer.submit(
            intent,
            strategy_name=strategy_name,
            tags=tuple(tags),
            parent_order_id=parent_order_id,
            client_order_id=client_order_id,
        )

    async def validate(
        self, intent: OrderIntent, *, replacing: ManagedOrder | None = None,
        apply_guards: bool = True,
    ) -> OrderIntent:
        """Gather what the checks need and run them; the rounded intent or ValidationError.

        `replacing` is an order about to be cancelled for this one: its slot counts as free.
        `apply_guards=False` skips the operator's guards (for reduce-only risk reduction);
        the exchange's rules still apply.
        """
        return await self._placer.validate(
            intent, replacing=replacing, apply_guards=apply_guards
        )

    def new_client_order_id(self) -> str:
        """A fresh client order id (`<prefix>-<32 hex>`, within the exchange's 36 chars)."""
        return self._placer.new_client_order_id()

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
        """Send a validated intent exactly once and track it (see `OrderPlacer.submit`)."""
        return await self._placer.submit(
            intent,
            strategy_name=strategy_name,
            tags=tags,
            parent_order_id=parent_order_id,
            role=role,
            client_order_id=client_order_id,
            replaces=replaces,
            attributes=attributes,
            on_registered=on_registered,
        )

    async def place_exit(
        self,
        bracket: Bracket,
        role: OrderRole,
        quantity: Decimal,
        on_registered: Callable[[ManagedOrder], None] | None = None,
    ) -> ManagedOrder:
        """Place a bracket's stop-loss or take-profit for `quantity` (used by brackets)."""
        return await self._bracket_orders.place_exit(bracket, role, quantity, on_registered)

    async def close_exit_at_market(
        self, bracket: Bracket, role: OrderRole, cause: BaseException
    ) -> ManagedOrder | None:
        """Close what `bracket` holds at market because its `role` exit's trigger is already
        passed (`cause` says how that was found); the other exit is cancelled."""
        return await self._bracket_orders.close_at_market(bracket, role, cause)

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
        `ReplaceFailedError` (original cancelled, replacement refused: nothing live). A
        replacement whose outcome is unknown is returned PENDING_NEW and settled later."""
        managed = self._require(order_id)
        price = positive(new_price, "new_price") if new_price is not None else None
        quantity = positive(new_quantity, "new_quantity") if new_quantity is not None else None
        replacement = await cancel_and_replace(
            self, managed, new_price=price, new_quantity=quantity
        )
        self._brackets.replaced(managed, replacement)
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
        await self._canceller.cancel(managed)
        return managed

    async def cancel_all_orders(self, symbol: str) -> list[ManagedOrder]:
        """Cancel every open order of `symbol` on the exchange; returns the tracked orders
        that were open, each refreshed to its final state."""
        symbol = normalize_symbol(symbol)
        await self._ensure_started()
        tracked = self.registry.open_orders(symbol)
        for managed in tracked:
            self._brackets.detach(managed)
        await self._canceller.cancel_all(symbol, tracked)
        return tracked

    async def close_position(
        self,
        symbol: str,
        *,
        cancel_orders: bool = True,
        strategy_name: str | None = None,
        tags: Iterable[str] = (),
    ) -> list[ManagedOrder]:
        """Flatten `symbol`: cancel its open orders (unless `cancel_orders` is False), then
        close the position with reduce-only market orders, split at the exchange's largest
        market quantity. Returns the closing orders (tagged "close_position"); [] when flat.
        Stops at the first closing order that did not fill."""
        symbol = normalize_symbol(symbol)
        await self._ensure_started()
        return await close_position(self, symbol, cancel_orders=cancel_orders,
                                    strategy_name=strategy_name, tags=tags)

    async def cancel_managed(self, managed: ManagedOrder) -> None:
        """Cancel; on failure the order goes back to working, is refreshed, and the error
        is raised."""
        await self._canceller.cancel(managed)

    async def cancel_quietly(self, managed: ManagedOrder) -> None:
        """Cancel, logging instead of raising (brackets tidying up)."""
        await self._canceller.cancel_quietly(managed)

    def _require(self, order_id: str) -> ManagedOrder:
        managed = self.registry.get(order_id)
        if managed is None:
            raise ValidationError("order_id", order_id, "not an order of this manager")
        return managed

    # -- events -----------------------------------------------------------------------------

    def handle_event(self, event: UserEvent) -> None:
        """The user-stream handler: order updates, account updates, stream up/down. After
        a resync (the stream back after a gap) the protection audit runs again."""
        self._feed.handle_event(event)
        if (
            isinstance(event, StreamStatus) and event.state is StreamState.RESYNCED
            and self._start_settled  # during the start, the reconciliation audits
        ):
            self._protection.schedule()

    def apply(self, managed: ManagedOrder, event: OrderEvent) -> Transition:
        """Apply an event: state machine, indexes, store, callbacks, brackets."""
        return self._lifecycle.apply(managed, event)

    def apply_snapshot(self, managed: ManagedOrder, snapshot: Order) -> None:
        """Bring `managed` to what a REST answer shows (never backwards)."""
        self._lifecycle.apply_snapshot(managed, snapshot)

    def apply_open_snapshot(self, managed: ManagedOrder, snapshot: Order) -> None:
        """As `apply_snapshot`, for an order the exchange lists as open (a cancel no longer
        in flight did not happen)."""
        self._lifecycle.apply_open_snapshot(managed, snapshot)

    def unknown_outcomes(self) -> list[ManagedOrder]:
        """Orders sent whose outcome the exchange has not told yet (never acknowledged, no
        request in flight): they count as open until settled."""
        registry = self.registry
        return [
            managed for managed in registry.open_orders()
            if self._lifecycle.never_acknowledged(managed)
            and managed.client_order_id not in registry.in_flight
        ]

    def adopt(self, snapshot: Order) -> ManagedOrder:
        """Start tracking an order this manager did not place (found on the exchange)."""
        return self._lifecycle.adopt(snapshot)

    def consider(self, snapshot: Order) -> ManagedOrder | None:
        """An untracked order found on the exchange: adopted if `adopt_policy` takes it,
        else reported (None)."""
        return self._lifecycle.consider(snapshot)

    @property
    def adopt_unknown(self) -> bool:
        """Whether untracked orders are adopted at all (the older switch)."""
        return self.adopt_policy is not AdoptPolicy.NONE

    @adopt_unknown.setter
    def adopt_unknown(self, value: bool) -> None:
        self.adopt_policy = AdoptPolicy.OWN if value else AdoptPolicy.NONE

    def begin_adoption_log(self) -> AdoptionLog:
        """List the untracked orders met from now on (adopted or not), until
        `end_adoption_log`."""
        log = self._lifecycle.adoption_log = AdoptionLog()
        return log

    def end_adoption_log(self) -> None:
        self._lifecycle.adoption_log = None

    async def refresh(self, managed: ManagedOrder) -> None:
        """Query the order by client id and apply what the exchange says."""
        await self._lifecycle.refresh(managed)

    def never_acknowledged(self, managed: ManagedOrder) -> bool:
        """PENDING_NEW, or PENDING_CANCEL with no exchange order id."""
        return self._lifecycle.never_acknowledged(managed)

    def grace_over(self, managed: ManagedOrder) -> bool:
        """The order was submitted more than `pending_grace` seconds ago."""
        return self._lifecycle.grace_over(managed)

    async def refresh_positions(self) -> list[Position]:
        """Read the exchange's positions into `positions` (done at start, after a stream
        resync and after each poll while the stream is down)."""
        return await self._feed.refresh_positions()

    async def poll_once(self) -> None:
        """One REST pass over every symbol with open orders (the stream's fallback)."""
        await self._feed.poll_once()

    def _register(self, managed: ManagedOrder) -> None:
        self.registry.register(managed)

    # -- store ------------------------------------------------------------------------------

    async def flush(self) -> None:
        """Wait until every order and event known so far is committed to the store."""
        await self._recorder.flush()

    def record(self, managed: ManagedOrder) -> None:
        """Persist the order's current snapshot (after a change outside events: lineage)."""
        self._recorder.record(managed)

    def note(self, managed: ManagedOrder, kind: str, detail: dict[str, Any]) -> None:
        """Add a note to the order's audit trail."""
        self._recorder.note(managed, kind, detail)
