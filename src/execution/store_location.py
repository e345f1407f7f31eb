"""Which order store a caller means: an `OrderStore`, a path to a SQLite file, or a URL.

URLs name the kind of store, so another database can be added beside SQLite:
`sqlite:///orders.sqlite` (relative to the working directory) and
`sqlite:////var/lib/bot/orders.sqlite` (absolute), as SQLAlchemy writes them. A plain path
is a SQLite file. Anything else is a `ConfigurationError` naming the kinds there are.
"""

from __future__ import annotations

from pathlib import Path

from execution.errors import ConfigurationError
from execution.store import OrderStore

SQLITE_PREFIX = "sqlite:///"
KINDS = ("sqlite",)


def sqlite_path(location: str) -> Path | None:
    """The file a `sqlite:///...` URL or a plain path names; None for another URL."""
    if location.startswith(SQLITE_PREFIX):
        rest = location[len(SQLITE_PREFIX):]
        if not rest or rest == ":memory:":
            raise ConfigurationError(
                f"order store {location!r}: a SQLite store needs a file (sqlite:///FILE)"
            )
        return Path(rest)
    if "://" in location:
        return None
    return Path(location)


def open_store(location: OrderStore | str | Path) -> OrderStore:
    """The store `location` names (not opened yet: the manager opens it at start)."""
    if isinstance(location, OrderStore):
        return location
    if isinstance(location, Path):
        return OrderStore(location)
    path = sqlite_path(location)
    if path is None:
        kind = location.split("://", 1)[0]
        raise ConfigurationError(
            f"order store {location!r}: no store of kind {kind!r} (there is: "
            f"{', '.join(KINDS)}; or give a file path)"
        )
    return OrderStore(path)
