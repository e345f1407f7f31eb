"""Reading the PostgreSQL order store: a manager's orders (and the events of its open
ones), and the filtered queries of the CLI's `history`. Blocking: run in a worker thread.

`owner` None reads every manager's rows (a tool looking at the whole database); a
manager's store reads its own prefix's only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import psycopg

from execution.models import OrderStatus
from execution.orders.managed import ManagedOrder
from execution.store_codec import StoredEvent, attach_events, managed_from_row, stored_event
from execution.store_schema import FINAL_STATUSES, ORDER_COLUMNS, where_clause

_ORDER_SELECT = f"SELECT {ORDER_COLUMNS} FROM orders"
_EVENT_SELECT = 'SELECT seq, client_order_id, kind, "timestamp", recorded_at, payload FROM events'


def _run(
    connection: psycopg.Connection[Any], sql: str, params: list[Any]
) -> list[tuple[Any, ...]]:
    return connection.execute(sql.encode(), params).fetchall()


def load_orders(
    connection: psycopg.Connection[Any], owner: str, open_only: bool
) -> list[ManagedOrder]:
    """`owner`'s orders, oldest submission first (or only those not final), with the
    events of the open ones in the order they were recorded."""
    sql = _ORDER_SELECT + " WHERE owner = %s"
    params: list[Any] = [owner]
    if open_only:
        sql += " AND status <> ALL(%s)"
        params.append(list(FINAL_STATUSES))
    orders = [managed_from_row(row) for row in _run(
        connection, sql + " ORDER BY submitted_at, seq", params)]
    open_ids = [m.client_order_id for m in orders if m.is_open]
    if open_ids:
        rows = _run(connection, _EVENT_SELECT + " WHERE owner = %s AND client_order_id = ANY(%s)"
                    " ORDER BY seq", [owner, open_ids])
        attach_events(orders, (stored_event(seq, tuple(row)) for seq, *row in rows))
    return orders


def query_orders(
    connection: psycopg.Connection[Any],
    owner: str | None,
    *,
    strategy_name: str | None,
    symbol: str | None,
    status: OrderStatus | Iterable[OrderStatus] | None,
    since: int | None,
    until: int | None,
    limit: int | None,
) -> list[ManagedOrder]:
    """Stored orders matching every filter given (see `SQLiteOrderStore.query_orders`)."""
    conditions: list[tuple[str, list[Any]]] = [
        ("owner = %s", [owner]),
        ("strategy_name = %s", [strategy_name]),
        ("symbol = %s", [symbol]),
        ("submitted_at >= %s", [since]),
        ("submitted_at <= %s", [until]),
    ]
    if status is not None:
        statuses = [status] if isinstance(status, OrderStatus) else list(status)
        conditions.append(("status = ANY(%s)", [[s.value for s in statuses]]))
    clause, params = where_clause(conditions)
    sql = f"{_ORDER_SELECT}{clause} ORDER BY submitted_at, seq"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [managed_from_row(row) for row in _run(connection, sql, params)]


def query_events(
    connection: psycopg.Connection[Any],
    owner: str | None,
    client_order_id: str | None,
    since: int | None,
    until: int | None,
) -> list[StoredEvent]:
    """The audit trail, oldest first: of one order or all; `since`/`until` on the time
    recorded (ms, inclusive)."""
    clause, params = where_clause([
        ("owner = %s", [owner]),
        ("client_order_id = %s", [client_order_id]),
        ("recorded_at >= %s", [since]),
        ("recorded_at <= %s", [until]),
    ])
    rows = _run(connection, _EVENT_SELECT + clause + " ORDER BY seq", params)
    return [stored_event(seq, tuple(row)) for seq, *row in rows]
