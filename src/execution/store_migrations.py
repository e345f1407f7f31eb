"""The order store's schema version and the steps that bring an older file up to it.

SQLite's `PRAGMA user_version` holds the version a file is at. Opening a file runs every
step above its version, in order, in one transaction, then records the new version; a file
written by a newer version of this package is refused (its layout is unknown here) rather
than misread. Version 0 is a file from before versioning (or a new, empty one): its tables,
if any, have version 1's layout, which `CREATE TABLE IF NOT EXISTS` leaves as they are.
Add a step by appending to `STEPS`: never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from execution.errors import StoreUnavailableError
from execution.store_schema import SCHEMA

Step = Callable[[sqlite3.Connection], None]


def _create_tables(connection: sqlite3.Connection) -> None:
    connection.executescript(SCHEMA)


# STEPS[n] takes a file from version n to n + 1.
STEPS: tuple[Step, ...] = (_create_tables,)
SCHEMA_VERSION = len(STEPS)


def schema_version(connection: sqlite3.Connection) -> int:
    row = connection.execute("PRAGMA user_version").fetchone()
    return int(row[0]) if row else 0


def migrate(connection: sqlite3.Connection, path: Path) -> int:
    """Bring the file to `SCHEMA_VERSION`; returns the version it was at."""
    found = schema_version(connection)
    if found > SCHEMA_VERSION:
        raise StoreUnavailableError(
            f"the order store {path} has schema version {found}, newer than this package's "
            f"{SCHEMA_VERSION}: open it with the version that wrote it"
        )
    if found == SCHEMA_VERSION:
        return found
    with connection:
        for step in STEPS[found:]:
            step(connection)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return found
