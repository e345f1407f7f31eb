"""`SQLiteOrderStore` (also named `OrderStore`): every order and every order event, in one
SQLite file.

Writes never block the event loop: `save_order` and `append_event` take a snapshot and put
it on a queue that one writer thread (`store_writer`) drains in batches, one transaction a
batch. `flush()` waits until everything queued so far is committed, or raises
`StoreUnavailableError` when the store cannot write (disk full): nothing is dropped then,
the writer keeps it and retries until the disk has room again (`healthy`, `last_error`
and the health listeners say so). Reads run in a worker thread on their own connection
(WAL lets them proceed while the writer writes). Money is stored as TEXT decimals, never
REAL (rows are made by `store_codec`, tables and statements are in `store_schema`). The
events table is the audit trail: rows are only ever inserted. Commits are durable once
`flush()` returns (WAL, synchronous=NORMAL: a committed transaction survives the process
being killed).

One open store a file: `open()` takes an exclusive lock on `<file>.lock` (`store_lock`),
held until `close()` (or the process's death), so that two managers never write one file;
a second opener gets `StoreLockedError`. Reading without `open()` needs no lock. `open()`
migrates an older file (`store_migrations`) and refuses one a newer version of this
package wrote (`StoreVersionError`).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from execution import store_ledger
from execution.errors import StoreUnavailableError
from execution.models import OrderStatus
from execution.orders.managed import ManagedOrder
from execution.store_base import ThreadedStore
from execution.store_codec import (
    OrderRow,
    StoredEvent,
    attach_events,
    event_from_payload,
    event_json,
    event_payload,
    managed_from_row,
    order_row,
    stored_event,
)
from execution.store_interface import HealthListener, OrderStorage
from execution.store_lock import StoreFileLock
from execution.store_migrations import SCHEMA_VERSION, migrate
from execution.store_schema import (
    FINAL_STATUSES,
    ORDER_COLUMNS,
    ROWS_PER_STATEMENT,
    SCHEMA,
    connect,
    where_clause,
)
from execution.store_writer import StoreWriter

__all__ = [
    "ROWS_PER_STATEMENT",
    "SCHEMA",
    "SCHEMA_VERSION",
    "HealthListener",
    "OrderRow",
    "OrderStore",
    "SQLiteOrderStore",
    "StoredEvent",
    "event_from_payload",
    "event_json",
    "event_payload",
    "managed_from_row",
    "order_row",
]

logger = logging.getLogger(__name__)
T = TypeVar("T")


class SQLiteOrderStore(ThreadedStore):
    """Orders and their audit trail in a SQLite file (WAL), written by one thread: the
    SQLite `OrderStorage` (`sqlite:///FILE`, or a plain path, in `open_store`).

    `close_timeout` (s) bounds how long `close()` keeps retrying what it could not write
    (a full disk) before it gives up and says what was lost."""

    LEDGER_QUERIES = store_ledger

    def __init__(
        self,
        path: str | Path,
        *,
        batch_size: int = 5000,
        batch_window: float = 0.005,
        close_timeout: float = 10.0,
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self.batch_size = batch_size
        self.batch_window = batch_window  # s to gather a batch, unless a flush is waiting
        self.close_timeout = close_timeout
        self.migrated_from: int | None = None  # the schema version the file had when opened
        self._version = 0
        # Writes queued before `open()` (or between a close and the next open) wait here
        # for the writer.
        self._last: StoreWriter | None = None  # the current or last writer (its state)
        self._lock = StoreFileLock(self.path)

    # -- state ------------------------------------------------------------------------------

    @property
    def location(self) -> str:
        """The file's path, as given."""
        return str(self.path)

    @property
    def schema_version(self) -> int:
        """The file's schema version: `SCHEMA_VERSION` once `open` has migrated it, 0
        before."""
        return self._version

    @property
    def healthy(self) -> bool:
        """False while a write has failed and not yet succeeded on a retry."""
        return self._last is None or self._last.healthy

    @property
    def last_error(self) -> BaseException | None:
        """The error of the last failed write (kept after recovery, for the record)."""
        return None if self._last is None else self._last.last_error

    @property
    def writes(self) -> int:
        """Rows committed, for the curious and the benchmark."""
        return 0 if self._last is None else self._last.writes

    # -- lifecycle --------------------------------------------------------------------------

    async def open(self) -> None:
        """Take the file's lock (StoreLockedError if held), create the file and schema if
        needed (StoreUnavailableError if it cannot be written) and start the writer."""
        if self._writer is not None:
            return
        await asyncio.to_thread(self._open_file)
        self._loop = asyncio.get_running_loop()
        writer = StoreWriter(
            self.path,
            self._queue,
            batch_size=self.batch_size,
            batch_window=self.batch_window,
            close_timeout=self.close_timeout,
            on_health=self._health_changed,
        )
        writer.start()
        self._writer = self._last = writer

    async def close(self) -> None:
        """Commit everything queued and stop the writer, then release the file. Safe to
        call twice. Raises StoreUnavailableError naming what could not be written when the
        store still could not write after `close_timeout` seconds."""
        writer, self._writer = self._writer, None
        if writer is None:
            return
        try:
            await asyncio.to_thread(writer.stop)
        finally:
            await asyncio.to_thread(self._lock.release)
        if writer.unwritten is not None:
            raise StoreUnavailableError(
                f"the order store {self.path} closed with {writer.unwritten} not written: "
                f"{writer.last_error}"
            )

    async def __aenter__(self) -> SQLiteOrderStore:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _open_file(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock.acquire()
        try:
            connection = connect(self.path)
            try:
                self.migrated_from = migrate(connection, self.path)
                self._version = SCHEMA_VERSION
            finally:
                connection.close()
        except sqlite3.Error as exc:
            self._lock.release()
            raise StoreUnavailableError(
                f"the order store {self.path} cannot be opened: {exc}"
            ) from exc
        except BaseException:
            self._lock.release()
            raise

    # -- writes (any thread, never blocking) ------------------------------------------------

    # -- reads (in a worker thread) ---------------------------------------------------------

    async def load_orders(self, *, open_only: bool = False) -> list[ManagedOrder]:
        """Every stored order (or only the non-final ones), with the events of open ones."""
        return await asyncio.to_thread(self._load_orders, open_only)

    def _load_orders(self, open_only: bool) -> list[ManagedOrder]:
        sql = f"SELECT {ORDER_COLUMNS} FROM orders"
        if open_only:
            sql += f" WHERE status NOT IN ({', '.join('?' * len(FINAL_STATUSES))})"
        sql += " ORDER BY submitted_at, rowid"
        with self._reader() as connection:
            rows = connection.execute(sql, FINAL_STATUSES if open_only else ()).fetchall()
            orders = [managed_from_row(row) for row in rows]
            if any(m.is_open for m in orders):
                attach_events(orders, self._events(connection, None, None, None))
        return orders

    async def query_orders(
        self,
        *,
        strategy_name: str | None = None,
        symbol: str | None = None,
        status: OrderStatus | Iterable[OrderStatus] | None = None,
        since: int | None = None,
        until: int | None = None,
        limit: int | None = None,
    ) -> list[ManagedOrder]:
        """Stored orders matching every filter given; times (submission, ms) are inclusive."""
        conditions: list[tuple[str, list[Any]]] = [
            ("strategy_name = ?", [strategy_name]),
            ("symbol = ?", [symbol]),
            ("submitted_at >= ?", [since]),
            ("submitted_at <= ?", [until]),
        ]
        if status is not None:
            statuses = [status] if isinstance(status, OrderStatus) else list(status)
            conditions.append(
                (f"status IN ({', '.join('?' * len(statuses))})", [s.value for s in statuses])
            )
        clause, params = where_clause(conditions)
        sql = f"SELECT {ORDER_COLUMNS} FROM orders{clause} ORDER BY submitted_at, rowid"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"

        def run() -> list[ManagedOrder]:
            with self._reader() as connection:
                return [managed_from_row(r) for r in connection.execute(sql, params)]

        return await asyncio.to_thread(run)

    async def query_events(
        self,
        client_order_id: str | None = None,
        *,
        since: int | None = None,
        until: int | None = None,
    ) -> list[StoredEvent]:
        """The audit trail, oldest first: of one order or all; `since`/`until` on the time
        the event was recorded (ms, inclusive)."""

        def run() -> list[StoredEvent]:
            with self._reader() as connection:
                return list(self._events(connection, client_order_id, since, until))

        return await asyncio.to_thread(run)

    @staticmethod
    def _events(
        connection: sqlite3.Connection,
        client_order_id: str | None,
        since: int | None,
        until: int | None,
    ) -> Iterable[StoredEvent]:
        clause, params = where_clause([
            ("client_order_id = ?", [client_order_id]),
            ("recorded_at >= ?", [since]),
            ("recorded_at <= ?", [until]),
        ])
        sql = (
            "SELECT seq, client_order_id, kind, timestamp, recorded_at, payload FROM events"
            + clause
        )
        sql += " ORDER BY seq"
        for seq, *row in connection.execute(sql, params):
            yield stored_event(seq, tuple(row))

    # -- the account ledger ----------------------------------------------------------------

    async def _read_ledger(self, read: Callable[[sqlite3.Connection], T], empty: T) -> T:
        def run() -> T:
            with self._reader() as connection:
                return read(connection) if _has_ledger(connection) else empty

        return await asyncio.to_thread(run)

    def _reader(self) -> _Reader:
        return _Reader(self.path)


OrderStore = SQLiteOrderStore
"""The name the SQLite store had before there were others: `OrderStore(path)` still works."""


def _conforms(store: SQLiteOrderStore) -> OrderStorage:
    return store  # mypy checks here that the SQLite store is an `OrderStorage`


def _has_ledger(connection: sqlite3.Connection) -> bool:
    """A file not yet migrated (read without `open`) has no ledger tables: it reads empty."""
    return connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger_fills'"
    ).fetchone() is not None


class _Reader:
    """A short-lived read connection, closed on exit."""

    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(path, timeout=30.0)

    def __enter__(self) -> sqlite3.Connection:
        return self._connection

    def __exit__(self, *exc_info: object) -> None:
        self._connection.close()
