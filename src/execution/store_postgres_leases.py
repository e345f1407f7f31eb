"""Who owns which client-id prefix in a shared PostgreSQL order store: leases and takeovers.

A manager registers its prefix in `managers` with a lease (`expires_at`, by the server's
clock, so the hosts' clocks do not matter) and renews it every few seconds (`LeaseKeeper`,
a thread). While the lease is live nobody else gets the prefix (`claim` raises
`StoreLockedError`); a clean close releases it at once. A crashed manager's lease runs
out by itself: its prefix may then be claimed again (a restart), and its orders may be
taken over by another manager (`take_over`, also before the lease ran out when forced: an
operator who knows the process is dead). Every change of hands is a row of `takeovers`
(who, when, from whom, why, how many orders moved). Each write transaction of a store
first checks, holding the row, that its lease is still its own (`fence`): a manager whose
prefix was taken over never writes into it again.

Every function here runs on a psycopg connection in a worker thread (they block).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from execution.errors import StoreLockedError
from execution.store_postgres_schema import LEASE_LOCK

logger = logging.getLogger("execution.store")

Connect = Callable[[], psycopg.Connection[Any]]


class LeaseLostError(StoreLockedError):
    """This store's prefix is no longer its own (taken over, or reclaimed after its lease
    ran out): it writes nothing more there."""


def new_holder() -> str:
    """Who a store is, as the lease table names it: host, process and a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class Takeover:
    """One change of hands of a prefix, as recorded in `takeovers`."""

    prefix: str
    from_holder: str | None
    by_prefix: str
    by_holder: str
    at_ms: int
    reason: str
    lease_expired: bool
    orders_moved: int


_TAKEOVER_COLUMNS = (
    "prefix, from_holder, by_prefix, by_holder, "
    "(extract(epoch FROM at) * 1000)::bigint, reason, lease_expired, orders_moved"
)


def _lease_row(connection: psycopg.Connection[Any], prefix: str) -> tuple[Any, ...] | None:
    """(holder, expires_at, live) of `prefix`, the row locked; None if never registered."""
    return connection.execute(
        "SELECT holder, expires_at, holder IS NOT NULL AND expires_at > now() "
        "FROM managers WHERE prefix = %s FOR UPDATE",
        (prefix,),
    ).fetchone()


def _held(location: str, prefix: str, row: tuple[Any, ...], advice: str) -> StoreLockedError:
    """The refusal of a prefix whose lease `row` (holder, expires_at, live) is live."""
    until = row[1].strftime("%Y-%m-%d %H:%M:%S %Z")
    return StoreLockedError(
        location, None, f" (the prefix {prefix!r} is leased by {row[0]} until {until}: {advice})"
    )


def _record(connection: psycopg.Connection[Any], values: tuple[Any, ...]) -> Takeover:
    row = connection.execute(
        "INSERT INTO takeovers (prefix, from_holder, by_prefix, by_holder, reason, "
        f"lease_expired, orders_moved) VALUES (%s, %s, %s, %s, %s, %s, %s) "
        f"RETURNING {_TAKEOVER_COLUMNS}",
        values,
    ).fetchone()
    assert row is not None
    return Takeover(*row)


def claim(
    connection: psycopg.Connection[Any], location: str, prefix: str, holder: str, ttl: float
) -> Takeover | None:
    """Take the lease of `prefix` for `holder` for `ttl` s. `StoreLockedError` while
    another holds it live; a lease that ran out is taken (and that is recorded: returned)."""
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (LEASE_LOCK,))
        row = _lease_row(connection, prefix)
        if row is not None and row[0] is not None and row[0] != holder and row[2]:
            raise _held(location, prefix, row,
                        "it frees itself once not renewed, or take_over it")
        host, pid, _ = holder.rsplit(":", 2)
        connection.execute(
            "INSERT INTO managers (prefix, holder, host, pid, acquired_at, renewed_at, "
            "expires_at, released_at) VALUES (%s, %s, %s, %s, now(), now(), "
            "now() + make_interval(secs => %s), NULL) ON CONFLICT (prefix) DO UPDATE SET "
            "holder = excluded.holder, host = excluded.host, pid = excluded.pid, "
            "acquired_at = now(), renewed_at = now(), expires_at = excluded.expires_at, "
            "released_at = NULL",
            (prefix, holder, host, int(pid), ttl),
        )
        if row is None or row[0] is None or row[0] == holder:
            return None
        return _record(connection, (prefix, row[0], prefix, holder,
                                    "its lease ran out: claimed again at open", True, 0))


def renew(connection: psycopg.Connection[Any], prefix: str, holder: str, ttl: float) -> bool:
    """Extend the lease; False when it is no longer `holder`'s."""
    with connection.transaction():
        cursor = connection.execute(
            "UPDATE managers SET renewed_at = now(), expires_at = now() + "
            "make_interval(secs => %s) WHERE prefix = %s AND holder = %s",
            (ttl, prefix, holder),
        )
        return cursor.rowcount == 1


def release(connection: psycopg.Connection[Any], prefix: str, holder: str) -> None:
    """Give the lease up (a clean close): the prefix is free at once."""
    with connection.transaction():
        connection.execute(
            "UPDATE managers SET holder = NULL, expires_at = now(), released_at = now() "
            "WHERE prefix = %s AND holder = %s",
            (prefix, holder),
        )


def fence(connection: psycopg.Connection[Any], location: str, prefix: str, holder: str) -> None:
    """Inside a write transaction: hold the lease row (a takeover waits for the commit)
    and raise `LeaseLostError` unless the lease is still `holder`'s."""
    row = connection.execute(
        "SELECT holder FROM managers WHERE prefix = %s FOR SHARE", (prefix,)
    ).fetchone()
    if row is None or row[0] != holder:
        now = "nobody" if row is None or row[0] is None else str(row[0])
        raise LeaseLostError(
            location, None, f" (the prefix {prefix!r} was taken over: held by {now} now)"
        )


def take_over(
    connection: psycopg.Connection[Any],
    location: str,
    prefix: str,
    by_prefix: str,
    by_holder: str,
    reason: str,
    *,
    force: bool,
) -> Takeover:
    """Move `prefix`'s orders and events to `by_prefix` and end its lease, recorded. A
    live lease refuses (`StoreLockedError`) unless `force`. An order `by_prefix` already
    has (both followed it) stays where it was."""
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (LEASE_LOCK,))
        fence(connection, location, by_prefix, by_holder)
        row = _lease_row(connection, prefix)
        if row is not None and row[2] and not force:
            raise _held(location, prefix, row,
                        "take_over(force=True) only if that process is known dead")
        connection.execute(
            "UPDATE managers SET holder = NULL, expires_at = least(expires_at, now()), "
            "released_at = now() WHERE prefix = %s",
            (prefix,),
        )
        moved = [r[0] for r in connection.execute(
            "UPDATE orders SET owner = %s WHERE owner = %s AND client_order_id NOT IN "
            "(SELECT client_order_id FROM orders WHERE owner = %s) RETURNING client_order_id",
            (by_prefix, prefix, by_prefix),
        ).fetchall()]
        connection.execute(
            "UPDATE events SET owner = %s WHERE owner = %s AND client_order_id = ANY(%s)",
            (by_prefix, prefix, moved),
        )
        return _record(connection, (
            prefix, None if row is None else row[0], by_prefix, by_holder, reason,
            row is None or not row[2], len(moved),
        ))


def takeovers(connection: psycopg.Connection[Any], prefix: str | None = None) -> list[Takeover]:
    """The recorded changes of hands (of one prefix, or all), oldest first."""
    sql = f"SELECT {_TAKEOVER_COLUMNS} FROM takeovers"
    params: tuple[Any, ...] = ()
    if prefix is not None:
        sql += " WHERE prefix = %s OR by_prefix = %s"
        params = (prefix, prefix)
    return [Takeover(*row) for row in connection.execute((sql + " ORDER BY id").encode(),
                                                         params)]


def owners(connection: psycopg.Connection[Any], prefix: str) -> tuple[frozenset[str],
                                                                       frozenset[str]]:
    """(the prefixes other managers hold live, the prefixes `prefix` took over and that
    nobody holds live now)."""
    with connection.transaction():
        live = frozenset(r[0] for r in connection.execute(
            "SELECT prefix FROM managers WHERE holder IS NOT NULL AND expires_at > now() "
            "AND prefix <> %s", (prefix,),
        ))
        taken = frozenset(r[0] for r in connection.execute(
            "SELECT DISTINCT prefix FROM takeovers WHERE by_prefix = %s AND prefix <> %s",
            (prefix, prefix),
        ))
    return live, taken - live


class LeaseKeeper:
    """Renews one lease every `interval` s on its own connection, and keeps the other
    managers' prefixes (`live`, `taken`) fresh. A failed renewal is retried at the next
    tick (the server may be back); a lease found to be someone else's is given up for
    good (`lost`, and `on_lost` is told)."""

    def __init__(
        self,
        connect: Connect,
        location: str,
        prefix: str,
        holder: str,
        ttl: float,
        interval: float,
        on_lost: Callable[[BaseException], None],
    ) -> None:
        self._connect = connect
        self.location = location
        self.prefix = prefix
        self.holder = holder
        self.ttl = ttl
        self.interval = interval
        self._on_lost = on_lost
        self.live: frozenset[str] = frozenset()
        self.taken: frozenset[str] = frozenset()
        self.lost: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="order-store-lease",
                                        daemon=True)
        self._connection: psycopg.Connection[Any] | None = None

    def refresh(self, connection: psycopg.Connection[Any]) -> None:
        """Read the other managers' prefixes now."""
        self.live, self.taken = owners(connection, self.prefix)

    def start(self, connection: psycopg.Connection[Any]) -> None:
        """Go on renewing on `connection` (the one the lease was claimed on)."""
        self._connection = connection
        self._thread.start()

    def stop(self) -> None:
        """End the thread and close its connection (blocks: off the event loop)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self._drop()

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if self._connection is None:
                    self._connection = self._connect()
                if not renew(self._connection, self.prefix, self.holder, self.ttl):
                    self.lost = LeaseLostError(
                        self.location, None, f" (the lease of {self.prefix!r} is no longer "
                        "this store's: taken over)"
                    )
                    logger.error("order store: %s", self.lost)
                    self._on_lost(self.lost)
                    return
                self.refresh(self._connection)
            except Exception as exc:  # the server is away: try again at the next tick
                logger.warning("order store: the lease of %r could not be renewed (%s)",
                               self.prefix, exc)
                self._drop()
