"""The account ledger's rows in SQL: how a `LedgerFill`, a `LedgerIncome` and a sync mark
are written (upserts that merge, portable to any SQL database that has
`INSERT ... ON CONFLICT`) and read back. Money is TEXT (a Decimal's str), an unknown
figure NULL. The tables are `store_schema.LEDGER_SCHEMA`.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from typing import Any

from execution.ledger.records import LedgerFill, LedgerIncome

FILL_COLUMNS = (
    "symbol, trade_id, order_id, side, position_side, price, quantity, commission, "
    "commission_asset, realized_pnl, time_ms, maker, client_order_id, strategy, source"
)
INCOME_COLUMNS = "income_type, tran_id, symbol, income, asset, time_ms, trade_id, info"
# A fill learnt again: what is known replaces what was not; the order's labels and where
# it was first learnt stay.
_FILL_MERGE = ", ".join(
    [f"{c} = COALESCE(excluded.{c}, ledger_fills.{c})"
     for c in ("commission", "commission_asset", "realized_pnl", "maker")]
    + [f"{c} = COALESCE(ledger_fills.{c}, excluded.{c})" for c in ("client_order_id", "strategy")]
)
UPSERT_FILL = (
    f"INSERT INTO ledger_fills ({FILL_COLUMNS}) VALUES ({', '.join(['?'] * 15)}) "
    f"ON CONFLICT (symbol, trade_id) DO UPDATE SET {_FILL_MERGE}"
)
INSERT_INCOME = (
    f"INSERT INTO ledger_income ({INCOME_COLUMNS}) VALUES ({', '.join(['?'] * 8)}) "
    "ON CONFLICT (income_type, tran_id) DO NOTHING"
)
UPSERT_MARK = (
    "INSERT INTO ledger_marks (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET "
    "value = CASE WHEN excluded.value > ledger_marks.value THEN excluded.value "
    "ELSE ledger_marks.value END"
)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def fill_row(fill: LedgerFill) -> tuple[Any, ...]:
    """A fill as a row of `ledger_fills`."""
    return (
        fill.symbol, fill.trade_id, fill.order_id, fill.side, fill.position_side,
        str(fill.price), str(fill.quantity), _text(fill.commission), fill.commission_asset,
        _text(fill.realized_pnl), fill.time, None if fill.maker is None else int(fill.maker),
        fill.client_order_id, fill.strategy, fill.source,
    )


def fill_from_row(row: tuple[Any, ...]) -> LedgerFill:
    """The inverse of `fill_row`."""
    (symbol, trade_id, order_id, side, position_side, price, quantity, commission,
     commission_asset, realized_pnl, time_ms, maker, client_order_id, strategy, source) = row
    return LedgerFill(
        symbol=symbol, trade_id=int(trade_id), order_id=order_id, side=side,
        position_side=position_side, price=Decimal(price), quantity=Decimal(quantity),
        commission=_decimal(commission), commission_asset=commission_asset,
        realized_pnl=_decimal(realized_pnl), time=int(time_ms),
        maker=None if maker is None else bool(maker), client_order_id=client_order_id,
        strategy=strategy, source=source,
    )


def income_row(record: LedgerIncome) -> tuple[Any, ...]:
    """An income record as a row of `ledger_income`."""
    return (record.income_type, record.tran_id, record.symbol, str(record.income),
            record.asset, record.time, record.trade_id, record.info)


def income_from_row(row: tuple[Any, ...]) -> LedgerIncome:
    """The inverse of `income_row`."""
    income_type, tran_id, symbol, income, asset, time_ms, trade_id, info = row
    return LedgerIncome(income_type, tran_id, symbol, Decimal(income), asset, int(time_ms),
                        trade_id, info)


def write_ledger(
    connection: sqlite3.Connection, fills: list[LedgerFill], income: list[LedgerIncome],
    marks: dict[str, int],
) -> None:
    """Write pending ledger rows (inside the caller's transaction)."""
    if fills:
        connection.executemany(UPSERT_FILL, [fill_row(f) for f in fills])
    if income:
        connection.executemany(INSERT_INCOME, [income_row(r) for r in income])
    if marks:
        connection.executemany(UPSERT_MARK, list(marks.items()))


def read_fills(connection: sqlite3.Connection, symbol: str | None) -> list[LedgerFill]:
    """The fills (of one symbol, or all), by time then trade id."""
    sql = f"SELECT {FILL_COLUMNS} FROM ledger_fills"
    params: list[Any] = []
    if symbol is not None:
        sql += " WHERE symbol = ?"
        params.append(symbol)
    sql += " ORDER BY time_ms, trade_id"
    return [fill_from_row(tuple(r)) for r in connection.execute(sql, params)]


def read_income(connection: sqlite3.Connection, income_type: str | None
                ) -> list[LedgerIncome]:
    """The income records (of one type, or all), oldest first."""
    sql = f"SELECT {INCOME_COLUMNS} FROM ledger_income"
    params: list[Any] = []
    if income_type is not None:
        sql += " WHERE income_type = ?"
        params.append(income_type)
    sql += " ORDER BY time_ms, income_type, tran_id"
    return [income_from_row(tuple(r)) for r in connection.execute(sql, params)]


def read_marks(connection: sqlite3.Connection) -> dict[str, int]:
    """Every sync mark by name."""
    return {name: int(value) for name, value in
            connection.execute("SELECT name, value FROM ledger_marks")}
