"""The order store's tables, and the SQL that writes them many rows a statement.

An order's row is inserted once and then updated in place; what an order is and when it
was placed never changes once written. A row written by the order's placer (`adopted` 0)
keeps who placed it and its part in a bracket (role, parent, tags, attributes, lineage)
when an adopted snapshot of the same client id comes in (another manager that found the
order on the exchange): an adoption only ever updates the order's state. Events are only
ever inserted.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from itertools import chain
from typing import Any

from execution.store_codec import EventRow, OrderRow

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

ORDER_COLUMNS = (
    "client_order_id, order_id, symbol, side, order_type, quantity, price, stop_price, "
    "time_in_force, reduce_only, status, filled_quantity, average_price, commission, "
    "commission_asset, realized_pnl, created_at, updated_at, strategy_name, tags, "
    "parent_order_id, role, replaces, replaced_by, adopted, submitted_at, filled_at, attributes"
)
ORDER_COLUMN_NAMES = tuple(name.strip() for name in ORDER_COLUMNS.split(","))
# What an order is and when it was placed never changes once written: an update leaves
# these columns (and so the indexes on them) alone.
_FIXED_COLUMNS = frozenset({"client_order_id", "symbol", "side", "strategy_name", "submitted_at"})
# What only the order's placer knows: an adopted snapshot never overwrites them on a row
# the placer wrote.
_PLACER_COLUMNS = frozenset(
    {"tags", "parent_order_id", "role", "replaces", "replaced_by", "adopted", "attributes"}
)


def _set_clause(name: str) -> str:
    if name in _PLACER_COLUMNS:
        return (
            f"{name} = CASE WHEN excluded.adopted = 1 AND orders.adopted = 0 "
            f"THEN orders.{name} ELSE excluded.{name} END"
        )
    return f"{name} = excluded.{name}"


_ADOPTED = ORDER_COLUMN_NAMES.index("adopted")
STATUS = ORDER_COLUMN_NAMES.index("status")
SUBMITTED_AT = ORDER_COLUMN_NAMES.index("submitted_at")
# The statuses (as stored) of orders that are over: they load without their events.
FINAL_STATUSES = ("FILLED", "CANCELED", "EXPIRED", "REJECTED")


_FIXED_INDEXES = tuple(i for i, name in enumerate(ORDER_COLUMN_NAMES) if name in _FIXED_COLUMNS)


def merged_row(old: OrderRow | None, new: OrderRow) -> OrderRow:
    """The row an upsert of `new` over `old` leaves: the rule of `_UPSERT_TAIL` (the same
    column sets decide), for snapshots not yet written and for a store that is not SQL.
    Folding snapshots together first and upserting the result equals upserting each."""
    if old is None:
        return new
    keep_placer = new[_ADOPTED] == 1 and old[_ADOPTED] == 0
    if not keep_placer and all(old[i] == new[i] for i in _FIXED_INDEXES):
        return new  # the usual case: a later snapshot of the same order
    return tuple(
        old[i]
        if name in _FIXED_COLUMNS or (keep_placer and name in _PLACER_COLUMNS)
        else new[i]
        for i, name in enumerate(ORDER_COLUMN_NAMES)
    )


def upsert_tail(key: str = "client_order_id") -> str:
    """` ON CONFLICT (key) DO UPDATE SET ...`: the rule of `merged_row` in SQL, which
    SQLite and PostgreSQL both speak (the PostgreSQL store's key also has its owner)."""
    return f" ON CONFLICT ({key}) DO UPDATE SET " + ", ".join(
        _set_clause(name) for name in ORDER_COLUMN_NAMES if name not in _FIXED_COLUMNS
    )


_UPSERT_TAIL = upsert_tail()
_EVENT_COLUMNS = "client_order_id, kind, timestamp, recorded_at, payload"
# Rows go in by many a statement: one statement step (during which the writer thread
# releases the interpreter lock) does the work of hundreds of rows, instead of one step
# and one hand-off of the lock to and from the event loop per row.
ROWS_PER_STATEMENT = 2048
# SQLite builds since 3.32 allow 32,766 variables a statement; a row takes one a column.
MAX_VARIABLES = 32_766


def _multi_row_sql(head: str, columns: int, rows: int, tail: str = "") -> str:
    values = "(" + ", ".join("?" * columns) + ")"
    return f"{head} VALUES {', '.join([values] * rows)}{tail}"


@functools.lru_cache(maxsize=64)
def _orders_statement(rows: int) -> str:
    return _multi_row_sql(
        f"INSERT INTO orders ({ORDER_COLUMNS})", len(ORDER_COLUMN_NAMES), rows, _UPSERT_TAIL
    )


@functools.lru_cache(maxsize=64)
def _events_statement(rows: int) -> str:
    return _multi_row_sql(f"INSERT INTO events ({_EVENT_COLUMNS})", 5, rows)


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


def insert_events(connection: sqlite3.Connection, events: list[EventRow]) -> None:
    """Insert `events` in order, many rows a statement."""
    _write_rows(
        connection, events, _events_statement, min(ROWS_PER_STATEMENT, MAX_VARIABLES // 5)
    )


def upsert_orders(connection: sqlite3.Connection, orders: list[OrderRow]) -> None:
    """Insert or update `orders` (distinct client ids), many rows a statement."""
    per_statement = min(ROWS_PER_STATEMENT, MAX_VARIABLES // len(ORDER_COLUMN_NAMES))
    _write_rows(connection, orders, _orders_statement, per_statement)


def where_clause(conditions: list[tuple[str, list[Any]]]) -> tuple[str, list[Any]]:
    """` WHERE a AND b` and its parameters, from the conditions whose values are given."""
    given = [(clause, values) for clause, values in conditions if None not in values]
    if not given:
        return "", []
    return (
        " WHERE " + " AND ".join(clause for clause, _ in given),
        [value for _, values in given for value in values],
    )


def connect(path: Any) -> sqlite3.Connection:
    """A connection in WAL mode. NORMAL under WAL: a committed transaction survives the
    process being killed."""
    connection = sqlite3.connect(path, timeout=30.0, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection
