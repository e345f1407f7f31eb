"""What a soak run is asked to do, and the names of the faults it injects."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT")

# Smallest order per symbol above the exchange minimums (notional >= 5 USDT).
BASE_QUANTITY: dict[str, Decimal] = {
    "BTCUSDT": Decimal("0.001"),
    "ETHUSDT": Decimal("0.002"),
    "SOLUSDT": Decimal("0.05"),
}


class FaultKind(enum.Enum):
    """Every fault the soak injects (the report counts them by these names)."""

    LOST_ORDER_RESPONSE = "order response lost after execution"
    LOST_CANCEL_RESPONSE = "cancel response lost after execution"
    SERVER_ERROR = "5xx (500/502/504), not executed"
    STATUS_UNKNOWN_EXECUTED = "503/-1007 status unknown, executed"
    STATUS_UNKNOWN_NOT_EXECUTED = "503/-1007 status unknown, not executed"
    RATE_LIMIT_BURST = "429 burst"
    IP_BAN = "418 IP ban"
    CLOCK_SKEW_JUMP = "server clock step 6-20 s (-1021)"
    PRIMARY_DOWN = "primary endpoint down"
    WEBSOCKET_DROP = "WebSocket drop"
    LATE_EXECUTION = "503/-1007 on a new order, executed 0.3-10 s later"
    DISK_FULL = "the driver's store disk full for a while"
    EXCHANGE_RESTART = "exchange gateway restart (listenKeys dropped, connections cut)"
    CLIENT_CLOCK_STEP = "client clock step +-30 s..1 h"
    SECOND_PROCESS = "a second process trading the account"
    BAN_WHILE_UNKNOWN = "503/-1007 executed 1-3 s later, then 429 and a 418 ban"
    SLOW_EXCHANGE = "every answer 150-400 ms late for 0.5-3 s"


# Relative frequency of each fault once every kind has been injected once.
FAULT_WEIGHTS: dict[FaultKind, int] = {
    FaultKind.LOST_ORDER_RESPONSE: 16,
    FaultKind.LOST_CANCEL_RESPONSE: 8,
    FaultKind.SERVER_ERROR: 12,
    FaultKind.STATUS_UNKNOWN_EXECUTED: 10,
    FaultKind.STATUS_UNKNOWN_NOT_EXECUTED: 10,
    FaultKind.RATE_LIMIT_BURST: 3,
    FaultKind.IP_BAN: 1,
    FaultKind.CLOCK_SKEW_JUMP: 4,
    FaultKind.PRIMARY_DOWN: 2,
    FaultKind.WEBSOCKET_DROP: 8,
    FaultKind.LATE_EXECUTION: 6,
    FaultKind.DISK_FULL: 2,
    FaultKind.EXCHANGE_RESTART: 2,
    FaultKind.CLIENT_CLOCK_STEP: 3,
    FaultKind.SECOND_PROCESS: 2,
    FaultKind.BAN_WHILE_UNKNOWN: 1,
    FaultKind.SLOW_EXCHANGE: 3,
}


# Least seconds between two faults of a kind that stalls every request for a while.
FAULT_SPACING: dict[FaultKind, float] = {
    FaultKind.RATE_LIMIT_BURST: 4.0,
    FaultKind.IP_BAN: 15.0,
    FaultKind.PRIMARY_DOWN: 8.0,
    FaultKind.CLOCK_SKEW_JUMP: 2.0,
    FaultKind.DISK_FULL: 8.0,
    FaultKind.EXCHANGE_RESTART: 8.0,
    FaultKind.CLIENT_CLOCK_STEP: 4.0,
    FaultKind.SECOND_PROCESS: 6.0,
    FaultKind.BAN_WHILE_UNKNOWN: 15.0,
}

# The symbol the driver trades with brackets only (plus cancels and reduce-only flattens):
# every position on it comes from a bracket entry, so the time it spends without a live
# stop on the exchange is measured there.
BRACKET_SYMBOL = "BTCUSDT"

# Client order id prefixes: the driver's manager, and the second process on the account.
DRIVER_PREFIX = "om"
SECOND_PREFIX = "p2"

AUTH_SCHEMES = ("v1", "v3")  # HMAC, EIP-712


def parse_kinds(text: str) -> frozenset[FaultKind]:
    """`LATE_EXECUTION,DISK_FULL` (names, case-insensitive) as fault kinds; ValueError
    naming the unknown one."""
    kinds: set[FaultKind] = set()
    for name in (part.strip().upper() for part in text.split(",")):
        if not name:
            continue
        try:
            kinds.add(FaultKind[name])
        except KeyError:
            known = ", ".join(kind.name for kind in FaultKind)
            raise ValueError(f"unknown fault kind {name!r} (known: {known})") from None
    return frozenset(kinds)


@dataclass(frozen=True, slots=True)
class SoakConfig:
    """A soak run: `orders` placements by the driver over `restarts` + 1 driver lives."""

    orders: int = 1000
    restarts: int = 5
    seed: int = 7
    concurrency: int = 4
    fault_interval: float = 0.25  # mean seconds between two faults
    faults: bool = True
    startup_kill_share: float = 0.2  # share of the kills aimed at a driver still starting
    stall_timeout: float = 30.0  # a life placing nothing for this long is stalled
    finish_timeout: float = 120.0
    ban_seconds: int = 2
    work_dir: str | None = None  # keep the store and logs here (default: a temp dir)
    verbose: bool = False
    only: frozenset[FaultKind] | None = None  # inject only these kinds (None: every kind)
    auth: str = "both"  # "v1", "v3" or "both" (lives alternate)
    disk_mb: int = 64  # size of the tmpfs the driver's store lives on (DISK_FULL)
    stop_sample_interval: float = 0.075  # seconds between two looks at the bracket stops

    @property
    def kinds(self) -> frozenset[FaultKind]:
        """The fault kinds this run injects."""
        if not self.faults:
            return frozenset()
        return self.only if self.only is not None else frozenset(FaultKind)

    @property
    def auth_schemes(self) -> tuple[str, ...]:
        return AUTH_SCHEMES if self.auth == "both" else (self.auth,)
