"""`OrderManager`: places orders, follows them to their end, and remembers them.

Flow: intent -> validation (rounding, guards) -> the order is recorded as PENDING_NEW (and
committed to the store before it is sent) -> `exchange.create_order` -> events from the REST
answer, the user-data stream or, while the stream is down, REST polling -> the state
machine (`ManagedOrder.apply`) -> store -> callbacks -> brackets.

This class is the facade: it composes the parts and is the public API. Each part depends
on the shared core (`core.ManagerCore`: exchange, registry, recorder, callbacks, clock,
settings) and on the parts below it, never on this class: `lifecycle` (apply events),
`lookup` (query one order, settle an unknown outcome), `placement` (validate and submit
exactly once), `cancellation`, `modify` (cancel and replace), `closing`, `bracket_exits`,
`brackets` and `bracket_orders` (a bracket's legs), `feed` (the user stream and the polling
fallback), `protection_audit`, `reconcile` and `session` (start and stop).

    async with OrderManager(exchange, "orders.sqlite") as manager:
        order = await manager.place_limit_order("BTC/USDT", OrderSide.BUY, Decimal("0.01"),
                                                Decimal("50000"), strategy_name="mean-rev")
        print(order.order.order_id, order.status)

A manager used without `start()` starts itself on its first order.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Self

from execution.coercion import to_enum, to_seconds
from execution.errors import ValidationError
from execution.exchange.base import BaseExchange
from execution.intent import OrderIntent
from execution.models import Position, UserEvent
from execution.money import Number, positive
from execution.orders.adoption import AdoptPolicy, check_prefix, manager_prefix, resolve_policy
from execution.orders.amend import amend_in_place, amendable
from execution.orders.assembly import assemble
from execution.orders.bracket import Bracket, BracketBackend, BracketRequest, waiting_leg
from execution.orders.callbacks import OrderCallback, PositionCallback
from execution.orders.closing import close_position
from execution.orders.core import ManagerSettings, Setting
from execution.orders.deadman import DeadmanConfig
from execution.orders.entry import OrderEntry, OrderLabels
from execution.orders.managed import ManagedOrder, OrderRole
from execution.orders.modify import ReplaceFailedError, cancel_and_replace
from execution.orders.panic import PanicReport, panic
from execution.orders.protection import ProtectionConfig, ProtectionReport
from execution.orders.reconcile import ReconciliationReport
from execution.orders.risk_setup import risk_engine_for
from execution.orders.stats import OrderStatistics, compute_statistics
from execution.orders.validation import OrderGuards
from execution.risk.engine import RiskEngine
from execution.risk.limits import RiskLimits
from execution.rules import normalize_symbol
from execution.store_interface import OrderStorage
from execution.store_location import open_store
from execution.timekeeping import SYSTEM_CLOCK, Clock

__all__ = ["Bracket", "ManagedOrder", "OrderGuards", "OrderManager", "ReplaceFailedError"]


class OrderManager(OrderEntry):
    """Order lifecycle, brackets, persistence and reconciliation over one exchange.

    `store` is an `OrderStorage`, a path to its SQLite file, a store URL
    (`sqlite:///orders.sqlite`, see `store_location`), or None (nothing persisted). The
    manager holds the store file for its lifetime: a second manager on it (in this process
    or another) gets `StoreLockedError` at start.
    `adopt` says which orders found on the exchange and not tracked are taken over (see
    `adoption.AdoptPolicy`): "own" (the default: this manager's `client_order_id_prefix`,
    and the exchange's liquidation / ADL orders), "unprefixed", "all" or "none";
    `adopt_unknown` is the older switch (True: the default, False: "none").
    `client_order_id_prefix` starts every client id this manager makes (`<prefix>-<hex>`);
    by default it is derived from the store file (`adoption.default_prefix`), so managers
    on different files never share one: give each process its own file or prefix. On a
    store several managers share (`postgresql://...?prefix=NAME`) it is the store's prefix,
    held by a lease (docs/postgresql.md); a different one given is a `ValidationError`.
    `poll_interval` (s) paces REST polling while the user stream is down. An order left
    PENDING_NEW by an unknown outcome (never sent again without proof) is looked up by its
    client id with back-off, and from the stream; only when `pending_grace` (s, the
    horizon) is over and the exchange's order history does not list it either is it taken
    as never placed (REJECTED locally; should the exchange show it later, it follows).
    `clock` is where the manager reads time and waits (`timekeeping.ManualClock` in tests).
    `risk` is the risk layer every order passes (`risk.RiskEngine`, or its `RiskLimits`;
    by default no limits, but a trading state `panic()` can halt, kept next to a SQLite
    store's file so that a restart keeps it: `risk.state_file`). `deadman` arms the
    exchange's dead man's switch on every symbol traded (`deadman.DeadmanConfig`).
    Symbols may be given as "BTCUSDT", "BTC/USDT" or "BTC/USDT:USDT".
    """

    def __init__(
        self,
        exchange: BaseExchange,
        store: OrderStorage | str | Path | None = None,
        *,
        guards: OrderGuards | None = None,
        poll_interval: float = 1.0,
        pending_grace: float = 60.0,
        adopt: AdoptPolicy | str | None = None,
        adopt_unknown: bool | None = None,
        client_order_id_prefix: str | None = None,
        protection: ProtectionConfig | None = None,
        clock: Clock | None = None,
        risk: RiskEngine | RiskLimits | None = None,
        deadman: DeadmanConfig | None = None,
    ) -> None:
        self.exchange = exchange
        owns_store = isinstance(store, str | Path)
        self.store: OrderStorage | None = None if store is None else open_store(store)
        # On a store shared by several managers (PostgreSQL) the prefix is bound to it.
        client_order_id_prefix = manager_prefix(self.store, client_order_id_prefix)
        settings = ManagerSettings(
            guards=guards or OrderGuards(),
            poll_interval=to_seconds(poll_interval, "poll_interval"),
            pending_grace=to_seconds(pending_grace, "pending_grace"),
            adopt_policy=resolve_policy(adopt, adopt_unknown),
            client_order_id_prefix=check_prefix(client_order_id_prefix),
        )
        parts = self._parts = assemble(
            exchange, self.store, settings, clock or SYSTEM_CLOCK,
            protection or ProtectionConfig(),
            risk_engine_for(risk, clock or SYSTEM_CLOCK, self.store), deadman,
            owner=self, owns_store=owns_store,
        )
        self._core, self._session = parts.core, parts.session
        self._placer, self._canceller, self._brackets = (
            parts.placer, parts.canceller, parts.brackets
        )
        self.positions: dict[str, Position] = parts.core.positions

    # -- settings (each settable) -------------------------------------------------------

    guards = Setting[OrderGuards](doc="The operator's checks on every order.")
    poll_interval = Setting[float](to_seconds, "Seconds between polls with the stream down.")
    pending_grace = Setting[float](to_seconds, "Seconds before an unknown outcome is settled.")
    client_order_id_prefix = Setting[str](
        lambda value, name: check_prefix(value), "Starts every client order id made."
    )
    adopt_policy = Setting[AdoptPolicy](
        lambda value, name: to_enum(AdoptPolicy, value, "adopt"),
        "Which untracked orders found on the exchange are taken over.",
    )

    @property
    def settings(self) -> ManagerSettings:
        """The manager's settings (the attributes above read and write them)."""
        return self._core.settings

    @property
    def adopt_unknown(self) -> bool:
        """Whether untracked orders are adopted at all (the older switch)."""
        return self.adopt_policy is not AdoptPolicy.NONE

    @adopt_unknown.setter
    def adopt_unknown(self, value: bool) -> None:
        self.adopt_policy = AdoptPolicy.OWN if value else AdoptPolicy.NONE

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
        return await self._session.start()

    async def stop(self) -> None:
        """Stop polling and the stream, let pending work finish, and close the store."""
        await self._session.stop()

    @property
    def last_reconciliation(self) -> ReconciliationReport | None:
        """The report of the last start's reconciliation (None before a start)."""
        return self._session.last_reconciliation

    # -- lookups ----------------------------------------------------------------------------

    def get_order(self, order_id: str) -> ManagedOrder | None:
        """An order by the exchange's order id or by client order id (O(1))."""
        return self._core.registry.get(order_id)

    @property
    def orders(self) -> list[ManagedOrder]:
        """Every order tracked, oldest first."""
        return list(self._core.registry.by_client_id.values())

    def open_orders(self, symbol: str | None = None) -> list[ManagedOrder]:
        """Orders not yet final, of one symbol or all."""
        registry = self._core.registry
        return registry.open_orders(None if symbol is None else normalize_symbol(symbol))

    def unknown_outcomes(self) -> list[ManagedOrder]:
        """Orders sent whose outcome the exchange has not told yet (never acknowledged, no
        request in flight): they count as open until settled."""
        registry = self._core.registry
        return [
            managed for managed in registry.open_orders()
            if managed.never_acknowledged and not waiting_leg(managed)
            and managed.client_order_id not in registry.in_flight
        ]

    @property
    def brackets(self) -> dict[str, Bracket]:
        """Brackets by their entry's client order id."""
        return self._brackets.brackets

    def get_statistics(self) -> OrderStatistics:
        """Counts, fill rate, volume, fees, time to fill and realised PnL, by status and
        by strategy, over every order tracked."""
        return compute_statistics(self._core.registry.by_client_id.values())

    def on(self, event_name: str, callback: OrderCallback | PositionCallback) -> None:
        """Register `callback(managed_order)` (sync or async) for a `CallbackEvent`; a
        `position_unprotected` callback gets the audit's `PositionProtection`."""
        self._core.callbacks.add(event_name, callback)

    def off(self, event_name: str, callback: OrderCallback | PositionCallback) -> None:
        """Remove a callback registered with `on`."""
        self._core.callbacks.remove(event_name, callback)

    # -- protection -------------------------------------------------------------------------

    async def audit_protection(self) -> ProtectionReport:
        """Check every open position on the exchange (also ones this manager did not open)
        for a live stop on the exchange that closes it (see `protection`); report each
        unprotected one through `position_unprotected` and act by the configured
        `ProtectionConfig.policy`. Run at start, after each stream resync and every
        `ProtectionConfig.interval` seconds; call it any time. During the first start it
        only assesses: the action follows as soon as the start is over."""
        return await self._parts.auditor.audit(act=self._session.start_settled)

    @property
    def last_protection(self) -> ProtectionReport | None:
        """The latest protection audit's report (None before the first)."""
        return self._parts.auditor.last_report

    # -- placement (the public methods: `OrderEntry`) ---------------------------------------

    async def _place(self, intent: OrderIntent, labels: OrderLabels) -> ManagedOrder:
        await self._session.ensure_started()
        intent = await self._placer.validate(intent)
        return await self._placer.submit(
            intent, strategy_name=labels.strategy_name, tags=labels.tags,
            parent_order_id=labels.parent_order_id, client_order_id=labels.client_order_id,
        )

    async def _place_bracket(self, request: BracketRequest) -> Bracket:
        await self._session.ensure_started()
        return await self._parts.bracket_orders.place(request)

    async def check_order(self, intent: OrderIntent) -> OrderIntent:
        """What `place_order(intent)` would send, without sending it: the intent rounded by
        the exchange's rules (its `rounded` lists each change and the rule), or the
        `ValidationError` that would refuse it (naming the field, the value and the rule)."""
        await self._session.ensure_started()
        return await self._placer.validate(intent)

    def new_client_order_id(self) -> str:
        """A fresh client order id (`<prefix>-<32 hex>`, within the exchange's 36 chars)."""
        return self._placer.new_client_order_id()

    # -- modify and cancel ------------------------------------------------------------------

    async def modify_order(
        self,
        order_id: str,
        *,
        new_price: Number | None = None,
        new_quantity: Number | None = None,
    ) -> ManagedOrder:
        """A new price (limit price, or trigger of a stop/take-profit) and/or a new total
        quantity. A working LIMIT order is modified in place where the venue can (PUT order:
        the same ids, no gap; see `amend`); any other is cancelled and replaced: the result
        is the replacement, linked by `replaces`, or the original if it filled first; the
        cancel's error leaves the original untouched, `ReplaceFailedError` says it was
        cancelled and its replacement refused (nothing live); a replacement whose outcome
        is unknown is returned PENDING_NEW and settled later."""
        managed = self._require(order_id)
        price = positive(new_price, "new_price") if new_price is not None else None
        quantity = positive(new_quantity, "new_quantity") if new_quantity is not None else None
        bracket = self._brackets.find(managed)
        if (bracket is not None and bracket.backend is BracketBackend.NATIVE
                and managed.role is not OrderRole.ENTRY):
            return await self._parts.bracket_orders.native.move_exit(
                bracket, managed, price, quantity)
        if (price is not None or quantity is not None) and amendable(self._core, managed):
            return await amend_in_place(self._core, self._placer, self._parts.lifecycle,
                                        managed, new_price=price, new_quantity=quantity)
        replacement = await cancel_and_replace(
            self._core, self._placer, self._canceller, managed,
            new_price=price, new_quantity=quantity,
        )
        self._brackets.replaced(managed, replacement)
        return replacement

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
        await self._session.ensure_started()
        tracked = self._core.registry.open_orders(symbol)
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
        await self._session.ensure_started()
        return await close_position(
            self._core, self._placer, symbol,
            cancel_all=self.cancel_all_orders if cancel_orders else None,
            strategy_name=strategy_name, tags=tags,
        )

    async def panic(self, symbol: str | None = None) -> PanicReport:
        """The kill switch: halt trading (`risk.state` HALTED), cancel every open order and
        flatten every position on the exchange (of `symbol`, or of every symbol), going on
        past failures; returns what was done (`PanicReport`). `risk.set_state("ACTIVE")`
        trades again."""
        await self._session.ensure_started()
        return await panic(
            self._core, self._placer, self.cancel_all_orders,
            None if symbol is None else normalize_symbol(symbol),
        )

    @property
    def risk(self) -> RiskEngine:
        """The risk layer every order passes: its limits, trading state and day's result."""
        return self._core.risk

    def _require(self, order_id: str) -> ManagedOrder:
        managed = self._core.registry.get(order_id)
        if managed is None:
            raise ValidationError("order_id", order_id, "not an order of this manager")
        return managed

    # -- events and polling -----------------------------------------------------------------

    def handle_event(self, event: UserEvent) -> None:
        """The user-stream handler: order updates, account updates, stream up/down. After
        a resync (the stream back after a gap) the protection audit runs again."""
        self._session.handle_stream_event(event)

    async def refresh(self, managed: ManagedOrder) -> None:
        """Query the order by client id now and apply what the exchange says."""
        await self._parts.lookup.refresh(managed)

    async def refresh_positions(self) -> list[Position]:
        """Read the exchange's positions into `positions` (done at start, after a stream
        resync and after each poll while the stream is down)."""
        return await self._parts.feed.refresh_positions()

    async def poll_once(self) -> None:
        """One REST pass over every symbol with open orders (the stream's fallback)."""
        await self._parts.feed.poll_once()

    async def flush(self) -> None:
        """Wait until every order and event known so far is committed to the store."""
        await self._core.recorder.flush()
