"""The SQLite store's schema versions: a file at every older version is brought up to the
current one (its orders kept), a file from a newer version is refused and left untouched,
and the steps run in order, above the file's version only, all or none."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from execution.errors import StoreVersionError
from execution.store import SQLiteOrderStore
from execution.store_migrations import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Migration,
    check_migrations,
    migrate,
)

from .backends import make_order


def version_of(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("PRAGMA user_version").fetchone()[0])


def layout_of(path: Path) -> set[tuple[str, str, str]]:
    """Every table and index with its SQL: what a file's schema is."""
    connection = sqlite3.connect(path)
    try:
        return set(connection.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        ))
    finally:
        connection.close()


def file_at_version(path: Path, version: int) -> None:
    """A file as this package wrote it when `version` was current."""
    connection = sqlite3.connect(path)
    try:
        with connection:
            for migration in MIGRATIONS[:version]:
                migration.apply(connection)
            connection.execute(f"PRAGMA user_version = {version}")
    finally:
        connection.close()


async def current_layout(tmp_path: Path) -> set[tuple[str, str, str]]:
    fresh = tmp_path / "fresh.sqlite"
    async with SQLiteOrderStore(fresh):
        pass
    return layout_of(fresh)


@pytest.mark.parametrize("version", range(SCHEMA_VERSION))
async def test_a_file_at_every_older_version_migrates_to_the_current_one(
    tmp_path: Path, version: int
) -> None:
    path = tmp_path / f"v{version}.sqlite"
    file_at_version(path, version)
    async with SQLiteOrderStore(path) as store:
        assert store.migrated_from == version
        assert store.schema_version == SCHEMA_VERSION
        store.save_order(make_order("after"))
        await store.flush()
        assert [m.client_order_id for m in await store.load_orders()] == ["after"]
    assert version_of(path) == SCHEMA_VERSION
    assert layout_of(path) == await current_layout(tmp_path)


async def test_a_file_from_a_newer_version_is_refused_and_left_as_it_was(
    tmp_path: Path,
) -> None:
    path = tmp_path / "newer.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE orders_v9 (anything TEXT)")
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = layout_of(path)
    for _ in range(2):  # refused each time, and the lock is not left held
        with pytest.raises(StoreVersionError, match="newer") as refused:
            await SQLiteOrderStore(path).open()
        assert (refused.value.found, refused.value.supported) == (
            SCHEMA_VERSION + 1, SCHEMA_VERSION,
        )
        assert refused.value.location == str(path)
    assert version_of(path) == SCHEMA_VERSION + 1
    assert layout_of(path) == before


def recording(calls: list[int], version: int, *, fails: bool = False) -> Migration:
    def apply(connection: sqlite3.Connection) -> None:
        connection.execute(f"CREATE TABLE step{version} (x INTEGER)")
        calls.append(version)
        if fails:
            raise sqlite3.OperationalError(f"step {version} failed")

    return Migration(version, f"step {version}", apply)


def test_steps_run_in_order_from_the_files_version(tmp_path: Path) -> None:
    calls: list[int] = []
    steps = [recording(calls, n) for n in (1, 2, 3)]
    connection = sqlite3.connect(tmp_path / "chain.sqlite")
    try:
        connection.execute("PRAGMA user_version = 1")
        assert migrate(connection, "chain", steps) == 1
        assert calls == [2, 3]
        assert migrate(connection, "chain", steps) == 3  # at the last version: nothing runs
        assert calls == [2, 3]
    finally:
        connection.close()
    assert version_of(tmp_path / "chain.sqlite") == 3


def test_a_failing_step_leaves_the_file_at_its_version_with_nothing_half_done(
    tmp_path: Path,
) -> None:
    path = tmp_path / "chain.sqlite"
    calls: list[int] = []
    steps = [recording(calls, 1), recording(calls, 2, fails=True)]
    connection = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.OperationalError, match="step 2"):
            migrate(connection, "chain", steps)
    finally:
        connection.close()
    assert calls == [1, 2]
    assert version_of(path) == 0
    assert layout_of(path) == set()  # step 1's table went with the failed transaction


def test_the_shipped_steps_are_numbered_from_one_without_gaps() -> None:
    assert check_migrations(MIGRATIONS) == SCHEMA_VERSION == MIGRATIONS[-1].version
    calls: list[int] = []
    with pytest.raises(ValueError, match="consecutive"):
        check_migrations([recording(calls, 1), recording(calls, 3)])
