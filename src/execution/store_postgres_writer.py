"""`PostgresWriter`: the SQLite store's writer thread (`store_writer.StoreWriter`: batches,
retries, health, nothing dropped) committing to PostgreSQL instead.

Only the commit differs: one transaction a batch on a psycopg connection, which first
checks that the store's lease is still its own (`store_postgres_leases.fence`), then
upserts the orders and inserts the events as the store's prefix's. A lost server (the
connection breaks, the server is down) fails the commit: the batch is kept, a fresh
connection is tried on the retry, and the health listeners hear of it both ways.
"""

from __future__ import annotations

import contextlib
import queue
from typing import Any

import psycopg

from execution.store_interface import HealthListener
from execution.store_postgres_leases import Connect, fence
from execution.store_postgres_schema import insert_events, prepare, upsert_orders
from execution.store_writer import PendingRows, StoreWriter


class PostgresWriter(StoreWriter):
    """The writer thread of one PostgreSQL store, writing as `prefix` while `holder`
    holds its lease."""

    def __init__(
        self,
        location: str,
        connect: Connect,
        prefix: str,
        holder: str,
        items: queue.SimpleQueue[Any],
        *,
        batch_size: int,
        batch_window: float,
        close_timeout: float,
        on_health: HealthListener,
    ) -> None:
        super().__init__(
            location, items, batch_size=batch_size, batch_window=batch_window,
            close_timeout=close_timeout, on_health=on_health,
        )
        self._connect = connect
        self.prefix = prefix
        self.holder = holder

    def _commit(
        self, connection: Any, pending: PendingRows
    ) -> tuple[Any, BaseException | None]:
        """Write `pending` in one transaction; on failure it is kept and the connection
        dropped (the retry opens a fresh one)."""
        location = str(self.path)
        try:
            if connection is None:
                connection = self._connect()
                prepare(connection)
            with connection.transaction():
                fence(connection, location, self.prefix, self.holder)
                if pending.orders:
                    upsert_orders(connection, self.prefix, list(pending.orders.values()))
                if pending.events:
                    insert_events(connection, self.prefix, pending.events)
        except Exception as exc:
            if isinstance(connection, psycopg.Connection):
                with contextlib.suppress(Exception):
                    connection.close()
            return None, exc
        self.writes += len(pending.orders) + len(pending.events)
        pending.clear()
        return connection, None
