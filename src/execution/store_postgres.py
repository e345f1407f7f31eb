"""`PostgresOrderStore`: the orders of many managers in one PostgreSQL database
(`postgresql://USER:PASSWORD@HOST:PORT/DATABASE?prefix=bot1`, see `store_postgres_url`).

The `OrderStorage` contract as the SQLite store keeps it: writes only queue, one writer
thread (`store_postgres_writer`, psycopg 3, synchronous) commits them in batches off the
event loop, `flush` returns once they are committed (durably: the server's
`synchronous_commit`), a lost server makes `flush` raise `StoreUnavailableError` while
everything queued is kept and retried on a fresh connection, the health listeners hear
when writing stops and starts again. Reads run in a worker thread on a connection of
their own. Schema versions: `store_postgres_schema`.

Many managers share the database, each the owner of its client-id prefix
(`store_postgres_leases`): `open` registers the prefix with a lease and a thread renews
it; a prefix another process holds live is refused with `StoreLockedError`. `load_orders`
hands back this prefix's orders only (and those it took over: `take_over`).
`live_prefixes()` names the prefixes other live managers hold, so that the order manager
never adopts their orders (`orders.adoption`). The manager binds its prefix to the store
(`bind_prefix`): the URL's `prefix`, else the one the manager was given, else one derived
from the database's name (so two managers without one never share a database by chance:
the second is refused).

The account ledger (`LedgerStorage`: the account's, shared by every manager) and each
manager's trading state are kept in the database too: `store_postgres_ledger`,
`store_postgres_state`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import psycopg

from execution import store_postgres_ledger
from execution.errors import StoreUnavailableError, ValidationError
from execution.ledger.storage import LedgerStorage
from execution.models import OrderStatus
from execution.orders.adoption import check_prefix, default_prefix
from execution.orders.managed import ManagedOrder
from execution.store_base import ThreadedStore
from execution.store_codec import StoredEvent
from execution.store_interface import OrderStorage
from execution.store_postgres_leases import (
    LeaseKeeper,
    Takeover,
    claim,
    new_holder,
    release,
    take_over,
    takeovers,
)
from execution.store_postgres_ledger import has_ledger
from execution.store_postgres_reads import load_orders, query_events, query_orders
from execution.store_postgres_schema import SCHEMA_VERSION, migrate
from execution.store_postgres_state import PostgresTradingState
from execution.store_postgres_url import location_of, parse_target, with_timeouts
from execution.store_postgres_writer import PostgresWriter

__all__ = ["SCHEMA_VERSION", "PostgresOrderStore", "Takeover"]

logger = logging.getLogger("execution.store")
T = TypeVar("T")


class PostgresOrderStore(ThreadedStore):
    """Orders and their audit trail in a PostgreSQL database shared by many managers.

    `lease` (s, default the URL's `lease` or 30) is how long this store's claim on its
    prefix lasts unless renewed; it is renewed every `renew_interval` s (default a sixth
    of it, at most 5 s). `close_timeout` (s) bounds how long `close()` keeps retrying what
    it could not write. A store without a prefix (a tool reading the database) reads
    every manager's orders."""

    LEDGER_QUERIES = store_postgres_ledger

    def __init__(
        self,
        url: str,
        *,
        prefix: str | None = None,
        lease: float | None = None,
        renew_interval: float | None = None,
        batch_size: int = 5000,
        batch_window: float = 0.005,
        close_timeout: float = 10.0,
    ) -> None:
        super().__init__()
        target = parse_target(url)
        self._conninfo = with_timeouts(target.conninfo)
        self._base = target.base
        self._prefix = target.prefix
        self._prefix_fixed = target.prefix is not None  # the URL names it: not rebound
        self._bound = self._prefix_fixed  # a manager (or the URL) gave the store a prefix
        if prefix is not None:
            self.bind_prefix(prefix)
        self.lease = target.lease if lease is None else float(lease)
        self.renew_interval = (min(5.0, self.lease / 6) if renew_interval is None
                               else float(renew_interval))
        self.batch_size = batch_size
        self.batch_window = batch_window
        self.close_timeout = close_timeout
        self.holder = new_holder()
        self.migrated_from: int | None = None
        self.reclaimed: Takeover | None = None  # the open took an expired lease over
        self._version = 0
        self._writer: PostgresWriter | None = None
        self._last: PostgresWriter | None = None
        self._keeper: LeaseKeeper | None = None

    # -- names and owners -------------------------------------------------------------------

    @property
    def location(self) -> str:
        """The URL without its password (and with the prefix once bound)."""
        return location_of(self._base, self._prefix)

    @property
    def prefix(self) -> str:
        """The client-id prefix this store writes as (derived from the database's name
        when none was given)."""
        if self._prefix is None:
            self._prefix = default_prefix(self._base)
        return self._prefix

    def bind_prefix(self, prefix: str | None) -> str:
        """The prefix of the manager that uses this store: `prefix` if given (it must
        agree with the URL's and with the one an open store holds), else the store's.
        `ValidationError` (field "client_order_id_prefix") when they disagree."""
        self._bound = True
        if prefix is None:
            return self.prefix
        check_prefix(prefix)
        if prefix != self._prefix and (self._prefix_fixed or self._keeper is not None):
            raise ValidationError(
                "client_order_id_prefix", prefix,
                f"the order store {self.location} is bound to the prefix {self._prefix!r}",
            )
        self._prefix = prefix
        return prefix

    def live_prefixes(self) -> frozenset[str]:
        """The prefixes other managers hold a live lease on (as of the last renewal):
        their orders are never adopted."""
        return frozenset() if self._keeper is None else self._keeper.live

    def owned_prefixes(self) -> frozenset[str]:
        """This store's prefix and the prefixes it took over (nobody holds them live)."""
        taken = frozenset() if self._keeper is None else self._keeper.taken
        return taken | {self.prefix}

    # -- state ------------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        """The database's schema version: `SCHEMA_VERSION` once open, 0 before."""
        return self._version

    @property
    def healthy(self) -> bool:
        """False while a write has failed and not yet succeeded on a retry (or the lease
        was lost)."""
        lost = self._keeper is not None and self._keeper.lost is not None
        return not lost and (self._last is None or self._last.healthy)

    @property
    def last_error(self) -> BaseException | None:
        """The error of the last failed write (kept after recovery, for the record)."""
        return None if self._last is None else self._last.last_error

    @property
    def writes(self) -> int:
        """Rows committed, for the curious and the benchmark."""
        return 0 if self._last is None else self._last.writes

    # -- lifecycle --------------------------------------------------------------------------

    def _connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self._conninfo, autocommit=True)

    async def _in_thread(self, work: Callable[[psycopg.Connection[Any]], T]) -> T:
        """`work(connection)` in a worker thread on a fresh connection, closed after;
        `StoreUnavailableError` when the server cannot be reached or fails."""

        def run() -> T:
            try:
                with self._connect() as connection:
                    return work(connection)
            except psycopg.Error as exc:
                raise StoreUnavailableError(
                    f"the order store {self.location} cannot be read or written: {exc}"
                ) from exc

        return await asyncio.to_thread(run)

    async def open(self) -> None:
        """Migrate the database (StoreVersionError if newer), take this prefix's lease
        (StoreLockedError if another process holds it live) and start writing
        (StoreUnavailableError if the server cannot be reached). Safe to call twice."""
        if self._writer is not None:
            return
        keeper = await asyncio.to_thread(self._open_database)
        self._loop = asyncio.get_running_loop()
        writer = PostgresWriter(
            self.location, self._connect, self.prefix, self.holder, self._queue,
            batch_size=self.batch_size, batch_window=self.batch_window,
            close_timeout=self.close_timeout, on_health=self._health_changed,
        )
        writer.start()
        self._writer = self._last = writer
        self._keeper = keeper

    def _open_database(self) -> LeaseKeeper:
        prefix, location = self.prefix, self.location
        try:
            connection = self._connect()
        except psycopg.Error as exc:
            raise StoreUnavailableError(
                f"the order store {location} cannot be opened: {exc}") from exc
        try:
            self.migrated_from = migrate(connection, location)
            self.reclaimed = claim(connection, location, prefix, self.holder, self.lease)
            keeper = LeaseKeeper(self._connect, location, prefix, self.holder, self.lease,
                                 self.renew_interval, self._lease_lost)
            keeper.refresh(connection)
        except psycopg.Error as exc:
            connection.close()
            raise StoreUnavailableError(
                f"the order store {location} cannot be opened: {exc}") from exc
        except BaseException:
            connection.close()
            raise
        self._version = SCHEMA_VERSION
        keeper.start(connection)
        return keeper

    def _lease_lost(self, error: BaseException) -> None:
        self._health_changed(False, error)

    async def close(self) -> None:
        """Commit everything queued, stop the writer, give the lease up. Safe to call
        twice. StoreUnavailableError naming what could not be written when the server
        still could not be reached after `close_timeout` seconds."""
        writer, self._writer = self._writer, None
        keeper, self._keeper = self._keeper, None
        if writer is None:
            return
        try:
            await asyncio.to_thread(writer.stop)
        finally:
            if keeper is not None:
                await asyncio.to_thread(self._release, keeper)
        if writer.unwritten is not None:
            raise StoreUnavailableError(
                f"the order store {self.location} closed with {writer.unwritten} not "
                f"written: {writer.last_error}"
            )

    def _release(self, keeper: LeaseKeeper) -> None:
        keeper.stop()
        if keeper.lost is not None:
            return
        try:
            with self._connect() as connection:
                release(connection, keeper.prefix, keeper.holder)
        except psycopg.Error as exc:  # the lease runs out by itself
            logger.warning("order store %s: the lease of %r was not given up (%s); it "
                           "frees itself in %.0f s", self.location, keeper.prefix, exc,
                           self.lease)

    async def __aenter__(self) -> PostgresOrderStore:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- writes -----------------------------------------------------------------------------

    # -- takeovers --------------------------------------------------------------------------

    async def take_over(self, prefix: str, reason: str, *, force: bool = False) -> Takeover:
        """Make `prefix`'s orders this store's (a crashed manager's), recorded with
        `reason`. Refused with StoreLockedError while its lease is live, unless `force`
        (its process is known dead; a live one would write nothing more there). The
        store must be open. Take over before the manager starts: its start loads them."""
        check_prefix(prefix)
        if prefix == self.prefix:
            raise ValidationError("prefix", prefix, "is this store's own prefix")
        keeper = self._keeper
        if keeper is None:
            raise self.not_open()

        def run(connection: psycopg.Connection[Any]) -> Takeover:
            done = take_over(connection, self.location, prefix, self.prefix, self.holder,
                             reason, force=force)
            keeper.refresh(connection)
            return done

        taken = await self._in_thread(run)
        logger.warning("order store %s took over %d orders of the prefix %r from %s: %s",
                       self.location, taken.orders_moved, prefix, taken.from_holder, reason)
        return taken

    async def takeovers(self, prefix: str | None = None) -> list[Takeover]:
        """Every recorded change of hands (of or by one prefix), oldest first."""
        return await self._in_thread(lambda connection: takeovers(connection, prefix))

    # -- reads ------------------------------------------------------------------------------

    def _reader_owner(self) -> str | None:
        """Whose rows the queries read: the bound prefix's, or everyone's."""
        return self.prefix if self._bound or self._writer is not None else None

    async def load_orders(self, *, open_only: bool = False) -> list[ManagedOrder]:
        """This prefix's orders (or only the non-final ones), with the events of open ones."""
        owner = self.prefix
        return await self._in_thread(lambda c: load_orders(c, owner, open_only))

    async def query_orders(
        self,
        *,
        strategy_name: str | None = None,
        symbol: str | None = None,
        status: OrderStatus | Iterable[OrderStatus] | None = None,
        since: int | None = None,
        until: int | None = None,
        limit: int | None = None,
    ) -> list[ManagedOrder]:
        """Stored orders matching every filter given (this prefix's, or every manager's
        for a store without one); times (submission, ms) are inclusive."""
        owner = self._reader_owner()
        return await self._in_thread(lambda c: query_orders(
            c, owner, strategy_name=strategy_name, symbol=symbol, status=status,
            since=since, until=until, limit=limit,
        ))

    async def query_events(
        self,
        client_order_id: str | None = None,
        *,
        since: int | None = None,
        until: int | None = None,
    ) -> list[StoredEvent]:
        """The audit trail, oldest first: of one order or all; `since`/`until` on the time
        the event was recorded (ms, inclusive)."""
        owner = self._reader_owner()
        return await self._in_thread(
            lambda c: query_events(c, owner, client_order_id, since, until))

    # -- the account ledger (the account's, shared by every manager: `store_postgres_ledger`)

    async def _read_ledger(self, read: Callable[[psycopg.Connection[Any]], T], empty: T) -> T:
        return await self._in_thread(lambda c: read(c) if has_ledger(c) else empty)

    def trading_state_keeper(self) -> PostgresTradingState:
        """The keeper of the trading state of this store's manager (its prefix's row, and
        the desk's every manager reads: `store_postgres_state`); of the desk for a store
        without a prefix (a tool)."""
        return PostgresTradingState(self._connect, self._reader_owner, self.location)


def _conforms(store: PostgresOrderStore) -> OrderStorage:
    return store  # mypy checks here that the PostgreSQL store is an `OrderStorage`


def _keeps_a_ledger(store: PostgresOrderStore) -> LedgerStorage:
    return store  # ... and a `LedgerStorage`

