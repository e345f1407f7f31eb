"""`MemoryOrderStore`: an `OrderStorage` that keeps everything in this process (`memory://`).

For tests, paper trading and tools that want the manager's bookkeeping without a file:
nothing survives the process (closing and reopening the same object keeps what it holds).
Items are turned into rows by the same code as the SQLite store's writer
(`store_writer.PendingRows`, `store_codec`), and an adopted snapshot is merged by the same
column rule (`store_schema.merged_row`), so both stores hand back the same orders.
A write is "committed" as soon as it is queued: `flush` waits for nothing, and the store
never becomes unhealthy.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from execution.ledger.records import LedgerFill, LedgerIncome
from execution.orders.managed import ManagedOrder
from execution.store_base import QueuedStore
from execution.store_codec import (
    OrderRow,
    StoredEvent,
    attach_events,
    managed_from_row,
    stored_event,
)
from execution.store_interface import OrderStorage
from execution.store_migrations import SCHEMA_VERSION
from execution.store_schema import FINAL_STATUSES, STATUS, SUBMITTED_AT, merged_row
from execution.store_writer import PendingRows

__all__ = ["MEMORY_SCHEME", "MemoryOrderStore"]

MEMORY_SCHEME = "memory"


class MemoryOrderStore(QueuedStore):
    """Orders and their audit trail in this process's memory. `name` (default: random)
    makes `location` (`memory://NAME`); each store is its own, whatever its name."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__()
        self._location = f"{MEMORY_SCHEME}://{name or uuid.uuid4().hex[:12]}"
        self._is_open = False
        self._guard = threading.Lock()  # writes may come from any thread
        self._orders: dict[str, OrderRow] = {}  # insertion order is the rowid's
        self._events: list[StoredEvent] = []
        self._fills: dict[tuple[str, int], LedgerFill] = {}
        self._income: dict[tuple[str, str], LedgerIncome] = {}
        self._marks: dict[str, int] = {}

    @property
    def location(self) -> str:
        """`memory://NAME`."""
        return self._location

    @property
    def schema_version(self) -> int:
        """Always the current version: there is no older layout to migrate."""
        return SCHEMA_VERSION

    @property
    def healthy(self) -> bool:
        """Always True: memory does not run out the way a disk does."""
        return True

    async def open(self) -> None:
        """Ready at once (there is nothing to lock or create)."""
        self._is_open = True

    async def close(self) -> None:
        """Stop accepting flushes; what is held stays for a later `open` of this object."""
        self._is_open = False

    async def __aenter__(self) -> MemoryOrderStore:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _put(self, item: tuple[Any, ...]) -> None:
        rows = PendingRows()
        rows.add(item)
        with self._guard:
            for client_order_id, row in rows.orders.items():
                self._orders[client_order_id] = merged_row(self._orders.get(client_order_id), row)
            seq = len(self._events)
            self._events.extend(
                stored_event(seq + offset, row) for offset, row in enumerate(rows.events, 1)
            )
            for key, fill in rows.fills.items():
                held = self._fills.get(key)
                self._fills[key] = fill if held is None else held.merged(fill)
            for income_key, record in rows.income.items():
                self._income.setdefault(income_key, record)
            for name, value in rows.marks.items():
                self._marks[name] = max(value, self._marks.get(name, value))

    async def flush(self) -> None:
        """Nothing to wait for (every write is applied when queued); StoreUnavailableError
        when the store is not open, as for any store."""
        if not self._is_open:
            raise self.not_open()

    async def load_orders(self, *, open_only: bool = False) -> list[ManagedOrder]:
        """Every stored order (or only the non-final ones), with the events of open ones."""
        with self._guard:
            rows = sorted(self._orders.values(), key=lambda row: int(row[SUBMITTED_AT]))
            events = list(self._events)
        if open_only:
            rows = [row for row in rows if row[STATUS] not in FINAL_STATUSES]
        orders = [managed_from_row(row) for row in rows]
        attach_events(orders, events)
        return orders

    async def query_events(self, client_order_id: str | None = None) -> list[StoredEvent]:
        """The audit trail, oldest first: of one order or all."""
        with self._guard:
            return [
                event for event in self._events
                if client_order_id is None or event.client_order_id == client_order_id
            ]

    async def load_fills(self, symbol: str | None = None) -> list[LedgerFill]:
        """The ledger's fills (of one symbol, or all), by time then trade id."""
        with self._guard:
            fills = [f for f in self._fills.values() if symbol is None or f.symbol == symbol]
        return sorted(fills, key=lambda f: (f.time, f.trade_id))

    async def load_income(self, income_type: str | None = None) -> list[LedgerIncome]:
        """The ledger's income records (of one type, or all), oldest first."""
        with self._guard:
            records = [r for r in self._income.values()
                       if income_type is None or r.income_type == income_type]
        return sorted(records, key=lambda r: (r.time, r.income_type, r.tran_id))

    async def load_marks(self) -> dict[str, int]:
        """How far each sync has read (ms), by name."""
        with self._guard:
            return dict(self._marks)


def _conforms(store: MemoryOrderStore) -> OrderStorage:
    return store  # mypy checks here that the memory store is an `OrderStorage`
