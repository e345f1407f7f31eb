"""The PostgreSQL store on a real server: many managers on one database, each owning the
orders of its prefix by a lease; a live lease refuses a second claim, a lease that ran out
(its process killed) lets the orders be taken over, and every takeover is recorded; a
forced takeover fences the old holder; schema versions as SQLite's; no password shown."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from execution.errors import (
    StoreLockedError,
    StoreUnavailableError,
    StoreVersionError,
    ValidationError,
)
from execution.models import OrderStatus
from execution.orders.adoption import default_prefix
from execution.orders.managed import OrderRole
from execution.store_location import open_store
from execution.store_postgres import SCHEMA_VERSION, PostgresOrderStore
from execution.store_postgres_leases import LeaseLostError

from .backends import make_order, with_prefix

_CRASHER = """
import asyncio, sys
from execution.store_postgres import PostgresOrderStore
from execution.models import Order, OrderSide, OrderType
from execution.orders.managed import ManagedOrder
from decimal import Decimal

async def main() -> None:
    store = PostgresOrderStore(sys.argv[1], lease=float(sys.argv[2]))
    await store.open()
    for n in range(3):
        order = Order("BTCUSDT", OrderSide.BUY, OrderType.LIMIT, Decimal("0.01"),
                      f"dead-{n:032x}", price=Decimal("100"))
        store.save_order(ManagedOrder(order, submitted_at=n + 1))
    await store.flush()
    print("ready", flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


def store(database: str, prefix: str, **options: float) -> PostgresOrderStore:
    return PostgresOrderStore(with_prefix(database, prefix), **options)


async def poll(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    for _ in range(int(seconds * 20)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


async def ids(target: PostgresOrderStore) -> list[str]:
    return [m.client_order_id for m in await target.load_orders()]


def test_the_location_never_shows_the_password() -> None:
    url = ("postgresql://bot:s3cr%40t@db.example:5433/orders?sslmode=require"
           "&password=p4ss&prefix=bot1")
    made = open_store(url)
    assert isinstance(made, PostgresOrderStore)
    assert made.location == "postgresql://bot@db.example:5433/orders?sslmode=require&prefix=bot1"
    for secret in ("s3cr", "p4ss"):
        assert secret not in made.location and secret not in repr(made.location)
    assert open_store("postgres://db/orders").location == "postgresql://db/orders"


@pytest.mark.parametrize("url", [
    "postgresql://db/orders?prefix=has-dash", "postgresql://db/orders?lease=0",
    "postgresql://db/a/b", "postgresql://bot:s3cret@db:port/orders",
])
def test_a_url_the_store_cannot_use_is_refused_without_its_password(url: str) -> None:
    with pytest.raises(ValidationError) as refused:
        open_store(url)
    assert "s3cret" not in str(refused.value)


def test_a_url_names_the_same_default_prefix_from_any_directory(tmp_path: Path) -> None:
    # Before: the URL was taken for a relative path, its prefix followed the directory.
    url = "postgresql://bot@db/orders"
    here = default_prefix(url)
    before = Path.cwd()
    try:
        os.chdir(tmp_path)
        assert default_prefix(url) == here
    finally:
        os.chdir(before)


async def test_two_managers_on_one_database_each_own_their_orders(pg_database: str) -> None:
    first = store(pg_database, "botA", renew_interval=0.1)
    second = store(pg_database, "botB", renew_interval=0.1)
    async with first, second:
        first.save_order(make_order("botA-1"))
        second.save_order(make_order("botB-1"))
        second.save_order(make_order("autoclose-1"))  # both follow one liquidation
        first.save_order(make_order("autoclose-1", role=OrderRole.SINGLE))
        await asyncio.gather(first.flush(), second.flush())
        assert await ids(first) == ["botA-1", "autoclose-1"]
        assert await ids(second) == ["botB-1", "autoclose-1"]
        assert second.live_prefixes() == frozenset({"botA"})  # read at its open
        await poll(lambda: first.live_prefixes() == frozenset({"botB"}))  # at a renewal
        whole = PostgresOrderStore(pg_database)  # a tool: every manager's orders
        assert len(await whole.query_orders()) == 4
    assert await ids(store(pg_database, "botA")) == ["botA-1", "autoclose-1"]


async def test_a_live_lease_blocks_a_second_claim_until_it_is_released(
    pg_database: str,
) -> None:
    holder = store(pg_database, "bot1")
    await holder.open()
    try:
        with pytest.raises(StoreLockedError) as refused:
            await store(pg_database, "bot1").open()
        assert "bot1" in str(refused.value) and holder.holder in str(refused.value)
        with pytest.raises(StoreLockedError):
            async with store(pg_database, "other") as other:
                await other.take_over("bot1", "not dead at all")
    finally:
        await holder.close()
    async with store(pg_database, "bot1") as again:  # a clean close frees it at once
        assert again.reclaimed is None


def _crashed_process(database: str, prefix: str, lease: float) -> None:
    """A process that opens `prefix`'s store, commits three orders and is SIGKILLed."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen(
        [sys.executable, "-c", _CRASHER, with_prefix(database, prefix), str(lease)],
        stdout=subprocess.PIPE, env=env, text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    finally:
        child.kill()
        child.wait()


async def wait_until_expired(target: PostgresOrderStore, prefix: str) -> None:
    for _ in range(600):
        with psycopg.connect(target._conninfo) as connection:
            row = connection.execute(
                "SELECT expires_at <= now() FROM managers WHERE prefix = %s", (prefix,)
            ).fetchone()
        if row is not None and row[0]:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the lease of {prefix} never ran out")


async def test_a_killed_managers_orders_are_taken_over_after_its_lease_ran_out(
    pg_database: str,
) -> None:
    await asyncio.to_thread(_crashed_process, pg_database, "dead", 2.0)
    async with store(pg_database, "heir") as heir:
        await wait_until_expired(heir, "dead")
        taken = await heir.take_over("dead", "host b was killed")
        assert (taken.prefix, taken.by_prefix, taken.orders_moved) == ("dead", "heir", 3)
        assert taken.lease_expired and taken.from_holder is not None
        assert taken.by_holder == heir.holder and taken.reason == "host b was killed"
        assert await ids(heir) == [f"dead-{n:032x}" for n in range(3)]
        assert "dead" in heir.owned_prefixes()
        [recorded] = await heir.takeovers("dead")
        assert recorded == taken
    async with store(pg_database, "dead") as back:  # the prefix is free, its orders moved
        assert await ids(back) == []


async def test_a_restart_after_a_crash_reclaims_its_prefix_once_the_lease_ran_out(
    pg_database: str,
) -> None:
    await asyncio.to_thread(_crashed_process, pg_database, "phoenix", 1.0)
    again = store(pg_database, "phoenix")
    await wait_until_expired(again, "phoenix")
    async with again:
        assert again.reclaimed is not None and again.reclaimed.lease_expired
        assert again.reclaimed.by_holder == again.holder
        assert len(await ids(again)) == 3  # its own orders, as they were
        assert [t.prefix for t in await again.takeovers()] == ["phoenix"]


async def test_a_forced_takeover_fences_the_old_holder(pg_database: str) -> None:
    old = store(pg_database, "old", close_timeout=0.5)
    await old.open()
    try:
        old.save_order(make_order("old-1"))
        await old.flush()
        async with store(pg_database, "new") as new:
            taken = await new.take_over("old", "an operator says it hung", force=True)
            assert not taken.lease_expired and taken.orders_moved == 1
            old.save_order(make_order("old-2"))
            with pytest.raises(StoreUnavailableError) as refused:
                await old.flush()
            assert isinstance(refused.value.__cause__, LeaseLostError)
            assert await ids(new) == ["old-1"]  # nothing written under the old prefix
            assert await ids(store(pg_database, "old")) == []
    finally:
        with pytest.raises(StoreUnavailableError, match="not written"):
            await old.close()  # old-2 can never be written: the close says so


async def test_a_database_of_a_newer_version_is_refused_and_left_as_it_was(
    pg_database: str,
) -> None:
    async with store(pg_database, "v") as current:
        assert current.schema_version == SCHEMA_VERSION and current.migrated_from == 0
    with psycopg.connect(pg_database, autocommit=True) as connection:
        connection.execute("UPDATE store_meta SET value = %s WHERE key = 'schema_version'",
                           (str(SCHEMA_VERSION + 1),))
    for _ in range(2):
        with pytest.raises(StoreVersionError, match="newer") as refused:
            await store(pg_database, "v").open()
        assert refused.value.found == SCHEMA_VERSION + 1
    with psycopg.connect(pg_database) as connection:
        row = connection.execute("SELECT holder FROM managers WHERE prefix = 'v'").fetchone()
    assert row == (None,)  # the refused opens took no lease


async def test_a_manager_prefix_disagreeing_with_the_urls_is_refused(pg_database: str) -> None:
    bound = store(pg_database, "bot1")
    assert bound.bind_prefix(None) == "bot1"
    with pytest.raises(ValidationError, match="bound to the prefix"):
        bound.bind_prefix("bot2")
    free = PostgresOrderStore(pg_database)
    assert free.bind_prefix("bot9") == "bot9" and free.location.endswith("?prefix=bot9")


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://bot:s3cret@db:port/orders", "postgresql://bot:***@db:port/orders"),
    ("postgresql://bot:p@ss/w0rd@db:x/o", "postgresql://bot:***@db:x/o"),
    ("postgresql://db/a/b?password=s3cret&lease=0",
     "postgresql://db/a/b?password=***&lease=0"),
    ("postgresql://bot@db/orders?prefix=a-b", "postgresql://bot@db/orders?prefix=a-b"),
])
def test_a_refused_url_is_shown_without_its_password(url: str, shown: str) -> None:
    with pytest.raises(ValidationError) as refused:
        PostgresOrderStore(url)
    assert refused.value.field in ("store", "client_order_id_prefix")
    if refused.value.field == "store":
        assert refused.value.value == shown


async def test_a_large_batch_goes_in_by_copy_in_order_and_merges_as_an_upsert(
    pg_database: str,
) -> None:
    async with store(pg_database, "bulk") as bulk:
        orders = [make_order(f"bulk-{n}", at=1) for n in range(300)]  # one submission time
        bulk.save_orders(orders)
        await bulk.flush()
        for managed in orders[::2]:
            managed.order.status = OrderStatus.CANCELED
        adopted = make_order("bulk-7", adopted=True, role=OrderRole.SINGLE, tags=())
        bulk.save_orders([*orders, adopted])
        await bulk.flush()
        loaded = await bulk.load_orders()
        assert [m.client_order_id for m in loaded] == [f"bulk-{n}" for n in range(300)]
        assert [m.status for m in loaded[:2]] == [OrderStatus.CANCELED, orders[1].status]
        assert (loaded[7].role, loaded[7].tags, loaded[7].adopted) == (
            OrderRole.STOP_LOSS, ("a", "b"), False)  # the placer's fields kept


async def test_a_server_that_is_not_there_makes_open_unavailable() -> None:
    from execution.store_postgres_cluster import free_port

    nowhere = PostgresOrderStore(f"postgresql://bot:s3cret@127.0.0.1:{free_port()}/x?prefix=n")
    with pytest.raises(StoreUnavailableError, match="cannot be opened") as refused:
        await nowhere.open()
    assert "s3cret" not in str(refused.value)
    with pytest.raises(StoreUnavailableError, match="not open"):
        await nowhere.flush()
    assert "tcp_user_timeout=10000" in nowhere._conninfo
    assert "connect_timeout=2" in PostgresOrderStore(
        "postgresql://db/x?connect_timeout=2")._conninfo  # the URL's own value wins
