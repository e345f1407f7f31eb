"""The PostgreSQL order store's tables, their versions, and the SQL that writes orders.

One database holds the orders of many managers. Every row of `orders` and `events` has an
`owner`: the client-id prefix of the manager that wrote it (an order's key is the owner
and its client id, so two managers that both follow one exchange order, a liquidation
say, each keep their own row). `managers` is the lease table (one row a prefix: who holds
it, until when, by the server's clock); `takeovers` records every change of hands. The
columns an order has are the SQLite store's (`store_schema.ORDER_COLUMN_NAMES`, money as
TEXT decimals), so `store_codec` reads both.

Versions work as SQLite's (`store_migrations`): `store_meta` holds the version, `MIGRATIONS`
lists the steps (`PgMigration(version=n, ...)` takes a database from n - 1 to n), `migrate`
runs those above the database's version in one transaction, serialised across processes
by an advisory lock, and refuses a newer database with `StoreVersionError`. A later table
is one more `PgMigration` of `CREATE TABLE` statements appended to `MIGRATIONS`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import psycopg

from execution.errors import StoreVersionError
from execution.store_codec import EventRow, OrderRow
from execution.store_schema import ORDER_COLUMN_NAMES, ORDER_COLUMNS, upsert_tail

# pg_advisory_xact_lock keys: one for migrations, one for every lease change.
MIGRATION_LOCK = 0x41535445_0001
LEASE_LOCK = 0x41535445_0002

_ORDERS_TABLE = """
CREATE TABLE orders (
    owner TEXT NOT NULL,
    client_order_id TEXT NOT NULL,
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
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    strategy_name TEXT,
    tags TEXT NOT NULL,
    parent_order_id TEXT,
    role TEXT NOT NULL,
    replaces TEXT,
    replaced_by TEXT,
    adopted INTEGER NOT NULL,
    submitted_at BIGINT NOT NULL,
    filled_at BIGINT,
    attributes TEXT NOT NULL,
    seq BIGSERIAL NOT NULL,
    PRIMARY KEY (owner, client_order_id)
)"""

_EVENTS_TABLE = """
CREATE TABLE events (
    seq BIGSERIAL PRIMARY KEY,
    owner TEXT NOT NULL,
    client_order_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    "timestamp" BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    payload TEXT NOT NULL
)"""

_MANAGERS_TABLE = """
CREATE TABLE managers (
    prefix TEXT PRIMARY KEY,
    holder TEXT,
    host TEXT,
    pid INTEGER,
    acquired_at TIMESTAMPTZ,
    renewed_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ,
    released_at TIMESTAMPTZ
)"""

_TAKEOVERS_TABLE = """
CREATE TABLE takeovers (
    id BIGSERIAL PRIMARY KEY,
    prefix TEXT NOT NULL,
    from_holder TEXT,
    by_prefix TEXT NOT NULL,
    by_holder TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL DEFAULT now(),
    reason TEXT NOT NULL,
    lease_expired BOOLEAN NOT NULL,
    orders_moved INTEGER NOT NULL
)"""


@dataclass(frozen=True, slots=True)
class PgMigration:
    """One step: its `statements` take a database at `version - 1` to `version` (run in
    the transaction `migrate` opens)."""

    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[PgMigration, ...] = (
    PgMigration(1, "orders, events, manager leases and takeovers", (
        _ORDERS_TABLE,
        "CREATE INDEX orders_owner_submitted ON orders (owner, submitted_at, seq)",
        "CREATE INDEX orders_owner_status ON orders (owner, status)",
        "CREATE INDEX orders_strategy ON orders (strategy_name, submitted_at)",
        "CREATE INDEX orders_symbol ON orders (symbol, submitted_at)",
        "CREATE INDEX orders_order_id ON orders (order_id)",
        _EVENTS_TABLE,
        "CREATE INDEX events_order ON events (owner, client_order_id, seq)",
        "CREATE INDEX events_time ON events (recorded_at)",
        _MANAGERS_TABLE,
        _TAKEOVERS_TABLE,
        "CREATE INDEX takeovers_prefix ON takeovers (prefix, at)",
    )),
)


def check_migrations(migrations: Sequence[PgMigration]) -> int:
    """The version `migrations` lead to; ValueError unless they are numbered 1, 2, 3, ..."""
    for expected, migration in enumerate(migrations, start=1):
        if migration.version != expected:
            raise ValueError(
                f"migration {migration.description!r} has version {migration.version}, "
                f"expected {expected}: versions are consecutive from 1"
            )
    return len(migrations)


SCHEMA_VERSION = check_migrations(MIGRATIONS)

_META = "CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"


def schema_version(connection: psycopg.Connection[Any]) -> int:
    """The version the database is at (0: new, or no order store yet)."""
    row = connection.execute(
        "SELECT value FROM store_meta WHERE key = 'schema_version'"
    ).fetchone()
    return int(row[0]) if row else 0


def migrate(
    connection: psycopg.Connection[Any],
    location: str,
    migrations: Sequence[PgMigration] = MIGRATIONS,
) -> int:
    """Bring the database to the last version of `migrations`, all or nothing; returns
    the version it was at. A newer database raises `StoreVersionError` and is left as it
    was. Two processes migrating at once take turns (an advisory lock)."""
    target = check_migrations(migrations)
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        connection.execute(_META)
        found = schema_version(connection)
        if found > target:
            raise StoreVersionError(location, found, target)
        for migration in migrations[found:]:
            for statement in migration.statements:
                connection.execute(statement.encode())
        if found != target:
            connection.execute(
                "INSERT INTO store_meta (key, value) VALUES ('schema_version', %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(target),),
            )
    return found


# -- writing orders and events --------------------------------------------------------------

OWNED_ORDER_COLUMNS = "owner, " + ORDER_COLUMNS
EVENT_COLUMNS = 'owner, client_order_id, kind, "timestamp", recorded_at, payload'
_UPSERT_TAIL = upsert_tail("owner, client_order_id")


def _values(columns: int, rows: int) -> str:
    one = "(" + ", ".join(["%s"] * columns) + ")"
    return ", ".join([one] * rows)


@functools.lru_cache(maxsize=32)
def _orders_statement(rows: int) -> bytes:
    return (
        f"INSERT INTO orders ({OWNED_ORDER_COLUMNS}) VALUES "
        f"{_values(len(ORDER_COLUMN_NAMES) + 1, rows)}{_UPSERT_TAIL}"
    ).encode()


@functools.lru_cache(maxsize=32)
def _events_statement(rows: int) -> bytes:
    return f"INSERT INTO events ({EVENT_COLUMNS}) VALUES {_values(6, rows)}".encode()


# Up to this many rows go as one INSERT; more by COPY (ten times quicker in bulk: a
# statement of thousands of parameters is slow to parse, a COPY streams).
COPY_FROM = 16
_INCOMING = "incoming_orders"  # this connection's staging table for a COPY of orders


def prepare(connection: psycopg.Connection[Any]) -> None:
    """Make a writer's connection ready: its staging table (emptied at every commit)."""
    connection.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {_INCOMING} ON COMMIT DELETE ROWS AS "
        f"SELECT 0::bigint AS n, {OWNED_ORDER_COLUMNS} FROM orders WITH NO DATA".encode()
    )


def _copy(connection: psycopg.Connection[Any], table: str, columns: str,
          rows: Iterable[tuple[Any, ...]]) -> None:
    with connection.cursor().copy(f"COPY {table} ({columns}) FROM STDIN".encode()) as copy:
        for row in rows:
            copy.write_row(row)


def upsert_orders(
    connection: psycopg.Connection[Any], owner: str, orders: list[OrderRow]
) -> None:
    """Insert or update `orders` (distinct client ids) as `owner`'s, in order (inside a
    transaction, on a `prepare`d connection)."""
    if len(orders) <= COPY_FROM:
        connection.execute(_orders_statement(len(orders)),
                           list(chain.from_iterable((owner, *row) for row in orders)))
        return
    _copy(connection, _INCOMING, "n, " + OWNED_ORDER_COLUMNS,
          ((n, owner, *row) for n, row in enumerate(orders)))
    connection.execute(
        f"INSERT INTO orders ({OWNED_ORDER_COLUMNS}) SELECT {OWNED_ORDER_COLUMNS} FROM "
        f"{_INCOMING} ORDER BY n{_UPSERT_TAIL}".encode()
    )


def insert_events(
    connection: psycopg.Connection[Any], owner: str, events: list[EventRow]
) -> None:
    """Insert `events` as `owner`'s, in order (their `seq` follows it)."""
    if len(events) <= COPY_FROM:
        connection.execute(_events_statement(len(events)),
                           list(chain.from_iterable((owner, *row) for row in events)))
        return
    _copy(connection, "events", EVENT_COLUMNS, ((owner, *row) for row in events))
