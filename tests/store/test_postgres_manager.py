"""The order manager on a PostgreSQL store, against the simulator: it places orders, keeps
them over a restart, never adopts another live manager's orders on the database; and a
killed server makes the store unavailable, then it catches up with nothing lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal

import pytest
import pytest_asyncio

from execution.auth import HmacCredentials
from execution.errors import StoreUnavailableError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus, OrderType, TimeInForce
from execution.orders.adoption import Origin, origin_of
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange
from execution.store_postgres import PostgresOrderStore
from execution.store_postgres_cluster import PostgresCluster, unavailable, wait_until_up

from .backends import make_order, with_prefix

D = Decimal
BTC = "BTCUSDT"


async def poll(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    for _ in range(int(seconds * 20)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


@pytest_asyncio.fixture
async def exchange(simulator: SimulatedExchange) -> AsyncIterator[AsterDEXExchange]:
    credentials = HmacCredentials(simulator.account.api_key, simulator.account.api_secret)
    async with AsterDEXExchange(credentials, rest_urls=[simulator.rest_url],
                                ws_url=simulator.ws_url, dotenv_path=None) as client:
        yield client


async def test_the_manager_places_orders_and_a_restart_keeps_them(
    exchange: AsterDEXExchange, pg_database: str
) -> None:
    url = with_prefix(pg_database, "mgr1")
    async with OrderManager(exchange, url, poll_interval=0.1) as manager:
        assert manager.client_order_id_prefix == "mgr1"
        resting = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("40000"),
                                                  strategy_name="pg")
        filled = await manager.place_market_order(BTC, OrderSide.BUY, D("0.01"))
        await poll(lambda: filled.status is OrderStatus.FILLED)
        assert resting.client_order_id.startswith("mgr1-")
    async with OrderManager(exchange, url, poll_interval=0.1) as again:
        kept = {m.client_order_id: m for m in again.orders}
        assert set(kept) == {resting.client_order_id, filled.client_order_id}
        assert kept[resting.client_order_id].strategy_name == "pg"
        assert kept[resting.client_order_id].order.price == D("40000")
        assert kept[filled.client_order_id].status is OrderStatus.FILLED
        assert kept[resting.client_order_id].events  # the open one's trail came back
        report = again.last_reconciliation
        assert report is not None and report.adopted == []


async def test_adoption_skips_the_orders_of_another_live_manager_on_the_database(
    exchange: AsterDEXExchange, pg_database: str
) -> None:
    first = OrderManager(exchange, with_prefix(pg_database, "alive"), poll_interval=0.1)
    await first.start()
    try:
        theirs = await first.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("41000"))
        # The exchange's id format, but not a manager's hex: "unprefixed" would take it.
        await exchange.create_order(BTC, OrderSide.BUY, OrderType.LIMIT, D("0.01"),
                                    price=D("39000"), time_in_force=TimeInForce.GTC,
                                    client_order_id="alive-by-hand")
        async with OrderManager(exchange, with_prefix(pg_database, "other"), adopt="all",
                                poll_interval=0.1) as second:
            report = second.last_reconciliation
            assert report is not None
            assert theirs.client_order_id not in report.adopted
            assert sorted(report.foreign) == sorted([theirs.client_order_id, "alive-by-hand"])
            assert second.get_order(theirs.client_order_id) is None
            assert isinstance(second.store, PostgresOrderStore)
            assert origin_of("alive-x", "other", second.store) is Origin.LIVE
    finally:
        await first.stop()
    # Once its manager is gone (the lease given up), "all" takes its orders again.
    async with OrderManager(exchange, with_prefix(pg_database, "other"), adopt="all",
                            poll_interval=0.1) as third:
        report = third.last_reconciliation
        assert report is not None and theirs.client_order_id in report.adopted


@pytest.fixture
def own_cluster() -> Iterator[PostgresCluster]:
    """A server of this test's own, to be killed."""
    why = unavailable()
    if why is not None:
        pytest.skip(f"needs a server of its own to kill: {why}")
    cluster = PostgresCluster()
    try:
        cluster.start()
    except Exception as exc:
        cluster.destroy()
        pytest.skip(f"the throwaway server did not start: {exc}")
    yield cluster
    cluster.destroy()


async def test_a_killed_server_makes_the_store_unavailable_then_nothing_is_lost(
    own_cluster: PostgresCluster,
) -> None:
    database = own_cluster.create_database("faults")
    url = with_prefix(database, "survivor")
    store = PostgresOrderStore(url)
    health: list[bool] = []
    store.add_health_listener(lambda healthy, error: health.append(healthy))
    await store.open()
    try:
        store.save_order(make_order("survivor-1", at=1))
        await store.flush()
        await asyncio.to_thread(own_cluster.stop, "immediate")  # a crash of the server
        store.save_order(make_order("survivor-2", at=2))
        with pytest.raises(StoreUnavailableError, match="kept and retried"):
            await store.flush()
        await poll(lambda: health == [False])
        assert not store.healthy
        store.save_order(make_order("survivor-3", at=3))  # queued while it is down
        await asyncio.to_thread(own_cluster.start)
        await wait_until_up(database)
        for _ in range(600):
            try:
                await store.flush()
                break
            except StoreUnavailableError:
                await asyncio.sleep(0.1)
        await poll(lambda: health == [False, True])
        assert store.healthy
    finally:
        await store.close()
    async with PostgresOrderStore(url) as again:
        loaded = [m.client_order_id for m in await again.load_orders()]
        assert loaded == ["survivor-1", "survivor-2", "survivor-3"]


async def test_a_taken_over_prefix_counts_as_the_managers_own(
    exchange: AsterDEXExchange, pg_database: str
) -> None:
    hung = PostgresOrderStore(with_prefix(pg_database, "hung"), close_timeout=0.5)
    await hung.open()  # a process that froze: its lease is live
    lost = "hung-" + "ab" * 15  # an order of it the store never recorded
    await exchange.create_order(BTC, OrderSide.BUY, OrderType.LIMIT, D("0.01"),
                                price=D("38000"), time_in_force=TimeInForce.GTC,
                                client_order_id=lost)
    heir = PostgresOrderStore(with_prefix(pg_database, "heir"))
    await heir.open()
    taken = await heir.take_over("hung", "frozen for an hour", force=True)
    assert not taken.lease_expired
    async with OrderManager(exchange, heir, poll_interval=0.1) as manager:
        report = manager.last_reconciliation
        assert report is not None and lost in report.adopted  # own: the default adopts it
    await heir.close()
    with pytest.raises(StoreUnavailableError):  # fenced: nothing to write, but the lease
        hung.save_order(make_order("hung-1"))  # is gone and what it queues never lands
        await hung.flush()
    with pytest.raises(StoreUnavailableError):
        await hung.close()


async def test_the_manager_takes_its_prefix_from_a_shared_store(
    exchange: AsterDEXExchange, pg_database: str
) -> None:
    from execution.errors import ValidationError

    with pytest.raises(ValidationError, match="bound to the prefix"):
        OrderManager(exchange, with_prefix(pg_database, "named"),
                     client_order_id_prefix="other")
    unnamed = OrderManager(exchange, pg_database, client_order_id_prefix="given")
    assert unnamed.store is not None and unnamed.store.location.endswith("?prefix=given")
    derived = OrderManager(exchange, pg_database)  # none anywhere: one from the database
    assert isinstance(derived.store, PostgresOrderStore)
    assert derived.client_order_id_prefix == derived.store.prefix
    again = OrderManager(exchange, pg_database).store
    assert isinstance(again, PostgresOrderStore)
    assert again.prefix == derived.client_order_id_prefix  # the same after a restart


async def test_a_panic_halts_every_manager_of_the_database_at_its_next_start(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, pg_database: str
) -> None:
    from execution.risk import RiskDeniedError, TradingState

    simulator.set_price(BTC, D("50000"))
    async with OrderManager(exchange, with_prefix(pg_database, "pan1")) as manager:
        await manager.place_market_order(BTC, OrderSide.BUY, D("0.01"))
        report = await manager.panic()
        assert report.flat and not report.errors, report.summary()
    for prefix in ("pan1", "pan2"):  # itself, and another manager of the desk
        async with OrderManager(exchange, with_prefix(pg_database, prefix)) as restarted:
            assert restarted.risk.state is TradingState.HALTED
            assert "panic" in restarted.risk.state_reason
            with pytest.raises(RiskDeniedError):
                await restarted.place_market_order(BTC, OrderSide.BUY, D("0.001"))


async def test_the_managers_fills_go_to_the_accounts_ledger_in_the_database(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, pg_database: str
) -> None:
    simulator.set_price(BTC, D("50000"))
    async with OrderManager(exchange, with_prefix(pg_database, "led1")) as manager:
        filled = await manager.place_market_order(BTC, OrderSide.BUY, D("0.01"),
                                                  strategy_name="pgled")
        await poll(lambda: filled.status is OrderStatus.FILLED)
        store = manager.store
        assert isinstance(store, PostgresOrderStore)

        async def recorded() -> bool:
            await store.flush()
            return bool(await store.load_fills())

        for _ in range(600):
            if await recorded():
                break
            await asyncio.sleep(0.05)
    (fill,) = await PostgresOrderStore(pg_database).load_fills(BTC)  # any reader sees it
    assert fill.client_order_id == filled.client_order_id and fill.strategy == "pgled"
    assert fill.quantity == D("0.01") and fill.side == "BUY"
