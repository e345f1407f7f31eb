"""What a fleet soak run is asked to do: drivers, hosts, orders, kills, store and budget."""

from __future__ import annotations

from dataclasses import dataclass

from bench.soak.config import AUTH_SCHEMES, FaultKind

# The two simulated hosts: the whole of 127.0.0.0/8 is loopback on Linux, and the
# simulator counts request weight (and bans) per client address.
HOSTS = ("127.0.0.1", "127.0.0.2")

# The exchange-side faults a fleet run injects by default: the client-side ones of the
# single-driver soak (its clock, its disk, a second process) are that soak's business.
FLEET_FAULTS = frozenset({
    FaultKind.LOST_ORDER_RESPONSE, FaultKind.LOST_CANCEL_RESPONSE, FaultKind.SERVER_ERROR,
    FaultKind.STATUS_UNKNOWN_EXECUTED, FaultKind.STATUS_UNKNOWN_NOT_EXECUTED,
    FaultKind.RATE_LIMIT_BURST, FaultKind.IP_BAN, FaultKind.WEBSOCKET_DROP,
    FaultKind.LATE_EXECUTION, FaultKind.PRIMARY_DOWN, FaultKind.BAN_WHILE_UNKNOWN,
})

ACCOUNT_SCOPE = "fleet-account"  # the Redis budget's name for the account's order counts
LEASE_SECONDS = 4  # a PostgreSQL prefix lease: a killed driver's runs out this fast


def host_scope(address: str) -> str:
    """The Redis budget's name for the request weight of one source address."""
    return "fleet-ip-" + address.replace(".", "-")


def prefix_of(index: int) -> str:
    """A driver's client-id prefix on a shared store (on SQLite it derives from the file)."""
    return f"fl{index}"


@dataclass(frozen=True, slots=True)
class FleetConfig:
    """A fleet run: `drivers` processes drive `orders` placements in all, `kills` SIGKILLs.

    `store_url`: one store for every driver (`postgresql://...`: each its own prefix);
    None with `servers` starts a throwaway PostgreSQL, else each driver keeps a SQLite
    file. `rate_budget`: a Redis URL (`redis://host:port/0`, the names are the fleet's);
    None with `servers` starts a throwaway redis-server, else each driver keeps its own
    limits. `limits`: "exchange" runs the simulator with the exchange's limits (2400
    weight a minute per IP, 300 orders per 10 s and 1200 a minute per account), so that
    drivers that do not share a budget meet 429s; "generous" lifts them far away."""

    drivers: int = 4
    orders: int = 1000
    kills: int = 12
    seed: int = 7
    concurrency: int = 3  # strategy loops per driver
    fault_interval: float = 0.3
    faults: bool = True
    only: frozenset[FaultKind] | None = None
    auth: str = "both"  # v1, v3 or both (drivers and their lives alternate)
    store_url: str | None = None
    rate_budget: str | None = None
    servers: bool = True  # start PostgreSQL and Redis when no URL is given
    limits: str = "exchange"
    ban_seconds: int = 2
    startup_kill_share: float = 0.25  # kills that hit a driver still starting
    stall_timeout: float = 90.0  # longer than a minute's spent weight budget
    finish_timeout: float = 200.0
    run_timeout: float = 1800.0  # the whole run, before it gives up
    work_dir: str | None = None
    verbose: bool = False

    @property
    def kinds(self) -> frozenset[FaultKind]:
        if not self.faults:
            return frozenset()
        return self.only if self.only is not None else FLEET_FAULTS

    @property
    def auth_schemes(self) -> tuple[str, ...]:
        return AUTH_SCHEMES if self.auth == "both" else (self.auth,)
