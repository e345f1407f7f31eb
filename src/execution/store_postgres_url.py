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

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from execution.errors import ValidationError
from execution.orders.adoption import check_prefix

SCHEMES = ("postgresql", "postgres")
DEFAULT_LEASE = 30.0  # s
_SECRET_KEYS = frozenset({"password", "passfile", "sslpassword", "sslkey"})
# A server that does not answer is unavailable, not waited for: connecting gives up after
# 5 s, and a connection whose sent data goes unacknowledged for 10 s (a host gone, a
# partition: no reset ever comes) is dropped, so that a flush fails instead of hanging;
# idle connections are probed. The URL's own values win.
TIMEOUTS = {"connect_timeout": "5", "tcp_user_timeout": "10000", "keepalives": "1",
            "keepalives_idle": "10", "keepalives_interval": "5", "keepalives_count": "3"}


@dataclass(frozen=True, slots=True)
class PostgresTarget:
    """A parsed store URL: `conninfo` for psycopg (with the password: never shown),
    `base` the name without secrets, `prefix` and `lease` the store's options."""

    conninfo: str
    base: str
    prefix: str | None
    lease: float


def _shown(url: str) -> str:
    """`url` for an error: the password and any secret parameter as `***` (the last "@"
    ends the credentials, so an unencoded "@" or "/" in a password leaves nothing)."""
    head, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, tail = rest.rpartition("@")[2].partition("/") if "@" in rest else (
        rest.partition("/"))
    if "@" in rest:
        userinfo = rest.rpartition("@")[0]
        netloc = f"{userinfo.split(':', 1)[0]}:***@{netloc}" if ":" in userinfo else (
            f"{userinfo}@{netloc}")
    path, mark, query = tail.partition("?")
    if mark:
        query = "&".join(
            f"{item.partition('=')[0]}=***" if item.partition("=")[0].lower() in _SECRET_KEYS
            else item for item in query.split("&"))
    return f"{head}://{netloc}{slash}{path}{mark}{query}"


def _refuse(url: str, rule: str) -> ValidationError:
    return ValidationError("store", _shown(url), rule)


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


def with_timeouts(conninfo: str) -> str:
    """`conninfo` with `TIMEOUTS` for the parameters it does not set itself."""
    given = conninfo_to_dict(conninfo)
    missing = {key: value for key, value in TIMEOUTS.items() if key not in given}
    return make_conninfo(conninfo, **missing)
