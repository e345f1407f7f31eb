"""The store implementations the contract suite runs against, each opened by its URL.

A new implementation (PostgreSQL, say) adds one `Backend` to `BACKENDS`: how to make a
fresh store, and how to see the same storage anew after it was closed (a restart)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from execution.models import Order, OrderSide, OrderType, TimeInForce
from execution.orders.managed import ManagedOrder, OrderRole
from execution.store_interface import OrderStorage
from execution.store_location import open_store
from execution.store_migrations import SCHEMA_VERSION


@dataclass(frozen=True)
class Backend:
    """`make(tmp_path)`: a fresh store (not opened); `reopen(store)`: the same storage as a
    restarted process would find it (the store is closed first)."""

    name: str
    make: Callable[[Path], OrderStorage]
    reopen: Callable[[OrderStorage], OrderStorage]
    schema_version: int = SCHEMA_VERSION  # the version an open store is at


BACKENDS = [
    Backend(
        "sqlite-file",
        lambda tmp_path: open_store(f"sqlite:///{tmp_path / 'orders.sqlite'}"),
        lambda store: open_store(f"sqlite:///{store.location}"),
    ),
    # Memory keeps what it holds for the object's lifetime: a reopen is the same object.
    Backend("memory", lambda tmp_path: open_store("memory://"), lambda store: store),
]
POSTGRES = "postgresql"  # needs a server: made by `postgres_backend` (conftest)


def with_prefix(database_url: str, prefix: str) -> str:
    """The store URL of `prefix`'s manager on the database of `database_url`."""
    return database_url + ("&" if "?" in database_url else "?") + f"prefix={prefix}"


def postgres_backend(database_url: str) -> Backend:
    """The PostgreSQL store on the database of `database_url`: a store a directory (its
    prefix from the path), reopened by its URL (its location has no password)."""

    def make(tmp_path: Path) -> OrderStorage:
        prefix = "t" + hashlib.sha256(str(tmp_path).encode()).hexdigest()[:10]
        return open_store(with_prefix(database_url, prefix))

    def reopen(store: OrderStorage) -> OrderStorage:
        prefix = store.location.rsplit("prefix=", 1)[1]
        return open_store(with_prefix(database_url, prefix))

    from execution.store_postgres_schema import SCHEMA_VERSION as POSTGRES_VERSION

    return Backend(POSTGRES, make, reopen, POSTGRES_VERSION)


def make_order(
    client_order_id: str,
    *,
    at: int = 1000,
    adopted: bool = False,
    role: OrderRole = OrderRole.STOP_LOSS,
    tags: tuple[str, ...] = ("a", "b"),
) -> ManagedOrder:
    """A limit order with every field a store keeps set to something telling."""
    order = Order(
        "BTCUSDT",
        OrderSide.BUY,
        OrderType.LIMIT,
        Decimal("0.123"),
        client_order_id,
        price=Decimal("50000.10"),
        time_in_force=TimeInForce.GTC,
    )
    return ManagedOrder(
        order,
        strategy_name="s1",
        tags=tags,
        parent_order_id="p1",
        role=role,
        submitted_at=at,
        attributes={"k": "v"},
        adopted=adopted,
    )
