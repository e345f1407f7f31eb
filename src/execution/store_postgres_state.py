"""`PostgresTradingState`: the trading state of a manager on a PostgreSQL store, kept in
the database's `trading_state` table (a `risk.state_file.TradingStateKeeper`, as the file
next to a SQLite store is), so that a halt outlives the process and the host.

One row a client-id prefix (the manager's own state: a loss limit's REDUCING, an
operator's switch), and one row for the desk, `DESK` ("*"), that every manager of the
database reads when it starts: the state a manager starts in is the stricter of its own
and the desk's (HALTED over REDUCING over ACTIVE). A HALTED state a manager records goes
to the desk's row as well: a panic flattens the account, not only the manager's orders,
so every manager of the account must stay halted until an operator has looked
(`aster-exec trading-state --store URL --set ACTIVE`, without a prefix, resumes the desk:
it sets the desk's row and every manager's). A row that cannot be understood, or a
database that cannot be read at start, is HALTED, as an unreadable file is. A manager
running when the desk is halted learns of it at its next start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import psycopg

from execution.risk.limits import STRICTNESS, TradingState
from execution.risk.state_file import BackgroundStateKeeper, SavedTradingState
from execution.store_postgres_schema import migrate

logger = logging.getLogger(__name__)

DESK = "*"  # the row of the whole database (the desk's halt)
_UPSERT = (
    b"INSERT INTO trading_state (prefix, state, reason, set_at_ms) VALUES (%s, %s, %s, %s) "
    b"ON CONFLICT (prefix) DO UPDATE SET state = excluded.state, reason = excluded.reason, "
    b"set_at_ms = excluded.set_at_ms, written_at = now()"
)
# The desk's halt keeps the reason of the first (a manager restarting halted writes it again).
_HALT_DESK = _UPSERT + b" WHERE trading_state.state <> 'HALTED'"


def _halted(why: str) -> SavedTradingState:
    return SavedTradingState(TradingState.HALTED, why, 0)


def _parsed(row: tuple[Any, ...], location: str) -> SavedTradingState:
    prefix, state, reason, set_at_ms = row
    try:
        return SavedTradingState(TradingState(state), str(reason), int(set_at_ms))
    except (ValueError, TypeError):
        logger.error("trading state of %r in %s is %r, not a state: trading stays HALTED "
                     "until the state is set", prefix, location, state)
        return _halted(f"the recorded trading state {state!r} is not understood")


def stricter(
    own: SavedTradingState | None, desk: SavedTradingState | None
) -> SavedTradingState | None:
    """The state a manager starts in: the stricter of its own and the desk's (its own
    when they are as strict), the desk's reason marked as the desk's."""
    if desk is None or (own is not None and
                        STRICTNESS[own.state] >= STRICTNESS[desk.state]):
        return own
    return SavedTradingState(desk.state, f"{desk.reason} (the desk's state)", desk.set_at_ms)


class PostgresTradingState(BackgroundStateKeeper):
    """The trading state of `prefix()`'s manager (None: the desk's, for a tool) in the
    database `connect()` reaches; `location` names it in the logs."""

    def __init__(
        self,
        connect: Callable[[], psycopg.Connection[Any]],
        prefix: Callable[[], str | None],
        location: str,
    ) -> None:
        super().__init__()
        self._connect = connect
        self._prefix = prefix
        self.location = location

    def __repr__(self) -> str:
        return f"PostgresTradingState({self.location!r})"

    @property
    def where(self) -> str:
        """The store's location (no password)."""
        return self.location

    def _read(self) -> SavedTradingState | None:
        prefix = self._prefix()
        try:
            with self._connect() as connection:
                rows = read_rows(connection, [DESK] if prefix is None else [prefix, DESK])
        except psycopg.Error as exc:
            logger.error("trading state in %s cannot be read (%s): trading stays HALTED "
                         "until the state is set", self.location, exc)
            return _halted(f"the trading state cannot be read: {exc}")
        desk = rows.get(DESK)
        if prefix is None:
            return desk
        return stricter(rows.get(prefix), desk)

    def _write(self, saved: SavedTradingState) -> None:
        prefix = self._prefix()
        try:
            with self._connect() as connection:
                if not _has_table(connection):  # a tool sets the state of a new database
                    migrate(connection, self.location)
                with connection.transaction():
                    write_rows(connection, prefix, saved)
        except psycopg.Error as exc:
            raise OSError(f"the trading state cannot be written to {self.location}: "
                          f"{exc}") from exc

    async def load_all(self) -> dict[str, SavedTradingState]:
        """Every recorded row by prefix (the desk's as `DESK`), read off the event loop;
        `OSError` when the database cannot be read."""

        def run() -> dict[str, SavedTradingState]:
            try:
                with self._connect() as connection:
                    return read_rows(connection, None)
            except psycopg.Error as exc:
                raise OSError(f"the trading state in {self.location} cannot be read: "
                              f"{exc}") from exc

        return await asyncio.to_thread(run)


def _has_table(connection: psycopg.Connection[Any]) -> bool:
    found = connection.execute(b"SELECT to_regclass('trading_state') IS NOT NULL").fetchone()
    return bool(found and found[0])


def read_rows(
    connection: psycopg.Connection[Any], prefixes: list[str] | None
) -> dict[str, SavedTradingState]:
    """The rows of `prefixes` (or all) by prefix; none before the table exists."""
    if not _has_table(connection):
        return {}
    sql = b"SELECT prefix, state, reason, set_at_ms FROM trading_state"
    params: list[Any] = []
    if prefixes is not None:
        sql += b" WHERE prefix = ANY(%s)"
        params.append(prefixes)
    location = str(connection.info.dbname)
    return {row[0]: _parsed(tuple(row), location)
            for row in connection.execute(sql, params).fetchall()}


def write_rows(
    connection: psycopg.Connection[Any], prefix: str | None, saved: SavedTradingState
) -> None:
    """Record `saved` as `prefix`'s (and a HALTED one as the desk's too); as the desk's
    and every manager's when `prefix` is None (inside the caller's transaction)."""
    values = (saved.state.value, saved.reason, saved.set_at_ms)
    if prefix is None:
        connection.execute(b"UPDATE trading_state SET state = %s, reason = %s, "
                           b"set_at_ms = %s, written_at = now()", values)
        connection.execute(_UPSERT, (DESK, *values))
        return
    connection.execute(_UPSERT, (prefix, *values))
    if saved.state is TradingState.HALTED:
        connection.execute(_HALT_DESK, (DESK, saved.state.value,
                                     f"{saved.reason} (halted by {prefix})", saved.set_at_ms))
