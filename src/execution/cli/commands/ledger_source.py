"""Where the ledger commands (`pnl`, `funding`, `sync`, `trades --store`, `income
--store`) read: the account ledger in an order store, brought up to date from the exchange
on request (`sync`)."""

from __future__ import annotations

from typing import Annotated

import typer

from execution.cli.commands.store_source import STORE_HELP, read_store, store_label
from execution.cli.connect import open_exchange
from execution.cli.options import VenueConfig
from execution.errors import ValidationError
from execution.ledger.storage import LedgerStorage
from execution.ledger.sync import SyncReport, sync_ledger
from execution.ledger.view import LedgerView, read_ledger

LedgerStoreOpt = Annotated[
    str | None,
    typer.Option("--store", envvar="ASTER_STORE", show_default=False,
                 help=f"Read the account ledger of this order store ({STORE_HELP}) instead "
                 "of the exchange."),
]
SyncOpt = Annotated[
    bool,
    typer.Option("--sync", help="First bring the store's ledger up to date from the "
                 "exchange (userTrades and income since the last sync)."),
]


def existing(store: str) -> str:
    """`store`, an order store that exists: a SQLite file (else a ValidationError naming
    --store), or a PostgreSQL URL that parses."""
    read_store(store)
    return store


async def load_view(store: str) -> LedgerView:
    """The ledger of the order store `store` names (read without taking the store)."""
    ledger: LedgerStorage = read_store(store)
    return await read_ledger(ledger)


async def sync_store(venue: VenueConfig, store: str) -> SyncReport:
    """Bring the ledger of the order store `store` names up to date from the venue (the
    store is taken for the while: a manager running on it refuses, StoreLockedError; on
    PostgreSQL the URL's prefix is taken, or the database's default one)."""
    if venue.embedded:
        raise ValidationError(
            "--store", store_label(read_store(store)),
            "syncing needs the venue the store's orders went to: pass --url of a running "
            "simulator (or a real venue)",
        )
    opened = read_store(store)
    async with open_exchange(venue) as connection:
        await opened.open()
        try:
            ledger: LedgerStorage = opened
            return await sync_ledger(connection.exchange, ledger)
        finally:
            await opened.close()
