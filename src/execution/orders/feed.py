"""`EventFeed`: where order events come from.

The user-data stream is the main source (`handle_event` is its handler). While the stream
is down, REST polling takes over: every `poll_interval` seconds the open orders of each
symbol with tracked open orders are read, and tracked orders no longer open are queried by
client id. When the stream comes back, one more pass catches the orders that ended while
it was down. With the stream up, polling only settles orders left PENDING_NEW by an
unknown outcome: looked up with back-off, taken as never placed only after the horizon.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import replace
from typing import Any

from execution.errors import ExecutionError
from execution.models import (
    AccountConfigUpdate,
    AccountUpdate,
    MarginCall,
    OrderStatus,
    OrderUpdate,
    Position,
    StreamState,
    StreamStatus,
    UserEvent,
)
from execution.orders.bracket import waiting_leg
from execution.orders.core import ManagerCore
from execution.orders.ledger_income import income_changed
from execution.orders.lifecycle import OrderLifecycle
from execution.orders.lookup import OrderLookup
from execution.orders.positions import LegKey
from execution.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

LOOKUP_BACKOFF_MS = 1000  # an unknown outcome is looked up 1, 2, 4, 8... s after sending


class EventFeed:
    """The stream handler and the polling fallback; `positions` follows account updates."""

    def __init__(
        self, core: ManagerCore, lifecycle: OrderLifecycle, lookup: OrderLookup
    ) -> None:
        self._core = core
        self._registry = core.registry
        self._lifecycle = lifecycle
        self._lookup = lookup
        self._positions = core.positions
        self._stream_was_down = False
        # Legs (symbol, position side) an ACCOUNT_UPDATE touched while a REST read of the
        # positions was in flight (None: no read in flight): the stream's is newer.
        self._positions_touched: set[LegKey] | None = None
        # Likewise the symbols whose leverage an ACCOUNT_CONFIG_UPDATE changed meanwhile.
        self._config_touched: set[str] | None = None
        self._leverage_asked: set[str] = set()  # symbols whose leverage was read for
        self._positions_lock = asyncio.Lock()
        self._poll_task: asyncio.Task[None] | None = None
        self._lookups: dict[str, int] = {}  # client id -> lookups of an unknown outcome
        self._leg_due: dict[str, int] = {}  # client id -> when a waiting leg is asked again

    # -- the user stream --------------------------------------------------------------------

    def handle_event(self, event: UserEvent) -> None:
        """The user-stream handler: order updates, account updates, margin calls, account
        configuration changes, stream up/down."""
        if isinstance(event, OrderUpdate):
            self._lifecycle.apply_update(event)
        elif isinstance(event, AccountUpdate):
            income_changed(self._core, event)  # funding: into the ledger
            touched = self._positions_touched
            account, marks = self._core.account, self._core.marks
            for position in event.positions:
                if touched is not None:
                    touched.add((position.symbol, position.position_side))
                if position.quantity != 0:
                    previous = self._positions.leg(position.symbol, position.position_side)
                    position = account.with_leverage(position, previous)
                    if previous is None and position.symbol not in account.leverage:
                        self._read_leverage(position.symbol)
                    if marks is not None:
                        marks.follow(position.symbol)  # its mark-based checks come next
                self._positions.apply(position)  # per leg: hedge mode's two never collide
        elif isinstance(event, MarginCall):
            self._margin_call(event)
        elif isinstance(event, AccountConfigUpdate):
            self._config_changed(event)
        elif isinstance(event, StreamStatus):
            if event.state is StreamState.DISCONNECTED:
                logger.warning("user stream down (%s): polling", event.detail)
                self._stream_was_down = True
            elif event.state is StreamState.RESYNCED:
                # Account updates missed while the stream was away are not replayed: read
                # the positions again.
                self._in_background(self.refresh_positions_safely())
            elif self._stream_was_down:
                self._stream_was_down = False
                # Orders that ended while the stream was down are not in a resync of open
                # orders: catch up on them once.
                self._in_background(self.poll_safely())

    def _read_leverage(self, symbol: str) -> None:
        """A position opened whose leverage was never told (the exchange lists no flat
        symbol): read the positions once, so the risk layer checks the real leverage."""
        if symbol not in self._leverage_asked:
            self._leverage_asked.add(symbol)
            self._in_background(self.refresh_positions_safely())

    def _margin_call(self, event: MarginCall) -> None:
        for held in event.positions:
            logger.warning(
                "MARGIN CALL: %s %s %s at mark %s, maintenance margin %s, unrealised %s",
                held.symbol, held.position_side.value, held.quantity, held.mark_price,
                held.maintenance_margin, held.unrealized_pnl,
            )
        self._core.callbacks.emit("margin_call", event)

    def _config_changed(self, event: AccountConfigUpdate) -> None:
        """A leverage (or an account mode) changed: what the manager knows follows, then
        the callbacks are told."""
        self._core.account.apply(event)
        symbol, leverage = event.symbol, event.leverage
        if symbol is not None and leverage is not None:
            if self._config_touched is not None:
                self._config_touched.add(symbol)
            for held in self._positions.legs(symbol):  # each leg in hedge mode
                if held.leverage != leverage:
                    self._positions.apply(replace(held, leverage=leverage))
            logger.info("leverage of %s is now %sx", symbol, leverage)
        self._core.callbacks.emit("account_config_updated", event)

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        self._core.in_background(work)

    # -- positions --------------------------------------------------------------------------

    async def refresh_positions(self) -> list[Position]:
        """Set `positions` to the exchange's (REST); a symbol an ACCOUNT_UPDATE changed
        while the request was in flight keeps the stream's newer value. Returns what the
        exchange answered."""
        async with self._positions_lock:
            touched: set[LegKey] = set()
            self._positions_touched = touched
            config_touched: set[str] = set()
            self._config_touched = config_touched
            try:
                held = await self._core.exchange.get_positions()
            finally:
                self._positions_touched = self._config_touched = None
            self._set_positions(held, touched, config_touched)
        return held

    def _set_positions(
        self, held: list[Position], touched: set[LegKey], config_touched: set[str]
    ) -> None:
        account = self._core.account
        for position in held:  # every symbol's leverage (also flat ones), unless newer news
            if position.symbol not in config_touched:
                account.leverage[position.symbol] = position.leverage
        self._positions.replace_all(
            [account.with_leverage(p, None) if p.symbol in config_touched else p for p in held],
            touched,
        )

    async def refresh_positions_safely(self) -> None:
        try:
            await self.refresh_positions()
        except ExecutionError as exc:
            logger.warning("positions could not be read: %s", exc)
        except Exception:
            logger.exception("positions could not be read")

    # -- polling ----------------------------------------------------------------------------

    def start_polling(self) -> None:
        if self._poll_task is None:
            self._poll_task = asyncio.create_task(self._poll_loop(), name="order-manager-poll")

    async def stop_polling(self) -> None:
        task, self._poll_task = self._poll_task, None
        await cancel_and_wait(task)

    async def _poll_loop(self) -> None:
        core = self._core
        while True:
            await core.clock.sleep(core.settings.poll_interval)
            if not core.exchange.user_stream_connected:
                await self.poll_safely()
                await self._lookup.run_second_looks(core.now_ms())
            else:
                await self.settle_pending()

    async def poll_safely(self) -> None:
        """`poll_once`, logging instead of raising."""
        try:
            await self.poll_once()
        except ExecutionError as exc:
            logger.warning("polling failed: %s", exc)
        except Exception:
            logger.exception("polling failed")

    async def poll_once(self) -> None:
        """One REST pass over every symbol with open orders: open orders are applied as
        snapshots; tracked orders no longer open are queried by client id; then the
        positions are read (account updates missed are not replayed)."""
        registry, lifecycle = self._registry, self._lifecycle
        for symbol in registry.symbols_with_open_orders():
            exchange_open = await self._core.exchange.get_open_orders(symbol)
            seen: set[str] = set()
            for snapshot in exchange_open:
                seen.add(snapshot.client_order_id)
                managed = registry.by_client_id.get(snapshot.client_order_id)
                if managed is None:
                    lifecycle.consider(snapshot)  # adopted or reported, by the policy
                    continue
                lifecycle.apply_open_snapshot(managed, snapshot)
            for managed in registry.open_orders(symbol):
                client_order_id = managed.client_order_id
                if client_order_id in seen or client_order_id in registry.in_flight:
                    continue
                await self._lookup.refresh(managed)
        await self.refresh_positions()

    async def settle_pending(self) -> None:
        """Orders never acknowledged (unknown outcome; PENDING_NEW, or PENDING_CANCEL with
        no exchange order id) are looked up by their client id with back-off (1, 2, 4, ...
        seconds after they were sent) until the `pending_grace` horizon; orders
        PENDING_CANCEL with no cancel in flight (a cancel that raced the placement) once
        the horizon is over."""
        now = self._core.now_ms()
        horizon_ms = self._core.settings.pending_grace_ms
        registry = self._registry
        lookups = self._lookups
        for managed in registry.open_orders():
            client_order_id = managed.client_order_id
            if client_order_id in registry.in_flight:
                continue
            if waiting_leg(managed):
                # Not an unknown outcome: its strategy is asked now and then (1, 2, 4, ...
                # s apart, at most a horizon), in case the stream missed its placement.
                done = lookups.get(client_order_id, 0)
                due = self._leg_due.setdefault(client_order_id, now + LOOKUP_BACKOFF_MS)
                if now < due:
                    continue
                lookups[client_order_id] = done + 1
                self._leg_due[client_order_id] = now + min(
                    LOOKUP_BACKOFF_MS << min(done + 1, 16), horizon_ms)
                await self._lookup.refresh(managed)
                continue
            age = now - managed.submitted_at
            if managed.never_acknowledged:
                done = lookups.get(client_order_id, 0)
                if age < horizon_ms and age < LOOKUP_BACKOFF_MS * (1 << done):
                    continue  # not due yet
                lookups[client_order_id] = done + 1
            elif not (
                managed.status is OrderStatus.PENDING_CANCEL
                and client_order_id not in registry.cancelling
                and age >= horizon_ms
            ):
                continue
            await self._lookup.refresh(managed)
            if not managed.is_open:
                lookups.pop(client_order_id, None)
        await self._lookup.run_second_looks(now)
