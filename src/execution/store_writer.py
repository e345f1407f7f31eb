"""`StoreWriter`: the order store's writer thread, which never loses what it was given.

Snapshots and events are put on a queue (never blocking the caller) and written by one
thread in batches, one transaction a batch. A batch that fails (disk full, I/O error) is
kept: what arrives next joins it, and the whole is retried (at once when a flush is asked
for, else after a growing delay) until a commit succeeds. Meanwhile `healthy` is False and
`last_error` says why; each `flush` marker is answered with `StoreUnavailableError` until
the store writes again. Stopping retries for `close_timeout` seconds at most, then says
what was not written (`unwritten`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from execution.errors import StoreUnavailableError
from execution.store_codec import EventRow, OrderRow, event_json
from execution.store_interface import HealthListener
from execution.store_schema import connect, insert_events, merged_row, upsert_orders

logger = logging.getLogger("execution.store")

STOP = object()
# What a queued tuple holds (its first item).
ORDER, ORDERS, EVENT, EVENTS, NOTE = range(5)
RETRY_FIRST = 0.05  # s before a failed commit is retried, doubling up to RETRY_LAST
RETRY_LAST = 1.0


class Flush:
    """A marker in the queue: answered on the caller's loop once what precedes it is
    committed, or with the error that stopped it."""

    __slots__ = ("future", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.future: asyncio.Future[None] = loop.create_future()

    def resolve(self, error: BaseException | None) -> None:
        def done() -> None:
            if self.future.done():
                return
            if error is None:
                self.future.set_result(None)
            else:
                self.future.set_exception(error)

        # RuntimeError: the loop has closed, nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(done)


class PendingRows:
    """Rows gathered from queued items and not committed yet (kept across failed
    commits): the one place a queued item becomes rows."""

    __slots__ = ("events", "orders")

    def __init__(self) -> None:
        self.orders: dict[str, OrderRow] = {}  # an order's snapshots, merged
        self.events: list[EventRow] = []

    def __bool__(self) -> bool:
        return bool(self.orders or self.events)

    def add(self, item: tuple[Any, ...]) -> None:
        what = item[0]
        if what == EVENTS:
            self.events.extend(
                [
                    (client_order_id, type(event).__name__, event.timestamp, recorded_at,
                     event_json(event))
                    for client_order_id, event, recorded_at in item[1]
                ]
            )
        elif what == ORDERS:
            for row in item[1]:
                self._order(row)
        elif what == ORDER:
            self._order(item[1])
        elif what == EVENT:
            _, client_order_id, event, recorded_at = item
            self.events.append(
                (client_order_id, type(event).__name__, event.timestamp, recorded_at,
                 event_json(event))
            )
        else:
            _, client_order_id, kind, recorded_at, detail = item
            self.events.append((client_order_id, kind, recorded_at, recorded_at,
                                json.dumps(detail, default=str)))

    def _order(self, row: OrderRow) -> None:
        # The latest snapshot wins, as the upsert would have it: an adopted one never
        # overwrites the placer's fields even when both wait in one batch.
        orders = self.orders
        orders[row[0]] = merged_row(orders.get(row[0]), row)

    def clear(self) -> None:
        self.orders = {}
        self.events = []

    def describe(self) -> str:
        ids = list(dict.fromkeys([*self.orders, *(row[0] for row in self.events)]))
        shown = ", ".join(ids[:20]) + (f" and {len(ids) - 20} more" if len(ids) > 20 else "")
        return f"{len(self.orders)} order rows and {len(self.events)} events (of {shown})"


class StoreWriter:
    """The writer thread of one store file, draining `items` (filled from any thread)."""

    def __init__(
        self,
        path: Path | str,
        items: queue.SimpleQueue[Any],
        *,
        batch_size: int,
        batch_window: float,
        close_timeout: float,
        on_health: HealthListener,
    ) -> None:
        self.path = path
        self.batch_size = batch_size
        self.batch_window = batch_window
        self.close_timeout = close_timeout
        self._on_health = on_health
        self.queue = items
        self.healthy = True
        self.last_error: BaseException | None = None
        self.writes = 0  # rows committed
        self.unwritten: str | None = None  # what stopping could not write, if anything
        self._thread = threading.Thread(target=self._run, name="order-store", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Write what is left (retrying up to `close_timeout`) and end the thread. Blocks:
        run it off the event loop."""
        self.queue.put(STOP)
        self._thread.join()

    def unavailable(self) -> StoreUnavailableError:
        """The error a flush gets while the store cannot write."""
        error = StoreUnavailableError(
            f"the order store {self.path} cannot write ({self.last_error}); what was not "
            "written is kept and retried"
        )
        error.__cause__ = self.last_error
        return error

    # -- the thread -------------------------------------------------------------------------

    def _run(self) -> None:
        pending = PendingRows()
        connection: sqlite3.Connection | None = None
        delay = RETRY_FIRST
        stop_by: float | None = None  # set once asked to stop: the last moment to retry
        try:
            while True:
                timeout = None
                if pending:
                    timeout = delay
                    if stop_by is not None:
                        timeout = max(0.0, min(delay, stop_by - time.monotonic()))
                flushes: list[Flush] = []
                for item in self._gather(timeout):
                    if item is STOP:
                        stop_by = time.monotonic() + self.close_timeout
                    elif isinstance(item, Flush):
                        flushes.append(item)
                    else:
                        self._add(pending, item)
                error: BaseException | None = None
                if pending:
                    connection, error = self._commit(connection, pending)
                self._health(error)
                for marker in flushes:
                    marker.resolve(None if error is None else self.unavailable())
                if stop_by is not None and (not pending or time.monotonic() >= stop_by):
                    if pending:
                        self.unwritten = pending.describe()
                        logger.error("order store %s closed with %s not written (%s)",
                                     self.path, self.unwritten, self.last_error)
                    return
                delay = RETRY_FIRST if error is None else min(delay * 2, RETRY_LAST)
        finally:
            if connection is not None:
                connection.close()

    def _gather(self, timeout: float | None) -> list[Any]:
        """One batch: what is queued, waiting up to `batch_window` for more, unless a
        flush or stop is among it (then write at once). `timeout`: how long to wait for
        the first item (None: for ever); [] when none came."""
        try:
            item = self.queue.get(timeout=max(timeout, 0.001)) if timeout is not None else (
                self.queue.get()
            )
        except queue.Empty:
            return []
        batch = [item]
        deadline = time.monotonic() + self.batch_window
        while len(batch) < self.batch_size and not (item is STOP or isinstance(item, Flush)):
            remaining = deadline - time.monotonic()
            try:
                item = self.queue.get(timeout=remaining) if remaining > 0 else (
                    self.queue.get_nowait()
                )
            except queue.Empty:
                break
            batch.append(item)
        return batch

    @staticmethod
    def _add(pending: PendingRows, item: tuple[Any, ...]) -> None:
        try:
            pending.add(item)
        except Exception:  # pragma: no cover - every queued item is made by the store
            logger.exception("order store: an item could not be encoded and is dropped")

    def _commit(
        self, connection: sqlite3.Connection | None, pending: PendingRows
    ) -> tuple[sqlite3.Connection | None, BaseException | None]:
        """Write `pending` in one transaction; on failure it is kept, and the connection
        is dropped (a fresh one is opened for the retry)."""
        try:
            if connection is None:
                connection = connect(self.path)
            with connection:
                if pending.orders:
                    upsert_orders(connection, list(pending.orders.values()))
                if pending.events:
                    insert_events(connection, pending.events)
        except Exception as exc:
            if connection is not None:
                with contextlib.suppress(Exception):
                    connection.rollback()
                with contextlib.suppress(Exception):
                    connection.close()
            return None, exc
        self.writes += len(pending.orders) + len(pending.events)
        pending.clear()
        return connection, None

    def _health(self, error: BaseException | None) -> None:
        if error is not None:
            self.last_error = error
            if self.healthy:
                self.healthy = False
                logger.warning("order store %s cannot write (%s): what was not written is "
                               "kept and retried until it can", self.path, error)
                self._on_health(False, error)
        elif not self.healthy:
            self.healthy = True
            logger.warning("order store %s writes again: everything held back is committed",
                           self.path)
            self._on_health(True, None)
