"""Which orders found on the exchange a manager takes over ("adopts"), and which it leaves.

An order the manager does not track can turn up on the exchange (the stream, polling, the
reconciliation at start). Whose it is follows from its client order id:

- `OWN`: it carries this manager's prefix (`<prefix>-...`, see `new_client_order_id`):
  placed by this manager (a store that lost the row, or no store).
- `EXCHANGE`: the exchange's own orders: liquidations (`autoclose-...`) and
  auto-deleveraging (`adl_autoclose`). They change our positions, so they are always
  followed (tagged "liquidation" / "adl") unless adoption is off altogether.
- `FOREIGN`: the id format of another manager (`<other prefix>-<hex>`): its orders are
  its own business.
- `UNPREFIXED`: anything else (placed by hand, on the web, by another tool).
- `LIVE`: on a store several managers share (PostgreSQL, `PrefixOwners`), the prefix of
  another manager that holds a live lease there: never adopted, whatever the policy. A
  prefix this manager took over counts as its own (`OWN`).

`AdoptPolicy` says what is adopted: `OWN` (the default: own and the exchange's), `UNPREFIXED`
(also unprefixed ones), `ALL` (also another manager's), `NONE` (nothing). An order not
adopted is reported (the reconciliation's `foreign` / `unknown` lists, one log line).
"""

from __future__ import annotations

import enum
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from execution.errors import ValidationError
from execution.models import LIQUIDATION_CLIENT_ID_PREFIX

ADL_CLIENT_ID = "adl_autoclose"  # the exchange's auto-deleveraging orders
ADL_TAG = "adl"
# `<prefix>-<hex>`: the client ids `new_client_order_id` makes (uuid4 hex, cut to 36).
_MANAGER_ID = re.compile(r"^.+-[0-9a-f]{8,32}$")


class Origin(enum.Enum):
    """Who placed an order, as its client order id tells."""

    OWN = "own"
    EXCHANGE = "exchange"
    FOREIGN = "foreign"
    UNPREFIXED = "unprefixed"
    LIVE = "live"  # another live manager's, on a shared store


class AdoptPolicy(enum.Enum):
    """Which untracked orders a manager adopts (each includes the ones before it)."""

    NONE = "none"
    OWN = "own"  # own prefix, and the exchange's liquidation / ADL orders
    UNPREFIXED = "unprefixed"  # also orders without a manager's prefix
    ALL = "all"  # also another manager's orders


_ADOPTED: dict[AdoptPolicy, frozenset[Origin]] = {
    AdoptPolicy.NONE: frozenset(),
    AdoptPolicy.OWN: frozenset({Origin.OWN, Origin.EXCHANGE}),
    AdoptPolicy.UNPREFIXED: frozenset({Origin.OWN, Origin.EXCHANGE, Origin.UNPREFIXED}),
    AdoptPolicy.ALL: frozenset(Origin) - {Origin.LIVE},
}


# A prefix leaves at least 20 hex digits of the 36 characters a client id may have, so two
# orders of one manager never share an id by chance.
MAX_PREFIX = 15
_PREFIX = re.compile(rf"^[A-Za-z0-9._:/]{{1,{MAX_PREFIX}}}$")


def check_prefix(prefix: object) -> str:
    """A client-id prefix: 1-15 of the characters the exchange allows in a client id
    (letters, digits, `._:/`; not `-`, which ends it)."""
    if not isinstance(prefix, str) or not _PREFIX.match(prefix):
        raise ValidationError(
            "client_order_id_prefix", prefix,
            f"must be 1-{MAX_PREFIX} letters, digits or ._:/ (the rest of the 36-character "
            "client id keeps orders apart)",
        )
    return prefix


def default_prefix(store_location: str | Path | None) -> str:
    """A manager's client-id prefix when none is given: "om" and 6 hex digits of its store
    file's absolute path. The same file gives the same prefix after a restart (the manager
    finds its own orders again); two files, two prefixes (two managers on one account never
    take each other's orders). Without a store: random, for this process only."""
    if store_location is None:
        seed = uuid.uuid4().hex
    elif "://" in str(store_location):  # a URL names the same store from any directory
        seed = str(store_location)
    else:
        seed = str(Path(store_location).resolve())
    return "om" + hashlib.sha256(seed.encode()).hexdigest()[:6]


@runtime_checkable
class PrefixOwners(Protocol):
    """A store several managers share, which knows whose each client-id prefix is."""

    def bind_prefix(self, prefix: str | None) -> str:
        """The prefix of the manager using the store (`prefix`, or the store's own)."""
        ...

    def live_prefixes(self) -> frozenset[str]:
        """The prefixes other managers hold live: their orders are not to be adopted."""
        ...

    def owned_prefixes(self) -> frozenset[str]:
        """This manager's prefix and the prefixes it took over."""
        ...


def owners_of(store: object) -> PrefixOwners | None:
    """`store` if it is shared by several managers, else None."""
    return store if isinstance(store, PrefixOwners) else None


def manager_prefix(store: object, given: str | None) -> str:
    """A manager's client-id prefix: on a shared store, the one bound to it (the store's,
    or `given`, which must agree with it); else `given` or `default_prefix` of the store."""
    owners = owners_of(store)
    if owners is not None:
        return check_prefix(owners.bind_prefix(None if given is None else check_prefix(given)))
    if given is not None:
        return check_prefix(given)
    location = getattr(store, "location", None)
    return default_prefix(location if isinstance(location, str) else None)


def origin_of(client_order_id: str, prefix: str, owners: PrefixOwners | None = None) -> Origin:
    """Whose an order is, from its client id and this manager's prefix (and, on a shared
    store, whose the other prefixes are)."""
    if client_order_id.startswith(f"{prefix}-"):
        return Origin.OWN
    if client_order_id.startswith(LIQUIDATION_CLIENT_ID_PREFIX) or (
        client_order_id.startswith(ADL_CLIENT_ID)
    ):
        return Origin.EXCHANGE
    if owners is not None and "-" in client_order_id:
        head = client_order_id.split("-", 1)[0]
        if head in owners.live_prefixes():
            return Origin.LIVE
        if head in owners.owned_prefixes():
            return Origin.OWN
    if _MANAGER_ID.match(client_order_id):
        return Origin.FOREIGN
    return Origin.UNPREFIXED


def adopts(policy: AdoptPolicy, origin: Origin) -> bool:
    return origin in _ADOPTED[policy]


def resolve_policy(adopt: AdoptPolicy | str | None, adopt_unknown: bool | None) -> AdoptPolicy:
    """The policy from `adopt` and the older `adopt_unknown` flag (True: the default
    `OWN`; False: `NONE`). Both given must agree."""
    if adopt is None:
        return AdoptPolicy.NONE if adopt_unknown is False else AdoptPolicy.OWN
    try:
        policy = AdoptPolicy(adopt) if isinstance(adopt, str) else adopt
    except ValueError:
        raise ValidationError(
            "adopt", adopt, f"must be one of {[p.value for p in AdoptPolicy]}"
        ) from None
    if adopt_unknown is not None and adopt_unknown != (policy is not AdoptPolicy.NONE):
        raise ValidationError(
            "adopt_unknown", adopt_unknown, f"contradicts adopt={policy.value!r}"
        )
    return policy


@dataclass(slots=True)
class AdoptionLog:
    """Untracked orders met while it is kept (a start): adopted, or left and why."""

    adopted: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)  # another manager's: not adopted
    unknown: list[str] = field(default_factory=list)  # not adopted by the policy

    def left(self, origin: Origin) -> list[str]:
        """The list an order of `origin` that was not adopted goes to."""
        return self.foreign if origin in (Origin.FOREIGN, Origin.LIVE) else self.unknown
