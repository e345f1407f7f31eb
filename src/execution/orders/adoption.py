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
    AdoptPolicy.ALL: frozenset(Origin),
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
    seed = (str(Path(store_location).resolve()) if store_location is not None
            else uuid.uuid4().hex)
    return "om" + hashlib.sha256(seed.encode()).hexdigest()[:6]


def origin_of(client_order_id: str, prefix: str) -> Origin:
    """Whose an order is, from its client id and this manager's prefix."""
    if client_order_id.startswith(f"{prefix}-"):
        return Origin.OWN
    if client_order_id.startswith(LIQUIDATION_CLIENT_ID_PREFIX) or (
        client_order_id.startswith(ADL_CLIENT_ID)
    ):
        return Origin.EXCHANGE
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
        return self.foreign if origin is Origin.FOREIGN else self.unknown
