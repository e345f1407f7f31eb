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
    CLOCK_SKEW_JUMP = "clock skew jump (-1021)"
    PRIMARY_DOWN = "primary endpoint down"
    WEBSOCKET_DROP = "WebSocket drop"


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
}


# Least seconds between two faults of a kind that stalls every request for a while.
FAULT_SPACING: dict[FaultKind, float] = {
    FaultKind.RATE_LIMIT_BURST: 4.0,
    FaultKind.IP_BAN: 15.0,
    FaultKind.PRIMARY_DOWN: 8.0,
    FaultKind.CLOCK_SKEW_JUMP: 2.0,
}


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
    stall_timeout: float = 60.0  # a life without progress for this long is a stall
    finish_timeout: float = 120.0
    ban_seconds: int = 2
    work_dir: str | None = None  # keep the store and logs here (default: a temp dir)
    verbose: bool = False
