"""What a `postgresql://` store URL says: how to connect, the store's name, its options.

`postgresql://USER:PASSWORD@HOST:PORT/DATABASE?prefix=bot1&lease=30` (also `postgres://`;
any libpq parameter may follow, `sslmode=require` say). Two parameters are the store's own
and are not passed to the server: `prefix`, the client-id prefix of the manager that uses
the store (its orders; see `store_postgres_leases`), and `lease`, the seconds a lease lasts
unless renewed. The `location` (the store's name, in messages and logs) is the URL without
the password or any other secret, and with the prefix when one is bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from execution.errors import ValidationError
from execution.orders.adoption import check_prefix
from execution.store_location import redact_url

SCHEMES = ("postgresql", "postgres")
DEFAULT_LEASE = 30.0  # s
_SECRET_KEYS = frozenset({"password", "passfile", "sslpassword", "sslkey"})


@dataclass(frozen=True, slots=True)
class PostgresTarget:
    """A parsed store URL: `conninfo` for psycopg (with the password: never shown),
    `base` the name without secrets, `prefix` and `lease` the store's options."""

    conninfo: str
    base: str
    prefix: str | None
    lease: float


def _refuse(url: str, rule: str) -> ValidationError:
    return ValidationError("store", redact_url(url), rule)


def parse_target(url: str) -> PostgresTarget:
    """The store a `postgresql://` URL names; `ValidationError` (field "store", the URL
    without its password) for one it cannot use."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        raise _refuse(url, "a PostgreSQL store URL is postgresql://USER@HOST:PORT/DATABASE")
    try:
        port = parts.port
    except ValueError:
        raise _refuse(url, "the port must be a number") from None
    query = parse_qsl(parts.query, keep_blank_values=True)
    options = {key: value for key, value in query if key in ("prefix", "lease")}
    passed = [(key, value) for key, value in query if key not in ("prefix", "lease")]
    prefix = options.get("prefix")
    if prefix is not None:
        check_prefix(prefix)
    lease = DEFAULT_LEASE
    if "lease" in options:
        try:
            lease = float(options["lease"])
        except ValueError:
            lease = 0.0
        if not 1.0 <= lease <= 86_400.0:
            raise _refuse(url, "lease is the seconds a manager's lease lasts, 1 to 86400")
    database = parts.path.lstrip("/")
    if "/" in database:
        raise _refuse(url, "the path is the database's name: postgresql://HOST/DATABASE")
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{port}" if port is not None else "")
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    shown = [(k, v) for k, v in passed if k.lower() not in _SECRET_KEYS]
    base = urlunsplit(("postgresql", netloc, "/" + database, urlencode(shown), ""))
    conninfo = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(passed), ""))
    return PostgresTarget(conninfo, base, prefix, lease)


def location_of(base: str, prefix: str | None) -> str:
    """The store's name: `base`, and the prefix once the store has one."""
    if prefix is None:
        return base
    return base + ("&" if "?" in base else "?") + f"prefix={prefix}"
