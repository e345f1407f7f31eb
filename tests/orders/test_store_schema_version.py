"""The store's schema version through the order manager: a file from before versioning is
taken up as version 1 with its orders. The store's own migration tests are in
tests/store/test_store_migrations.py, its URLs in tests/store/test_store_location.py."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from execution.errors import StoreVersionError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide
from execution.orders.manager import OrderManager
from execution.store import SCHEMA_VERSION
from execution.store_schema import SCHEMA


def version_of(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("PRAGMA user_version").fetchone()[0])


async def test_a_store_from_before_versioning_keeps_its_orders(
    tmp_path: Path, exchange: AsterDEXExchange
) -> None:
    path = tmp_path / "old.sqlite"
    async with OrderManager(exchange, path) as manager:
        placed = await manager.place_limit_order("BTCUSDT", OrderSide.BUY, "0.01", "40000")
    with sqlite3.connect(path) as connection:  # what a file written before versioning is
        connection.execute("PRAGMA user_version = 0")
        connection.executescript(SCHEMA)
    async with OrderManager(exchange, path) as again:
        assert again.store is not None and again.store.migrated_from == 0
        known = again.get_order(placed.client_order_id)
        assert known is not None and known.order.price == placed.order.price
    assert version_of(path) == SCHEMA_VERSION


async def test_a_manager_refuses_a_store_from_a_newer_version(
    tmp_path: Path, exchange: AsterDEXExchange
) -> None:
    path = tmp_path / "newer.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    manager = OrderManager(exchange, f"sqlite:///{path}")
    with pytest.raises(StoreVersionError, match="newer"):
        await manager.start()
    assert version_of(path) == SCHEMA_VERSION + 1
    await manager.stop()  # never started: nothing to do
