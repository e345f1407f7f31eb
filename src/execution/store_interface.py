"""`OrderStorage`: what the order manager needs of a store, whatever database is behind it.

SQLite (`execution.store.SQLiteOrderStore`) is one implementation, an in-process store
(`execution.store_memory.MemoryOrderStore`) another, PostgreSQL
(`execution.store_postgres.PostgresOrderStore`) a third; `execution.store_location.open_store`
picks one by URL scheme, so a further database is a class with these members plus one
`register_store_scheme` call, and the manager does not change. A store several managers
share (PostgreSQL) also says whose each client-id prefix is (`orders.adoption.PrefixOwners`):
"one user at a time" then holds per prefix, and no manager adopts another live one's orders.

The contract every implementation keeps (the suite in `tests/store/` checks it):

- **Writes never block.** `save_order`, `save_orders`, `append_event`, `append_events` and
  `append_note` only queue (they may be called before `open`: what is queued is written
  once the store is open). I/O happens off the event loop.
- **Commit before send.** `flush()` returns only once everything queued before the call is
  committed (durably, for a store that persists: it survives the process being killed),
  so the manager can record a new order, flush, and only then send it. When the store
  cannot commit, `flush` raises `StoreUnavailableError` and keeps what it holds, retrying
  until it can: nothing queued is dropped, and the health listeners hear when it stops
  and starts writing again.
- **Durable ordering.** Events come back in the order they were queued (one sequence for
  the whole store), and an order's row is its latest snapshot. An adopted snapshot (another
  manager found the order on the exchange) never overwrites what only the placer knows
  (role, parent, tags, attributes, lineage) on a row the placer wrote.
- **One user at a time.** `open` refuses a store another process holds, and `claim` one
  that another object of this process holds, with `StoreLockedError`: two managers never
  write one store.
- **Versions.** `open` brings an older layout up to date and refuses one written by a newer
  version of this package with `StoreVersionError`; `schema_version` is the version the
  open store is at.
- **Errors.** `StoreUnavailableError`: the store could not commit (or open); what was asked
  is not persisted yet. `StoreLockedError`: someone else holds the store.
  `StoreVersionError`: a newer version of this package wrote it; it is left untouched. All
  are `StoreError`s; bad input (`open_store`'s URL) is a `ValidationError` instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol, runtime_checkable

from execution.orders.managed import ManagedOrder
from execution.orders.state import OrderEvent

__all__ = ["HealthListener", "OrderStorage"]

HealthListener = Callable[[bool, BaseException | None], None]
"""`listener(healthy, error)`: (False, the error) when a store stops being able to write,
(True, None) when it writes again and has committed everything it held back."""


@runtime_checkable
class OrderStorage(Protocol):
    """Orders and their audit trail, as the order manager and its recorder use them."""

    @property
    def location(self) -> str:
        """A stable name of the storage (the SQLite file's path, a URL without its
        password): the same storage gives the same name after a restart, two storages two
        names. The manager derives its default client-id prefix from it."""
        ...

    @property
    def schema_version(self) -> int:
        """The schema version the store is at (the current one once `open` returned)."""
        ...

    @property
    def healthy(self) -> bool:
        """False while a write has failed and not yet succeeded on a retry."""
        ...

    def add_health_listener(self, listener: HealthListener) -> None:
        """Call `listener` on the event loop that opened the store when the store stops
        being able to write and when it has caught up again."""
        ...

    def claim(self, owner: object) -> None:
        """Bind the open store to one user (a manager); another gets `StoreLockedError`."""
        ...

    def release(self, owner: object) -> None:
        """Undo `claim` (nothing if `owner` does not hold it)."""
        ...

    async def open(self) -> None:
        """Make the store ready: take it for this process (`StoreLockedError` if another
        holds it), create or migrate its layout (`StoreVersionError` if newer), start
        writing (`StoreUnavailableError` if it cannot). Safe to call twice."""
        ...

    async def close(self) -> None:
        """Commit what is queued and let the store go; `StoreUnavailableError` naming what
        could not be written after the store's own time limit. Safe to call twice."""
        ...

    def save_order(self, managed: ManagedOrder) -> None:
        """Queue a snapshot of the order's current state."""
        ...

    def save_orders(self, orders: Iterable[ManagedOrder]) -> None:
        """Queue snapshots of several orders at once."""
        ...

    def append_event(self, client_order_id: str, event: OrderEvent) -> None:
        """Queue one event for the audit trail, recorded now."""
        ...

    def append_events(self, events: list[tuple[str, OrderEvent, int]]) -> None:
        """Queue events in order: (client order id, event, time recorded in ms). The list
        is the store's from then on."""
        ...

    def append_note(self, client_order_id: str, kind: str, detail: dict[str, Any]) -> None:
        """Queue a note for the order's audit trail (`kind` is not an event type)."""
        ...

    async def flush(self) -> None:
        """Wait until everything queued before the call is committed (durably);
        `StoreUnavailableError` when it could not be (it stays queued and is retried) or
        the store is not open."""
        ...

    async def load_orders(self, *, open_only: bool = False) -> list[ManagedOrder]:
        """Every stored order, oldest submission first (or only those not final), with
        the events (and trade ids) of the open ones, in the order they were recorded."""
        ...
