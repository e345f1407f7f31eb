"""Where the ledger commands (`pnl`, `funding`, `sync`, `trades --store`, `income
--store`) read: the account ledger in an order store, brought up to date from the exchange
on request (`sync`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from execution.cli.connect import open_exchange
from execution.cli.options import VenueConfig
from execution.errors import ValidationError
from execution.ledger.storage import LedgerStorage
from execution.ledger.sync import SyncReport, sync_ledger
from execution.ledger.view import LedgerView, read_ledger

LedgerStoreOpt = Annotated[
    Path | None,
    typer.Option("--store", envvar="ASTER_STORE", show_default=False,
                 help="Read the account ledger of this order store (SQLite) instead of "
                 "the exchange."),
]
SyncOpt = Annotated[
    bool,
    typer.Option("--sync", help="First bring the store's ledger up to date from the "
                 "exchange (userTrades and income since the last sync)."),
]


def _storage(path: Path) -> LedgerStorage:
    from execution.store import SQLiteOrderStore

    return SQLiteOrderStore(path)


def existing(path: Path) -> Path:
    """`path`, an order store that exists (else a ValidationError naming --store)."""
    if not path.is_file():
        raise ValidationError("--store", str(path), "no such order store file")
    return path


async def load_view(path: Path) -> LedgerView:
    """The ledger of the order store at `path` (read without taking the store)."""
    return await read_ledger(_storage(existing(path)))


async def sync_store(venue: VenueConfig, path: Path) -> SyncReport:
    """Bring the ledger of the order store at `path` up to date from the venue (the store
    is taken for the while: a manager running on it refuses, StoreLockedError)."""
    from execution.store import SQLiteOrderStore

    if venue.embedded:
        raise ValidationError(
            "--store", str(path),
            "syncing needs the venue the store's orders went to: pass --url of a running "
            "simulator (or a real venue)",
        )
    store = SQLiteOrderStore(path)
    async with open_exchange(venue) as connection:
        await store.open()
        try:
            return await sync_ledger(connection.exchange, store)
        finally:
            await store.close()
