"""The ledger's rows in every store (SQLite file, memory, PostgreSQL): one row a trade
and a tranId, a known figure never replaced by an unknown one, marks only moving forward;
an older file migrated to the ledger's tables (PostgreSQL's: test_postgres_ledger.py)."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from execution.ledger import LedgerFill, LedgerIncome, LedgerStorage
from execution.store import SQLiteOrderStore
from execution.store_memory import MemoryOrderStore
from execution.store_migrations import MIGRATIONS, SCHEMA_VERSION, migrate

D = Decimal


def _fill(fee: str | None, *, strategy: str | None = None, trade_id: int = 7) -> LedgerFill:
    return LedgerFill("BTCUSDT", trade_id, "11", "BUY", "BOTH", D("50000.1"), D("0.01"),
                      None if fee is None else D(fee), "USDT" if fee else None, D("0"),
                      1_000, client_order_id="c-1" if strategy else None, strategy=strategy)


@pytest.fixture(params=["sqlite", "memory", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "postgresql":  # skipped, saying why, without a server
        from execution.store_postgres import PostgresOrderStore

        made = PostgresOrderStore(request.getfixturevalue("pg_database") + "?prefix=led")
    else:
        made = (SQLiteOrderStore(tmp_path / "orders.sqlite") if request.param == "sqlite"
                else MemoryOrderStore())
    await made.open()
    yield made
    await made.close()


async def test_a_trade_is_one_row_and_keeps_what_was_known(store: LedgerStorage) -> None:
    assert isinstance(store, LedgerStorage)
    store.record_fills([_fill(None, strategy="s")])  # live: fee not known yet
    await store.flush()
    (only,) = await store.load_fills()
    assert only.commission is None and only.commission_asset is None
    store.record_fills([_fill("0.2500005"), _fill("0.2500005", trade_id=8)])  # a sync
    store.record_fills([_fill(None)])  # learnt again without the fee: nothing lost
    await store.flush()
    first, second = await store.load_fills()
    assert first.commission == D("0.2500005") and first.commission_asset == "USDT"
    assert first.strategy == "s" and first.client_order_id == "c-1"
    assert second.trade_id == 8 and second.price == D("50000.1")


async def test_income_is_one_row_a_type_and_tranid_and_marks_only_move_on(
    store: LedgerStorage,
) -> None:
    funding = LedgerIncome("FUNDING_FEE", "5", "BTCUSDT", D("-0.05"), "USDT", 2_000)
    commission = LedgerIncome("COMMISSION", "5", "BTCUSDT", D("-0.25"), "USDT", 1_000, "7")
    store.record_income([funding, commission])
    store.record_income([funding])
    store.record_mark("income", 5_000)
    store.record_mark("income", 4_000)
    await store.flush()
    assert await store.load_income() == [commission, funding]
    assert await store.load_income("FUNDING_FEE") == [funding]
    assert await store.load_marks() == {"income": 5_000}


async def test_a_file_of_version_one_gets_the_ledger_tables(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as connection:
        migrate(connection, path, MIGRATIONS[:1])
    assert await SQLiteOrderStore(path).load_fills() == []  # read before the migration
    async with SQLiteOrderStore(path) as store:
        assert store.migrated_from == 1 and store.schema_version == SCHEMA_VERSION
        store.record_fills([_fill("0.1")])
        await store.flush()
    assert [f.trade_id for f in await SQLiteOrderStore(path).load_fills()] == [7]
