"""`open_store`: a store chosen by URL scheme through the registry, a path as a SQLite
file, and every URL it cannot use refused with a ValidationError that shows no password."""

from __future__ import annotations

from pathlib import Path

import pytest

from execution.errors import ValidationError
from execution.store import OrderStore, SQLiteOrderStore
from execution.store_interface import OrderStorage
from execution.store_location import (
    known_schemes,
    open_store,
    redact_url,
    register_store_scheme,
)
from execution.store_memory import MemoryOrderStore


def sqlite_file(target: str | Path) -> Path:
    store = open_store(target)
    assert isinstance(store, SQLiteOrderStore)
    return store.path


def test_sqlite_stores_are_named_by_url_or_path(tmp_path: Path) -> None:
    absolute = tmp_path / "a.sqlite"
    assert sqlite_file(f"sqlite:///{absolute}") == absolute  # sqlite:////abs/path
    assert sqlite_file("sqlite:///relative.sqlite") == Path("relative.sqlite")
    assert sqlite_file("SQLite:///relative.sqlite") == Path("relative.sqlite")
    assert sqlite_file(str(absolute)) == absolute
    assert sqlite_file(absolute) == absolute
    assert sqlite_file("orders.sqlite") == Path("orders.sqlite")


def test_the_old_name_is_the_sqlite_store() -> None:
    assert OrderStore is SQLiteOrderStore
    assert isinstance(OrderStore("x.sqlite"), OrderStorage)


def test_memory_stores_are_named_by_url() -> None:
    store = open_store("memory://")
    assert isinstance(store, MemoryOrderStore)
    assert store.location.startswith("memory://")
    assert open_store("memory://").location != store.location  # each is its own
    assert open_store("memory://paper").location == "memory://paper"


def test_a_store_object_is_used_as_it_is(tmp_path: Path) -> None:
    for store in (SQLiteOrderStore(tmp_path / "o.sqlite"), MemoryOrderStore()):
        assert open_store(store) is store


def refusal(target: object) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        open_store(target)  # type: ignore[arg-type]
    assert refused.value.field == "store"
    return refused.value


@pytest.mark.parametrize("url", [
    "cockroachdb://db/orders", "redis://localhost/0", "mysql+pymysql://db/orders",
])
def test_an_unknown_scheme_is_refused_naming_the_known_ones(url: str) -> None:
    error = refusal(url)
    assert error.value == url
    assert "memory://, postgres://, postgresql://, sqlite://" in error.rule
    assert url.split(":")[0] in error.rule


@pytest.mark.parametrize("url", [
    "sqlite:///", "sqlite:///dir/", "sqlite://host/orders.sqlite", "sqlite://orders.sqlite",
    "sqlite:///:memory:", "sqlite://:memory:", "memory://a/b", "://orders", "", "   ",
    "1sqlite://orders",
])
def test_a_malformed_url_is_refused(url: str) -> None:
    error = refusal(url)
    assert error.value == url
    assert error.rule


def test_something_that_is_no_store_is_refused() -> None:
    assert refusal(42).value == "int"


@pytest.mark.parametrize(("url", "secret"), [
    ("mysql://bot:s3cret@db:5432/orders", "s3cret"),
    ("mysql://bot:p@ss/w0rd@db/orders", "ss/w0rd"),  # unencoded @ and / in it
    ("mysql://db/orders?user=bot&password=s3cret", "s3cret"),
    ("sqlite://bot:s3cret@host/orders.sqlite", "s3cret"),
])
def test_a_password_never_shows_in_the_error(url: str, secret: str) -> None:
    error = refusal(url)
    assert secret not in str(error) and secret not in repr(error.value)
    assert "***" in error.value


def test_redaction_leaves_urls_without_a_password_alone() -> None:
    for url in ("postgresql://bot@db/orders", "sqlite:///orders.sqlite", "memory://paper"):
        assert redact_url(url) == url
    assert redact_url("pg://bot:pw@db/o?sslmode=require&token=t0k") == (
        "pg://bot:***@db/o?sslmode=require&token=***"
    )


def test_another_database_is_one_registration_away() -> None:
    made: list[str] = []

    def factory(url: str) -> OrderStorage:
        made.append(url)
        return MemoryOrderStore("from-" + url.split("://", 1)[1])

    register_store_scheme("testdb", factory)
    try:
        assert "testdb" in known_schemes()
        store = open_store("TESTDB://orders")
        assert isinstance(store, OrderStorage) and made == ["TESTDB://orders"]
        assert "testdb://" in refusal("nosuch://x").rule
    finally:
        from execution import store_location

        store_location._FACTORIES.pop("testdb")
    with pytest.raises(ValueError, match="not a URL scheme"):
        register_store_scheme("no scheme", factory)
