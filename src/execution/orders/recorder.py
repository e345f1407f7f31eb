"""`OrderRecorder`: what the manager writes to its store, and when.

Every event is queued for the audit trail as it is applied. An order's row is queued once
per event-loop iteration however many events it took (the latest state wins), so a burst
of stream events costs one row per order. Nothing here blocks: the store's writer thread
does the I/O.

A new order is committed before it is sent (`commit_before_send`). When the store cannot
write (disk full), an ordinary order is refused (`StoreUnavailableError`, nothing sent),
but protective work (a bracket's exits, the market close of a crossed exit) is never held
up by the store: it goes ahead from memory and is written once the store can write again.
Either way the `store_failed` callback hears of the order, and `store_recovered` once
everything the store held back is committed.

A store that keeps the account ledger (`execution.ledger.storage.LedgerStorage`) also gets
every fill of a trade (one with the exchange's trade id: a fill a REST snapshot derived has
no fee or trade to speak of, and a sync brings the exchange's record of it) as it is
applied, with its fee, fee asset, realised PnL and the order's strategy.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from execution.errors import StoreUnavailableError
from execution.ledger.records import STREAM, LedgerFill
from execution.ledger.storage import LedgerStorage
from execution.orders.callbacks import CallbackRegistry
from execution.orders.managed import ManagedOrder
from execution.orders.state import OrderEvent, OrderFilled, OrderRejected
from execution.store_interface import OrderStorage
from execution.timekeeping import SYSTEM_CLOCK, Clock

logger = logging.getLogger(__name__)

HAND_OVER_EVENTS = 512  # events gathered before the writer thread is given them anyway


class OrderRecorder:
    """Queues orders and events for `store` (None: nothing is persisted)."""

    def __init__(
        self,
        store: OrderStorage | None,
        callbacks: CallbackRegistry | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.store = store
        self._callbacks = callbacks
        self._clock = clock
        self._events: list[tuple[str, OrderEvent, int]] = []  # applied, not yet queued
        self._ledger = store if isinstance(store, LedgerStorage) else None
        self._fills: list[LedgerFill] = []  # ledger fills not yet queued
        self._dirty: dict[str, ManagedOrder] = {}  # order rows to write (latest state wins)
        # Orders `store_failed` reported, for `store_recovered` once they are committed.
        self._unpersisted: dict[str, ManagedOrder] = {}
        if store is not None:
            store.add_health_listener(self._store_health)

    @property
    def ledger(self) -> LedgerStorage | None:
        """The store's account ledger (None: no store, or one without a ledger)."""
        return self._ledger

    def event(self, managed: ManagedOrder, event: OrderEvent) -> None:
        """An event was applied to `managed`: queue it, and the order's row, by the end of
        this loop iteration (in the order they happened)."""
        store = self.store
        if store is None:
            return
        client_order_id = managed.client_order_id
        if not self._events:
            try:
                asyncio.get_running_loop().call_soon(self.persist_dirty)
            except RuntimeError:  # no loop running (a synchronous caller): queue now
                store.append_event(client_order_id, event)
                store.save_order(managed)
                if self._ledger is not None and isinstance(event, OrderFilled) and (
                        event.trade_id):
                    self._ledger.record_fills([ledger_fill(managed, event)])
                return
        events = self._events
        events.append((client_order_id, event, self._clock.now_ms()))
        if self._ledger is not None and isinstance(event, OrderFilled) and event.trade_id:
            self._fills.append(ledger_fill(managed, event))
        self._dirty[client_order_id] = managed
        if len(events) >= HAND_OVER_EVENTS:
            # A long burst within one iteration: let the writer start on it meanwhile.
            self.persist_dirty()

    def _queue_events(self) -> None:
        if self._events and self.store is not None:
            events, self._events = self._events, []
            self.store.append_events(events)
        if self._fills and self._ledger is not None:
            fills, self._fills = self._fills, []
            self._ledger.record_fills(fills)

    def persist_dirty(self) -> None:
        """Queue the events applied and the rows of the orders changed since the last call."""
        self._queue_events()
        if self._dirty:
            dirty, self._dirty = self._dirty, {}
            if self.store is not None:
                self.store.save_orders(dirty.values())

    def record(self, managed: ManagedOrder) -> None:
        """Queue the order's current row now (a change outside events: a new order, lineage)."""
        if self.store is not None:
            self._queue_events()
            self.store.save_order(managed)

    def note(self, managed: ManagedOrder, kind: str, detail: dict[str, Any]) -> None:
        """Add a note to the order's audit trail (after the events already applied)."""
        if self.store is not None:
            self._queue_events()
            self.store.append_note(managed.client_order_id, kind, detail)

    async def flush(self) -> None:
        """Wait until every order and event queued so far is committed."""
        self.persist_dirty()
        if self.store is not None:
            await self.store.flush()

    async def commit_before_send(self, managed: ManagedOrder, *, protective: bool) -> None:
        """Commit the new order's row before it is sent. When the store cannot: a
        `protective` order goes ahead from memory (a warning; written once the store can),
        any other is marked REJECTED locally (never sent) and StoreUnavailableError raised.
        Both are reported through the `store_failed` callback."""
        if self.store is None:
            return
        self.record(managed)
        try:
            await self.flush()
        except StoreUnavailableError as exc:
            client_order_id = managed.client_order_id
            self._unpersisted[client_order_id] = managed
            if protective:
                logger.warning("order %s is sent from memory, not yet persisted (%s): it is "
                               "written once the store can write again", client_order_id, exc)
                self._emit("store_failed", managed)
                return
            rejected = OrderRejected(
                client_order_id, f"not sent: {exc}", self._clock.now_ms(), local=True
            )
            managed.apply(rejected)
            self.event(managed, rejected)
            logger.warning("order %s not sent: %s", client_order_id, exc)
            self._emit("store_failed", managed)
            raise

    def _store_health(self, healthy: bool, error: BaseException | None) -> None:
        if not healthy:
            return
        recovered, self._unpersisted = self._unpersisted, {}
        if recovered:
            logger.warning("order store writes again: %d order(s) held back are persisted",
                           len(recovered))
        for managed in recovered.values():
            self._emit("store_recovered", managed)

    def _emit(self, event_name: str, managed: ManagedOrder) -> None:
        if self._callbacks is not None:
            self._callbacks.emit(event_name, managed)


def ledger_fill(managed: ManagedOrder, event: OrderFilled) -> LedgerFill:
    """The ledger's row of a trade of `managed`. The stream leaves the fee out only when it
    does not know it (no fee asset either): then it is unknown (None), not 0."""
    order = managed.order
    fee_known = bool(event.commission) or bool(event.commission_asset)
    return LedgerFill(
        symbol=order.symbol, trade_id=event.trade_id, order_id=order.order_id,
        side=order.side.value, position_side=order.position_side.value,
        price=event.last_price, quantity=event.last_quantity,
        commission=event.commission if fee_known else None,
        commission_asset=event.commission_asset or None,
        realized_pnl=event.realized_pnl, time=event.timestamp,
        client_order_id=order.client_order_id, strategy=managed.strategy_name, source=STREAM,
    )
