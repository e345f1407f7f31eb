"""`OrderRecorder`: what the manager writes to its store, and when.

Every event is queued for the audit trail as it is applied. An order's row is queued once
per event-loop iteration however many events it took (the latest state wins), so a burst
of stream events costs one row per order. Nothing here blocks: the store's writer thread
does the I/O.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from execution.orders.managed import ManagedOrder
from execution.orders.state import OrderEvent
from execution.store import OrderStore

HAND_OVER_EVENTS = 512  # events gathered before the writer thread is given them anyway


class OrderRecorder:
    """Queues orders and events for `store` (None: nothing is persisted)."""

    def __init__(self, store: OrderStore | None) -> None:
        self.store = store
        self._events: list[tuple[str, OrderEvent, int]] = []  # applied, not yet queued
        self._dirty: dict[str, ManagedOrder] = {}  # order rows to write (latest state wins)

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
                return
        events = self._events
        events.append((client_order_id, event, time.time_ns() // 1_000_000))
        self._dirty[client_order_id] = managed
        if len(events) >= HAND_OVER_EVENTS:
            # A long burst within one iteration: let the writer start on it meanwhile.
            self.persist_dirty()

    def _queue_events(self) -> None:
        if self._events and self.store is not None:
            events, self._events = self._events, []
            self.store.append_events(events)

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
