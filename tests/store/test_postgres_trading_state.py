"""The trading state in the PostgreSQL store: a manager's own state, and the desk's that
every manager of the database starts in (a HALTED one recorded by any manager halts the
desk; resuming the desk resumes every manager); an unreadable record or an unreachable
database at start is HALTED; the engine a manager builds on the store keeps its state."""

from __future__ import annotations

import psycopg

from execution.orders.risk_setup import risk_engine_for
from execution.risk import TradingState
from execution.risk.state_file import SavedTradingState, TradingStateKeeper
from execution.store_postgres import PostgresOrderStore
from execution.store_postgres_state import DESK
from execution.timekeeping import SYSTEM_CLOCK

from .backends import with_prefix

ACTIVE, REDUCING, HALTED = TradingState.ACTIVE, TradingState.REDUCING, TradingState.HALTED


def keeper(url: str) -> TradingStateKeeper:
    return PostgresOrderStore(url).trading_state_keeper()


async def test_own_states_are_a_managers_and_a_halt_is_the_desks(pg_database: str) -> None:
    async with PostgresOrderStore(pg_database + "?prefix=tsA"):
        pass  # the schema
    a, b = keeper(with_prefix(pg_database, "tsA")), keeper(with_prefix(pg_database, "tsB"))
    assert isinstance(a, TradingStateKeeper)
    assert await a.load() is None and await b.load() is None
    a.save_soon(SavedTradingState(REDUCING, "loss limit", 1))
    await a.flush()
    assert (await a.load()).state is REDUCING  # type: ignore[union-attr]
    assert await b.load() is None  # REDUCING is a's own
    a.save_soon(SavedTradingState(HALTED, "panic", 2))
    await a.flush()
    seen = await b.load()
    assert seen is not None and seen.state is HALTED and "panic (halted by tsA)" in seen.reason
    b.save_soon(SavedTradingState(HALTED, "panic", 3))  # a second halt keeps the first's reason
    await b.flush()
    desk = await keeper(pg_database).load()
    assert desk is not None and desk.reason == "panic (halted by tsA)"
    desk_keeper = keeper(pg_database)
    desk_keeper.save_soon(SavedTradingState(ACTIVE, "reviewed", 4))  # the operator resumes
    await desk_keeper.flush()
    for resumed in (a, b):
        state = await resumed.load()
        assert state is not None and state.state is ACTIVE and state.reason == "reviewed"


async def test_an_unreadable_state_or_database_is_halted(pg_database: str) -> None:
    async with PostgresOrderStore(pg_database + "?prefix=tsC"):
        pass
    with psycopg.connect(pg_database, autocommit=True) as connection:
        connection.execute("INSERT INTO trading_state (prefix, state, reason, set_at_ms) "
                           "VALUES ('tsC', 'BOGUS', '', 0)")
    state = await keeper(with_prefix(pg_database, "tsC")).load()
    assert state is not None and state.state is HALTED and "BOGUS" in state.reason
    gone = await keeper("postgresql://postgres@127.0.0.1:1/nothing?prefix=tsC").load()
    assert gone is not None and gone.state is HALTED and "cannot be read" in gone.reason
    unwritable = keeper("postgresql://postgres@127.0.0.1:1/nothing?prefix=tsC")
    unwritable.save_soon(SavedTradingState(HALTED, "panic", 1))
    try:
        await unwritable.flush()
    except OSError as exc:
        assert "cannot be written" in str(exc) and "postgresql://" in str(exc)
    else:
        raise AssertionError("an unreachable database took the state")


async def test_the_engine_built_on_the_store_keeps_its_state_there(pg_database: str) -> None:
    url = with_prefix(pg_database, "tsD")
    async with PostgresOrderStore(url) as store:
        engine = risk_engine_for(None, SYSTEM_CLOCK, store)
        assert engine.state_file is not None
        engine.set_state(HALTED, "panic")
        await engine.flush_state()
    async with PostgresOrderStore(with_prefix(pg_database, "tsE")) as other:
        again = risk_engine_for(None, SYSTEM_CLOCK, other)
        await again.restore()
        assert again.state is HALTED and "tsD" in again.state_reason
    rows = await PostgresOrderStore(pg_database).trading_state_keeper().load()
    assert rows is not None and rows.state is HALTED
    assert DESK == "*"
