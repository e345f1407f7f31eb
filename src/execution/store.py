"""`OrderStore`: every order and every order event, in one SQLite file.

Writes never block the event loop: `save_order` and `append_event` take a snapshot and put
it on a queue that one writer thread drains in batches, one transaction a batch. `flush()`
waits until everything queued so far is committed. Reads run in a worker thread on their
own connection (WAL lets them proceed while the writer writes). Money is stored as TEXT
decimals, never REAL (rows are made by `store_codec`). The events table is the audit
trail: rows are only ever inserted. An order's row is inserted once and then updated in
place. Rows go in by hundreds a statement, so that the writer thread spends its time in
SQLite (which runs without the interpreter lock) rather than handing the lock back and
forth with the event loop. Commits are durable once `flush()` returns (WAL,
synchronous=NORMAL: a committed transaction survives the process being killed).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

from execution.models import OrderStatus
from execution.orders.managed import ManagedOrder
from execution.orders.state import OrderEvent, OrderFilled
from execution.store_codec import (
    OrderRow,
    event_from_payload,
    event_json,
    event_payload,
    managed_from_row,
    order_row,
)

__all__ = [
    "SCHEMA",
    "OrderRow",
    "OrderStore",
    "StoredEvent",
    "event_from_payload",
    "event_json",
    "event_payload",
    "managed_from_row",
    "order_row",
]

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    client_order_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    symbol TEXT NOT NULL,
    side TEXT NOT NULL,
    order_type TEXT NOT NULL,
    quantity TEXT NOT NULL,
    price TEXT,
    stop_price TEXT,
    time_in_force TEXT,
    reduce_only INTEGER NOT NULL,
    status TEXT NOT NULL,
    filled_quantity TEXT NOT NULL,
    average_price TEXT,
    commission TEXT NOT NULL,
    commission_asset TEXT NOT NULL,
    realized_pnl TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    strategy_name TEXT,
    tags TEXT NOT NULL,
    parent_order_id TEXT,
    role TEXT NOT NULL,
    replaces TEXT,
    replaced_by TEXT,
    adopted INTEGER NOT NULL,
    submitted_at INTEGER NOT NULL,
    filled_at INTEGER,
    attributes TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_strategy ON orders (strategy_name, submitted_at);
CREATE INDEX IF NOT EXISTS orders_symbol ON orders (symbol, submitted_at);
CREATE INDEX IF NOT EXISTS orders_status ON orders (status);
CREATE INDEX IF NOT EXISTS orders_order_id ON orders (order_id);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    client_order_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_order ON events (client_order_id, seq);
CREATE INDEX IF NOT EXISTS events_time ON events (recorded_at);
"""

_ORDER_COLUMNS = (
    "client_order_id, order_id, symbol, side, order_type, quantity, price, stop_price, "
    "time_in_force, reduce_only, status, filled_quantity, average_price, commission, "
    "commission_asset, realized_pnl, created_at, updated_at, strategy_name, tags, "
    "parent_order_id, role, replaces, replaced_by, adopted, submitted_at, filled_at, attributes"
)
_ORDER_COLUMN_NAMES = tuple(name.strip() for name in _ORDER_COLUMNS.split(","))
# What an order is and when it was placed never changes once written: an update leaves
# these columns (and so the indexes on them) alone.
_FIXED_COLUMNS = frozenset({"client_order_id", "symbol", "side", "strategy_name", "submitted_at"})
_UPSERT = (
    f"INSERT INTO orders ({_ORDER_COLUMNS}) "
    f"VALUES ({', '.join('?' * len(_ORDER_COLUMN_NAMES))}) "
    "ON CONFLICT (client_order_id) DO UPDATE SET "
    + ", ".join(
        f"{name} = excluded.{name}" for name in _ORDER_COLUMN_NAMES if name not in _FIXED_COLUMNS
    )
)
_EVENT_COLUMNS = "client_order_id, kind, timestamp, recorded_at, payload"
_INSERT_EVENT = f"INSERT INTO events ({_EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?)"
# Rows go in by many a statement: one statement step (during which the writer thread
# releases the interpreter lock) does the work of hundreds of rows, instead of one step
# and one hand-off of the lock to and from the event loop per row.
ROWS_PER_STATEMENT = 2048
# SQLite builds since 3.32 allow 32,766 variables a statement; a row takes one a column.
MAX_VARIABLES = 32_766


def _multi_row_sql(head: str, columns: int, rows: int, tail: str = "") -> str:
    values = "(" + ", ".join("?" * columns) + ")"
    return f"{head} VALUES {', '.join([values] * rows)}{tail}"


def _upsert_sql(rows: int) -> str:
    head, tail = _UPSERT.split(" VALUES ", 1)
    return _multi_row_sql(head, len(_ORDER_COLUMN_NAMES), rows, tail[tail.index(")") + 1:])


def _insert_events_sql(rows: int) -> str:
    return _multi_row_sql(f"INSERT INTO events ({_EVENT_COLUMNS})", 5, rows)


EventRow = tuple[str, str, int, int, str]

@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One row of the audit trail. `event` is None for notes (kind not an event type)."""

    seq: int
    client_order_id: str
    kind: str
    timestamp: int
    recorded_at: int
    payload: dict[str, Any]
    event: OrderEvent | None


class _Flush:
    """A marker in the queue: resolved on the caller's loop once what precedes it is written."""

    __slots__ = ("future", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.future: asyncio.Future[None] = loop.create_future()

    def resolve(self) -> None:
        def done() -> None:
            if not self.future.done():
                self.future.set_result(None)

        # RuntimeError: the loop has closed, nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(done)


_STOP = object()
# What a queued tuple holds (its first item).
_ORDER, _ORDERS, _EVENT, _EVENTS, _NOTE = range(5)


def _write_rows(
    connection: sqlite3.Connection,
    rows: list[Any],
    statement_for: Callable[[int], str],
    per_statement: int,
) -> None:
    """Execute `statement_for(n)` over `rows`, n rows a statement, in order."""
    whole = len(rows) - len(rows) % per_statement
    if whole:
        connection.executemany(
            statement_for(per_statement),
            [
                list(chain.from_iterable(rows[start:start + per_statement]))
                for start in range(0, whole, per_statement)
            ],
        )
    if whole < len(rows):
        rest = rows[whole:]
        connection.execute(statement_for(len(rest)), list(chain.from_iterable(rest)))


@functools.lru_cache(maxsize=64)
def _events_statement(rows: int) -> str:
    return _insert_events_sql(rows)


@functools.lru_cache(maxsize=64)
def _orders_statement(rows: int) -> str:
    return _upsert_sql(rows)


def _insert_events(connection: sqlite3.Connection, events: list[EventRow]) -> None:
    """Insert `events` in order, many rows a statement."""
    _write_rows(
        connection, events, _events_statement, min(ROWS_PER_STATEMENT, MAX_VARIABLES // 5)
    )


def _upsert_orders(connection: sqlite3.Connection, orders: list[OrderRow]) -> None:
    """Insert or update `orders` (distinct client ids), many rows a statement."""
    per_statement = min(ROWS_PER_STATEMENT, MAX_VARIABLES // len(_ORDER_COLUMN_NAMES))
    _write_rows(connection, orders, _orders_statement, per_statement)



def _where(conditions: list[tuple[str, list[Any]]]) -> tuple[str, list[Any]]:
    """` WHERE a AND b` and its parameters, from the conditions whose values are given."""
    given = [(clause, values) for clause, values in conditions if None not in values]
    if not given:
        return "", []
    return (
        " WHERE " + " AND ".join(clause for clause, _ in given),
        [value for _, values in given for value in values],
    )

class OrderStore:
    """Orders and their audit trail in a SQLite file (WAL), written by one thread."""

    def __init__(
        self, path: str | Path, *, batch_size: int = 5000, batch_window: float = 0.005
    ) -> None:
        self.path = Path(path)
        self.batch_size = batch_size
        self.batch_window = batch_window  # s to gather a batch, unless a flush is waiting
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.writes = 0  # rows committed, for the curious and the benchmark

    # -- lifecycle --------------------------------------------------------------------------

    async def open(self) -> None:
        """Create the file and schema if needed and start the writer thread."""
        if self._thread is not None:
            return
        await asyncio.to_thread(self._create_schema)
        self._thread = threading.Thread(target=self._writer, name="order-store", daemon=True)
        self._thread.start()

    async def close(self) -> None:
        """Commit everything queued and stop the writer. Safe to call twice."""
        if self._thread is None:
            return
        self._queue.put(_STOP)
        await asyncio.to_thread(self._thread.join)
        self._thread = None

    async def __aenter__(self) -> OrderStore:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=30.0, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        # NORMAL under WAL: a committed transaction survives the process being killed.
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    def _create_schema(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.executescript(SCHEMA)
        connection.close()

    # -- writes (any thread, never blocking) ------------------------------------------------

    def save_order(self, managed: ManagedOrder) -> None:
        """Queue a snapshot of the order's current state."""
        self._queue.put((_ORDER, order_row(managed)))

    def save_orders(self, orders: Iterable[ManagedOrder]) -> None:
        """Queue snapshots of several orders at once."""
        self._queue.put((_ORDERS, [order_row(managed) for managed in orders]))

    def append_event(self, client_order_id: str, event: OrderEvent) -> None:
        """Queue one event for the audit trail."""
        self._queue.put((_EVENT, client_order_id, event, time.time_ns() // 1_000_000))

    def append_events(self, events: list[tuple[str, OrderEvent, int]]) -> None:
        """Queue events for the audit trail, in order: (client order id, event, time
        recorded in ms). The list is the store's from then on."""
        self._queue.put((_EVENTS, events))

    def append_note(self, client_order_id: str, kind: str, detail: dict[str, Any]) -> None:
        """Queue a note for the audit trail (a replace that failed, an adopted order...)."""
        now = time.time_ns() // 1_000_000
        self._queue.put((_NOTE, client_order_id, kind, now, detail))

    async def flush(self) -> None:
        """Wait until everything queued before this call is committed."""
        if self._thread is None:
            raise RuntimeError("the order store is not open")
        marker = _Flush(asyncio.get_running_loop())
        self._queue.put(marker)
        await marker.future
        if self._error is not None:
            raise RuntimeError("the order store's writer failed") from self._error

    def _writer(self) -> None:
        connection = self._connect()
        try:
            stop = False
            while not stop:
                stop = self._write_batch(connection, self._gather())
        finally:
            connection.close()

    def _gather(self) -> list[Any]:
        """One batch: what is queued, waiting up to `batch_window` for more, unless a
        flush or stop is among it (then write at once)."""
        item = self._queue.get()
        batch = [item]
        deadline = time.monotonic() + self.batch_window
        while len(batch) < self.batch_size and not (item is _STOP or isinstance(item, _Flush)):
            remaining = deadline - time.monotonic()
            try:
                item = self._queue.get(timeout=remaining) if remaining > 0 else (
                    self._queue.get_nowait()
                )
            except queue.Empty:
                break
            batch.append(item)
        return batch

    def _write_batch(self, connection: sqlite3.Connection, batch: list[Any]) -> bool:
        orders: dict[str, OrderRow] = {}
        events: list[EventRow] = []
        flushes: list[_Flush] = []
        stop = False
        for item in batch:
            if item is _STOP:
                stop = True
                continue
            if isinstance(item, _Flush):
                flushes.append(item)
                continue
            what = item[0]
            if what == _EVENTS:
                events.extend(
                    [
                        (client_order_id, type(event).__name__, event.timestamp, recorded_at,
                         event_json(event))
                        for client_order_id, event, recorded_at in item[1]
                    ]
                )
            elif what == _ORDERS:
                for row in item[1]:
                    orders[row[0]] = row  # the last snapshot of an order wins
            elif what == _ORDER:
                orders[item[1][0]] = item[1]
            elif what == _EVENT:
                _, client_order_id, event, recorded_at = item
                events.append(
                    (client_order_id, type(event).__name__, event.timestamp, recorded_at,
                     event_json(event))
                )
            else:
                _, client_order_id, kind, recorded_at, detail = item
                events.append((client_order_id, kind, recorded_at, recorded_at,
                               json.dumps(detail, default=str)))
        try:
            with connection:
                if orders:
                    _upsert_orders(connection, list(orders.values()))
                if events:
                    _insert_events(connection, events)
            self.writes += len(orders) + len(events)
        except Exception as exc:  # a failed batch must not kill the writer; report it
            self._error = exc
            logger.exception("order store: writing a batch of %d failed", len(batch))
        for marker in flushes:
            marker.resolve()
        return stop

    # -- reads (in a worker thread) ---------------------------------------------------------

    async def load_orders(self, *, open_only: bool = False) -> list[ManagedOrder]:
        """Every stored order (or only the non-final ones), with the events of open ones."""
        return await asyncio.to_thread(self._load_orders, open_only)

    def _load_orders(self, open_only: bool) -> list[ManagedOrder]:
        final = ("FILLED", "CANCELED", "EXPIRED", "REJECTED")
        sql = f"SELECT {_ORDER_COLUMNS} FROM orders"
        if open_only:
            sql += f" WHERE status NOT IN ({', '.join('?' * len(final))})"
        sql += " ORDER BY submitted_at, rowid"
        with self._reader() as connection:
            rows = connection.execute(sql, final if open_only else ()).fetchall()
            orders = [managed_from_row(row) for row in rows]
            open_ids = {m.client_order_id: m for m in orders if m.is_open}
            if open_ids:
                for event in self._events(connection, None, None, None):
                    managed = open_ids.get(event.client_order_id)
                    if managed is not None and event.event is not None:
                        managed.events.append(event.event)
                        if isinstance(event.event, OrderFilled) and event.event.trade_id:
                            managed.trade_ids.add(event.event.trade_id)
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
        where, params = _where(conditions)
        sql = f"SELECT {_ORDER_COLUMNS} FROM orders{where} ORDER BY submitted_at, rowid"
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
        where, params = _where([
            ("client_order_id = ?", [client_order_id]),
            ("recorded_at >= ?", [since]),
            ("recorded_at <= ?", [until]),
        ])
        sql = (
            "SELECT seq, client_order_id, kind, timestamp, recorded_at, payload FROM events"
            + where
        )
        sql += " ORDER BY seq"
        for seq, cid, kind, timestamp, recorded_at, payload_text in connection.execute(
            sql, params
        ):
            payload = json.loads(payload_text)
            yield StoredEvent(
                seq, cid, kind, timestamp, recorded_at, payload, event_from_payload(kind, payload)
            )

    def _reader(self) -> _Reader:
        return _Reader(self.path)


class _Reader:
    """A short-lived read connection, closed on exit."""

    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(path, timeout=30.0)

    def __enter__(self) -> sqlite3.Connection:
        return self._connection

    def __exit__(self, *exc_info: object) -> None:
        self._connection.close()
