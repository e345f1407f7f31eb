"""The account ledger in the PostgreSQL store: a database of the previous version gets the
ledger's tables (its orders kept); every manager on the database shares the account's
ledger, a trade one row and a tranId one however many managers record it, marks only
forward; writers recording the same trades at once do not deadlock."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import psycopg

from execution.ledger import LedgerFill, LedgerIncome
from execution.store_codec import order_row
from execution.store_postgres import SCHEMA_VERSION, PostgresOrderStore
from execution.store_postgres_schema import MIGRATIONS, migrate, upsert_orders

from .backends import make_order, with_prefix

D = Decimal


def fill(trade_id: int, fee: str | None = None, strategy: str | None = None) -> LedgerFill:
    return LedgerFill("BTCUSDT", trade_id, "11", "BUY", "BOTH", D("50000.1"), D("0.01"),
                      None if fee is None else D(fee), "USDT" if fee else None, None,
                      1_000 + trade_id, client_order_id="c-1" if strategy else None,
                      strategy=strategy)


async def test_a_database_of_the_previous_version_gets_the_ledger(pg_database: str) -> None:
    with psycopg.connect(pg_database, autocommit=True) as connection:
        migrate(connection, "old", MIGRATIONS[:1])  # a database of version 1, an order in it
        upsert_orders(connection, "old", [order_row(make_order("old-1"))])
    reader = PostgresOrderStore(pg_database)  # a tool reads it before it is migrated
    assert await reader.load_fills() == [] and await reader.load_marks() == {}
    assert await reader.trading_state_keeper().load() is None
    async with PostgresOrderStore(with_prefix(pg_database, "old")) as store:
        assert store.migrated_from == 1 and store.schema_version == SCHEMA_VERSION
        assert [m.client_order_id for m in await store.load_orders()] == ["old-1"]
        store.record_fills([fill(7, "0.1")])
        store.record_mark("income", 5)
        await store.flush()
    assert [f.trade_id for f in await reader.load_fills()] == [7]
    assert await reader.load_marks() == {"income": 5}


async def test_managers_on_one_database_share_the_accounts_ledger(pg_database: str) -> None:
    funding = LedgerIncome("FUNDING_FEE", "5", "BTCUSDT", D("-0.05"), "USDT", 2_000)
    async with PostgresOrderStore(with_prefix(pg_database, "bA")) as a, \
            PostgresOrderStore(with_prefix(pg_database, "bB")) as b:
        a.record_fills([fill(7, strategy="a")])  # a's stream: the fee not known yet
        a.record_income([funding])
        a.record_mark("trades:BTCUSDT", 5_000)
        await a.flush()
        b.record_fills([fill(7, "0.25"), fill(8, "0.5")])  # b's sync of the account
        b.record_fills([fill(7)])  # heard again without the fee: nothing lost
        b.record_income([funding])
        b.record_mark("trades:BTCUSDT", 4_000)  # an earlier mark does not move it back
        await b.flush()
        for store in (a, b, PostgresOrderStore(pg_database)):
            first, second = await store.load_fills()
            assert (first.trade_id, first.commission, first.strategy) == (7, D("0.25"), "a")
            assert first.client_order_id == "c-1" and second.trade_id == 8
            assert await store.load_income() == [funding]
            assert await store.load_marks() == {"trades:BTCUSDT": 5_000}


async def test_writers_recording_the_same_trades_at_once_both_commit(pg_database: str) -> None:
    trades = range(1, 301)
    async with PostgresOrderStore(with_prefix(pg_database, "wA")) as a, \
            PostgresOrderStore(with_prefix(pg_database, "wB")) as b:
        for _ in range(3):
            a.record_fills(fill(t, "0.1") for t in trades)
            b.record_fills(fill(t, strategy="b") for t in reversed(trades))
            await asyncio.wait_for(asyncio.gather(a.flush(), b.flush()), 120)
        assert a.healthy and b.healthy and a.last_error is None and b.last_error is None
        held = await a.load_fills()
    assert [f.trade_id for f in held] == list(trades)
    assert {f.commission for f in held} == {D("0.1")}
