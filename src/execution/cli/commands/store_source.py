"""Which order store a command's `--store` names: a SQLite file, or a PostgreSQL database
(`postgresql://USER@HOST/DB`, `?prefix=NAME` for one manager's rows). One helper for every
command that reads a store (`history`, `pnl`, `funding`, `trades/income --store`, `sync`,
`trading-state`, `watch`), so that all of them take the same names."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from execution.errors import ValidationError

URL_SCHEMES = ("postgresql://", "postgres://")
STORE_HELP = ("a SQLite file, or a postgresql://USER@HOST/DB URL (?prefix=NAME: one "
              "manager's)")

StoreNameOpt = Annotated[
    str | None,
    typer.Option("--store", envvar="ASTER_STORE", show_default=False,
                 help=f"The order store: {STORE_HELP}."),
]


def is_store_url(store: str | Path) -> bool:
    """Whether `store` names a database (a URL) rather than a SQLite file."""
    return isinstance(store, str) and store.lower().startswith(URL_SCHEMES)


def existing_file(store: str | Path, option: str = "--store") -> Path:
    """`store` as the path of a SQLite store that exists (else a ValidationError naming
    `option`)."""
    path = Path(store)
    if not path.is_file():
        raise ValidationError(option, str(store), "no such order store file")
    return path


def read_store(store: str | Path, option: str = "--store") -> Any:
    """The order store `store` names, not opened (a command reads it without taking it):
    a PostgreSQL store for a URL (needs the `postgres` extra), else the SQLite file, which
    must exist. Typed Any: both are an `OrderStorage` and a `LedgerStorage`."""
    if is_store_url(store):
        from execution.store_location import open_store

        return open_store(str(store))
    from execution.store import SQLiteOrderStore

    return SQLiteOrderStore(existing_file(store, option))


def store_label(store: Any) -> str:
    """The store's name for a message: its location (a URL without the password)."""
    return str(getattr(store, "location", store))
