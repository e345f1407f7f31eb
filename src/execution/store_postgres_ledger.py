"""The account ledger in the PostgreSQL store: its tables (the SQLite store's, from the
same `store_schema.LEDGER_SCHEMA`), the writer's upserts and the reads. Blocking: run in
the writer thread or a worker thread.

The ledger is the account's, not a manager's: every manager on the database writes into
one `ledger_fills` (one row a symbol and trade id), one `ledger_income` (one row an income
type and tranId) and one `ledger_marks` (how far a sync has read the account's history).
Several managers trading one account all hear every fill of it on their user streams, and
a sync reads the account's `userTrades` whoever runs it, so the rows they record are the
same rows: merged by the same upserts as SQLite's (`store_ledger`: a known figure never
replaced by an unknown one, a tranId once, a mark only forward), atomically in the server.
The database is one account's; a second account gets a database of its own (or a schema:
`?options=-csearch_path%3Dacct2` on the URL).
"""

from __future__ import annotations

from typing import Any

import psycopg

from execution.ledger.records import LedgerFill, LedgerIncome
from execution.store_ledger import (
    FILL_COLUMNS,
    INCOME_COLUMNS,
    INSERT_INCOME,
    UPSERT_FILL,
    UPSERT_MARK,
    fill_from_row,
    fill_row,
    income_from_row,
    income_row,
)
from execution.store_schema import LEDGER_SCHEMA

LEDGER_STATEMENTS: tuple[str, ...] = tuple(
    part.strip() for part in LEDGER_SCHEMA.split(";") if part.strip()
)

# The trading state a manager starts in, one row a prefix; `DESK` is the row every
# manager of the database also reads (see `store_postgres_state`).
TRADING_STATE_TABLE = """
CREATE TABLE trading_state (
    prefix TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    reason TEXT NOT NULL,
    set_at_ms BIGINT NOT NULL,
    written_at TIMESTAMPTZ NOT NULL DEFAULT now()
)"""


def _pg(sql: str) -> bytes:
    """A statement of `store_ledger` (qmark parameters) in psycopg's style."""
    return sql.replace("?", "%s").encode()


_UPSERT_FILL = _pg(UPSERT_FILL)
_INSERT_INCOME = _pg(INSERT_INCOME)
_UPSERT_MARK = _pg(UPSERT_MARK)


def write_ledger(
    connection: psycopg.Connection[Any], fills: list[LedgerFill], income: list[LedgerIncome],
    marks: dict[str, int],
) -> None:
    """Write pending ledger rows inside the caller's transaction, in key order (two
    managers writing the same trades at once lock them in one order: no deadlock)."""
    with connection.cursor() as cursor:
        if fills:
            cursor.executemany(_UPSERT_FILL, [fill_row(f) for f in
                                              sorted(fills, key=lambda f: f.key)])
        if income:
            cursor.executemany(_INSERT_INCOME, [income_row(r) for r in
                                                sorted(income, key=lambda r: r.key)])
        if marks:
            cursor.executemany(_UPSERT_MARK, sorted(marks.items()))


def read_fills(connection: psycopg.Connection[Any], symbol: str | None) -> list[LedgerFill]:
    """The fills (of one symbol, or all), by time then trade id."""
    sql = f"SELECT {FILL_COLUMNS} FROM ledger_fills"
    params: list[Any] = []
    if symbol is not None:
        sql += " WHERE symbol = %s"
        params.append(symbol)
    sql += ' ORDER BY time_ms, trade_id, symbol COLLATE "C"'
    return [fill_from_row(tuple(r)) for r in connection.execute(sql.encode(), params)]


def read_income(connection: psycopg.Connection[Any], income_type: str | None
                ) -> list[LedgerIncome]:
    """The income records (of one type, or all), oldest first."""
    sql = f"SELECT {INCOME_COLUMNS} FROM ledger_income"
    params: list[Any] = []
    if income_type is not None:
        sql += " WHERE income_type = %s"
        params.append(income_type)
    sql += ' ORDER BY time_ms, income_type COLLATE "C", tran_id COLLATE "C"'
    return [income_from_row(tuple(r)) for r in connection.execute(sql.encode(), params)]


def read_marks(connection: psycopg.Connection[Any]) -> dict[str, int]:
    """Every sync mark by name."""
    rows = connection.execute(b"SELECT name, value FROM ledger_marks").fetchall()
    return {name: int(value) for name, value in rows}


def has_ledger(connection: psycopg.Connection[Any]) -> bool:
    """Whether the database has the ledger's tables (not before version 2: a tool reading
    an older database, not migrated yet, finds an empty ledger)."""
    row = connection.execute(b"SELECT to_regclass('ledger_marks') IS NOT NULL").fetchone()
    return bool(row and row[0])
