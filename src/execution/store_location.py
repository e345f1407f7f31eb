"""Which order store a caller means: a store object, a path to a SQLite file, or a URL.

A URL's scheme picks the implementation from a small registry, so another database is
added beside SQLite by registering it (`register_store_scheme("mysql", factory)`)
without touching the order manager. Known from the start:

- `sqlite:///orders.sqlite` (relative to the working directory) and
  `sqlite:////var/lib/bot/orders.sqlite` (absolute), as SQLAlchemy writes them; a plain
  path (`orders.sqlite`, a `Path`) is a SQLite file too;
- `postgresql://USER:PASSWORD@HOST:PORT/DATABASE?prefix=NAME` (or `postgres://`): a
  `store_postgres.PostgresOrderStore`, one database for many managers, each owning the
  orders of its client-id prefix (needs the extra `postgres`: psycopg 3);
- `memory://` (or `memory://NAME`): a `MemoryOrderStore`, nothing kept past the process.
  SQLite's own `:memory:` is refused: its database lives in one connection, and the
  SQLite store reads and writes on several.

Not giving a store at all (the manager's `store=None`, what the CLI does without
`--store`) keeps the orders in the manager only. An unknown scheme or a malformed URL is a
`ValidationError` on the field "store" whose value has any password replaced by `***`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from execution.errors import ValidationError
from execution.store import SQLiteOrderStore
from execution.store_interface import OrderStorage
from execution.store_memory import MEMORY_SCHEME, MemoryOrderStore

__all__ = [
    "StoreFactory",
    "known_schemes",
    "open_store",
    "redact_url",
    "register_store_scheme",
    "sqlite_path",
]

StoreFactory = Callable[[str], OrderStorage]
"""Makes the store a URL names (not opened yet). Given the whole URL; raises
`ValidationError` (field "store", the value through `redact_url`) for one it cannot use."""

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")
_SECRET_PARAMETER = re.compile(
    r"(?i)([?&;](?:password|passwd|pass|pwd|secret|token|api_?key)=)[^&;#]*"
)
_FACTORIES: dict[str, StoreFactory] = {}


def register_store_scheme(scheme: str, factory: StoreFactory) -> None:
    """Let `open_store` make a store for `scheme://...` URLs (the scheme in lower case;
    registering one again replaces its factory)."""
    if not _SCHEME.match(f"{scheme}://"):
        raise ValueError(f"{scheme!r} is not a URL scheme")
    _FACTORIES[scheme.lower()] = factory


def known_schemes() -> tuple[str, ...]:
    """The schemes `open_store` knows, sorted."""
    return tuple(sorted(_FACTORIES))


def redact_url(url: str) -> str:
    """`url` fit for a message: the password of `user:password@host` and the value of a
    password-like query parameter replaced by `***`."""
    match = _SCHEME.match(url)
    if match is not None:
        head, rest = url[: match.end()], url[match.end():]
        if "@" in rest:
            # The last "@" ends the credentials: an unencoded "@" or "/" in a password must
            # not leave part of it behind.
            userinfo, host = rest.rsplit("@", 1)
            if ":" in userinfo:
                rest = f"{userinfo.split(':', 1)[0]}:***@{host}"
        url = head + rest
    return _SECRET_PARAMETER.sub(r"\1***", url)


def _refuse(location: str, rule: str) -> ValidationError:
    return ValidationError("store", redact_url(location), rule)


def sqlite_path(location: str) -> Path:
    """The file a `sqlite:///FILE` URL or a plain path names (ValidationError if none)."""
    match = _SCHEME.match(location)
    if match is None:
        return Path(location)
    rest = location[match.end():]
    if rest in (":memory:", "/:memory:"):
        raise _refuse(location, f"an in-memory store is {MEMORY_SCHEME}:// (SQLite's "
                                ":memory: lives in one connection; the store uses several)")
    if match.group(1).lower() != "sqlite" or not rest.startswith("/"):
        raise _refuse(location, "a SQLite store URL is sqlite:///FILE (three slashes, "
                                "no host; sqlite:////FILE for an absolute path)")
    rest = rest[1:]
    if not rest or rest.endswith("/"):
        raise _refuse(location, "a SQLite store needs a file: sqlite:///FILE")
    return Path(rest)


def _sqlite_store(location: str) -> OrderStorage:
    return SQLiteOrderStore(sqlite_path(location))


def _memory_store(location: str) -> OrderStorage:
    name = location.split("://", 1)[1]
    if "/" in name or "?" in name or "@" in name:
        raise _refuse(location, f"an in-memory store is {MEMORY_SCHEME}:// or "
                                f"{MEMORY_SCHEME}://NAME (a name without / ? @)")
    return MemoryOrderStore(name or None)


def _postgres_store(location: str) -> OrderStorage:
    try:  # psycopg is the optional extra "postgres": imported only when asked for
        from execution.store_postgres import PostgresOrderStore
    except ImportError as exc:
        if not (exc.name or "").startswith("psycopg"):
            raise
        raise _refuse(location, "a PostgreSQL store needs psycopg 3: pip install "
                                "'aster-execution[postgres]'") from exc
    return PostgresOrderStore(location)


register_store_scheme("sqlite", _sqlite_store)
register_store_scheme(MEMORY_SCHEME, _memory_store)
register_store_scheme("postgresql", _postgres_store)
register_store_scheme("postgres", _postgres_store)


def open_store(target: OrderStorage | str | Path) -> OrderStorage:
    """The store `target` names, not opened yet (the manager opens it at start): a store
    as it is, a `Path` or a string without a scheme as a SQLite file, `scheme://...` by
    the scheme's registered factory. An unknown scheme, a malformed URL or anything else
    is a `ValidationError` (field "store") listing the schemes there are."""
    if isinstance(target, Path):
        return SQLiteOrderStore(target)
    if not isinstance(target, str):
        if isinstance(target, OrderStorage):
            return target
        raise ValidationError("store", type(target).__name__,
                              "an order store, a file path or a store URL")
    if not target.strip():
        raise _refuse(target, "an order store is a file path or a URL: " + _schemes_rule())
    match = _SCHEME.match(target)
    if match is None:
        if "://" in target:
            raise _refuse(target, "not a store URL (SCHEME://...): " + _schemes_rule())
        return SQLiteOrderStore(Path(target))
    factory = _FACTORIES.get(match.group(1).lower())
    if factory is None:
        raise _refuse(target, f"no store for the scheme {match.group(1)!r}: " + _schemes_rule())
    return factory(target)


def _schemes_rule() -> str:
    examples = ", ".join(f"{scheme}://" for scheme in known_schemes())
    return f"known schemes are {examples} (or give a file path)"
