"""`QueuedStore`: the half of an order store that every implementation shares.

The write methods turn orders and events into the queued items `store_writer.PendingRows`
encodes (so every store writes the same rows), the claim binds a store to one user, and
the health listeners are kept. A subclass says where an item goes (`_put`) and does the
rest of `store_interface.OrderStorage`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from execution.errors import StoreLockedError, StoreUnavailableError
from execution.ledger.records import LedgerFill, LedgerIncome
from execution.orders.managed import ManagedOrder
from execution.orders.state import OrderEvent
from execution.store_codec import order_row
from execution.store_interface import HealthListener
from execution.store_writer import (
    EVENT,
    EVENTS,
    FILLS,
    INCOME,
    MARK,
    NOTE,
    ORDER,
    ORDERS,
    Flush,
    StoreWriter,
)
from execution.timekeeping import now_ms

logger = logging.getLogger("execution.store")
T = TypeVar("T")


class QueuedStore:
    """Writes as queued items, one owner at a time, health listeners."""

    def __init__(self) -> None:
        self._owner: object | None = None
        self._listeners: list[HealthListener] = []
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop that opened it

    @property
    def location(self) -> str:  # pragma: no cover - every store names itself
        """A stable name of the storage (see `OrderStorage.location`)."""
        raise NotImplementedError

    def _put(self, item: tuple[Any, ...]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def not_open(self) -> StoreUnavailableError:
        """The error of a flush on a store that is not open."""
        return StoreUnavailableError(f"the order store {self.location} is not open")

    # -- users ------------------------------------------------------------------------------

    def add_health_listener(self, listener: HealthListener) -> None:
        """Call `listener(healthy, error)` on the event loop that opened the store when
        the store stops being able to write (False, the error) and when it writes again
        and has committed everything held back (True, None)."""
        self._listeners.append(listener)

    def claim(self, owner: object) -> None:
        """Bind the open store to one user (a manager): a second one gets StoreLockedError."""
        if self._owner is not None and self._owner is not owner:
            raise StoreLockedError(
                self.location, None, f" by another {type(self._owner).__name__} of this process"
            )
        self._owner = owner

    def release(self, owner: object) -> None:
        """Undo `claim` (nothing if `owner` does not hold the store)."""
        if self._owner is owner:
            self._owner = None

    def _health_changed(self, healthy: bool, error: BaseException | None) -> None:
        """From a writer thread: tell the listeners, on the loop that opened the store."""
        loop = self._loop
        if loop is None or not self._listeners:
            return

        def tell() -> None:
            for listener in list(self._listeners):
                try:
                    listener(healthy, error)
                except Exception:
                    logger.exception("order store health listener %r raised", listener)

        with contextlib.suppress(RuntimeError):  # the loop has closed
            loop.call_soon_threadsafe(tell)

    # -- writes (any thread, never blocking) ------------------------------------------------

    def save_order(self, managed: ManagedOrder) -> None:
        """Queue a snapshot of the order's current state."""
        self._put((ORDER, order_row(managed)))

    def save_orders(self, orders: Iterable[ManagedOrder]) -> None:
        """Queue snapshots of several orders at once."""
        self._put((ORDERS, [order_row(managed) for managed in orders]))

    def append_event(self, client_order_id: str, event: OrderEvent) -> None:
        """Queue one event for the audit trail."""
        self._put((EVENT, client_order_id, event, now_ms()))

    def append_events(self, events: list[tuple[str, OrderEvent, int]]) -> None:
        """Queue events for the audit trail, in order: (client order id, event, time
        recorded in ms). The list is the store's from then on."""
        self._put((EVENTS, events))

    def append_note(self, client_order_id: str, kind: str, detail: dict[str, Any]) -> None:
        """Queue a note for the audit trail (a replace that failed, an adopted order...)."""
        self._put((NOTE, client_order_id, kind, now_ms(), detail))

    # -- the account ledger (`execution.ledger.storage.LedgerStorage`) ---------------------

    def record_fills(self, fills: Iterable[LedgerFill]) -> None:
        """Queue ledger fills (merged into a fill of the same trade already held)."""
        self._put((FILLS, list(fills)))

    def record_income(self, records: Iterable[LedgerIncome]) -> None:
        """Queue income records (one per income type and tranId; a repeat is ignored)."""
        self._put((INCOME, list(records)))

    def record_mark(self, name: str, value: int) -> None:
        """Queue a sync mark (kept only if later than the one held)."""
        self._put((MARK, name, int(value)))


class ThreadedStore(QueuedStore):
    """A store whose writer thread (`store_writer.StoreWriter`) drains one queue: the
    queue, the flush marker, and the ledger's reads: the subclass names the module of its
    database's ledger queries (`LEDGER_QUERIES`: `read_fills`, `read_income`, `read_marks`
    on a connection) and runs them (`_read_ledger`)."""

    LEDGER_QUERIES: Any = None

    def __init__(self) -> None:
        super().__init__()
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._writer: StoreWriter | None = None

    def _put(self, item: object) -> None:
        self._queue.put(item)

    async def flush(self) -> None:
        """Wait until everything queued before this call is committed. Raises
        StoreUnavailableError when it could not be (it stays queued and is retried)."""
        if self._writer is None:
            raise self.not_open()
        marker = Flush(asyncio.get_running_loop())
        self._put(marker)
        await marker.future

    # -- the account ledger's reads (`execution.ledger.storage.LedgerStorage`) ---------------

    async def load_fills(self, symbol: str | None = None) -> list[LedgerFill]:
        """The ledger's fills (of one symbol, or all), by time then trade id."""
        return await self._read_ledger(
            lambda c: self.LEDGER_QUERIES.read_fills(c, symbol), [])

    async def load_income(self, income_type: str | None = None) -> list[LedgerIncome]:
        """The ledger's income records (of one type, or all), oldest first."""
        return await self._read_ledger(
            lambda c: self.LEDGER_QUERIES.read_income(c, income_type), [])

    async def load_marks(self) -> dict[str, int]:
        """How far each sync has read (ms), by name."""
        return await self._read_ledger(self.LEDGER_QUERIES.read_marks, {})

    async def _read_ledger(
        self, read: Callable[[Any], T], empty: T
    ) -> T:  # pragma: no cover - abstract
        raise NotImplementedError
