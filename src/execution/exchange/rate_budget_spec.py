"""A shared rate budget's address: a Redis URL and the names of its two scopes.

`redis://host:6379/0#NAME` shares both counts under NAME; `#ip=NAME&account=NAME` names
the request-weight count (per egress IP, as the exchange counts it) apart from the order
counts (per account). The URL may carry a password: only `safe_url` is ever shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from execution.errors import ConfigurationError

_SCOPE = re.compile(r"^[A-Za-z0-9._:@-]{1,80}$")
_SCHEMES = ("redis", "rediss", "unix")


@dataclass(frozen=True, slots=True)
class RateBudgetSpec:
    """A shared budget: the Redis URL and the names of its two scopes.

    `weight_scope` names the request-weight count (the exchange counts it per IP: one name
    per egress IP); `orders_scope` the order counts (per account: one name per account).
    `redis://host:6379/0#NAME` uses NAME for both; `#ip=NAME&account=NAME` sets each.
    """

    url: str  # without the fragment; may hold a password: never log it (see `safe_url`)
    weight_scope: str
    orders_scope: str

    @property
    def safe_url(self) -> str:
        """The URL without user name and password."""
        return safe_url(self.url)

    @property
    def label(self) -> str:
        scopes = (self.weight_scope if self.weight_scope == self.orders_scope
                  else f"ip={self.weight_scope}, account={self.orders_scope}")
        return f"{scopes} at {self.safe_url}"


def safe_url(url: str) -> str:
    """`url` with any user name and password removed (for logs and errors)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def parse_rate_budget(text: str) -> RateBudgetSpec:
    """`redis://host:6379/0#NAME` (or `#ip=NAME&account=NAME`) -> a spec; a clear
    `ConfigurationError` for anything else (the password is never repeated)."""
    url, _, fragment = text.strip().partition("#")
    scheme = urlsplit(url).scheme.lower()
    if scheme not in _SCHEMES:
        raise ConfigurationError(
            f"rate budget {safe_url(url)!r}: expected redis://, rediss:// or unix:// "
            "followed by #NAME (e.g. redis://127.0.0.1:6379/0#desk-a)"
        )
    if not fragment:
        raise ConfigurationError(
            f"rate budget {safe_url(url)}: name it after '#' (redis://host:6379/0#NAME; "
            "one name per egress IP, or #ip=NAME&account=NAME)"
        )
    if "=" in fragment:
        fields = dict(parse_qsl(fragment, keep_blank_values=True))
        unknown = set(fields) - {"ip", "account"}
        if unknown or "ip" not in fields:
            raise ConfigurationError(
                f"rate budget name {fragment!r}: expected #NAME or #ip=NAME&account=NAME"
            )
        weight, orders = fields["ip"], fields.get("account", fields["ip"])
    else:
        weight = orders = fragment
    for name in (weight, orders):
        if not _SCOPE.match(name):
            raise ConfigurationError(
                f"rate budget name {name!r}: 1-80 letters, digits or . _ : @ -"
            )
    return RateBudgetSpec(url, weight, orders)
