"""The SQLite order store's schema version and the steps that bring an older file up to it.

SQLite's `PRAGMA user_version` holds the version a file is at. `MIGRATIONS` is the list of
steps, one a version: `Migration(version=n, ...)` takes a file from version n - 1 to n.
Opening a file runs every step above its version, in order, in one transaction, then
records the new version; a file written by a newer version of this package is refused with
`StoreVersionError` (its layout is unknown here) rather than misread. Version 0 is a file
from before versioning (or a new, empty one): its tables, if any, have version 1's layout,
which `CREATE TABLE IF NOT EXISTS` leaves as they are.

Add a step by appending a `Migration` with the next version: never edit one that has
shipped (files out there are already past it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from execution.errors import StoreVersionError
from execution.store_schema import LEDGER_SCHEMA, SCHEMA

Step = Callable[[sqlite3.Connection], None]


@dataclass(frozen=True, slots=True)
class Migration:
    """One step: `apply` takes a file at `version - 1` to `version` (inside the
    transaction `migrate` opens: it must not commit)."""

    version: int
    description: str
    apply: Step


def _run_script(connection: sqlite3.Connection, script: str) -> None:
    # executescript would COMMIT first and run outside the migration's transaction.
    for statement in script.split(";"):
        if statement.strip():
            connection.execute(statement)


def _create_tables(connection: sqlite3.Connection) -> None:
    _run_script(connection, SCHEMA)


def _create_ledger(connection: sqlite3.Connection) -> None:
    _run_script(connection, LEDGER_SCHEMA)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "orders and events tables, their indexes", _create_tables),
    Migration(2, "the account ledger: fills, income, sync marks", _create_ledger),
)


def check_migrations(migrations: Sequence[Migration]) -> int:
    """The version `migrations` lead to; ValueError unless they are numbered 1, 2, 3, ..."""
    for expected, migration in enumerate(migrations, start=1):
        if migration.version != expected:
            raise ValueError(
                f"migration {migration.description!r} has version {migration.version}, "
                f"expected {expected}: versions are consecutive from 1"
            )
    return len(migrations)


SCHEMA_VERSION = check_migrations(MIGRATIONS)


def schema_version(connection: sqlite3.Connection) -> int:
    """The version the file of `connection` is at (0: before versioning, or new)."""
    row = connection.execute("PRAGMA user_version").fetchone()
    return int(row[0]) if row else 0


def migrate(
    connection: sqlite3.Connection,
    location: object,
    migrations: Sequence[Migration] = MIGRATIONS,
) -> int:
    """Bring the file to the last version of `migrations` (in one transaction: a step that
    fails leaves the file as it was); returns the version it was at. A file at a newer
    version raises `StoreVersionError` naming `location` and changes nothing."""
    target = check_migrations(migrations)
    found = schema_version(connection)
    if found > target:
        raise StoreVersionError(str(location), found, target)
    if found == target:
        return found
    with connection:
        connection.execute("BEGIN IMMEDIATE")
        for migration in migrations[found:]:
            migration.apply(connection)
        connection.execute(f"PRAGMA user_version = {target}")
    return found
