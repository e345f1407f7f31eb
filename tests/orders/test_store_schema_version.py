"""The store's schema version: a new file gets the current one, a file from before
versioning is taken up as version 1, a file from a newer package is refused; stores are
chosen by URL or path."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from execution.errors import ConfigurationError, StoreUnavailableError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide
from execution.orders.manager import OrderManager
from execution.store import SCHEMA_VERSION, OrderStore
from execution.store_location import open_store
from execution.store_schema import SCHEMA


def version_of(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("PRAGMA user_version").fetchone()[0])


async def test_a_new_store_has_the_current_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    async with OrderStore(path) as store:
        assert store.migrated_from == 0
    assert version_of(path) == SCHEMA_VERSION >= 1


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


async def test_a_store_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreUnavailableError, match="newer"):
        await OrderStore(path).open()


def test_stores_are_chosen_by_url_or_path(tmp_path: Path) -> None:
    absolute = tmp_path / "a.sqlite"
    assert open_store(f"sqlite:///{absolute}").path == absolute  # sqlite:////abs/path
    assert open_store("sqlite:///relative.sqlite").path == Path("relative.sqlite")
    assert open_store(str(absolute)).path == absolute
    assert open_store(absolute).path == absolute
    for refused in ("postgresql://db/orders", "sqlite:///", "sqlite:///:memory:"):
        with pytest.raises(ConfigurationError):
            open_store(refused)
