"""What the demo reports: plain dataclasses of Decimals, printable as tables or JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from execution.models import Balance
from execution.sizing import SizingResult


@dataclass(frozen=True, slots=True)
class SizingLine:
    """One sizing method at the demo's price and balance, with its verdict."""

    label: str
    inputs: str
    result: SizingResult
    valid: bool
    violations: tuple[str, ...] = ()
    chosen: bool = False


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One order of the bracket as it ended."""

    role: str  # ENTRY, STOP_LOSS, TAKE_PROFIT
    client_order_id: str
    order_id: str
    side: str
    order_type: str
    quantity: Decimal
    trigger_price: Decimal | None
    status: str
    filled_quantity: Decimal
    average_price: Decimal | None
    commission: Decimal
    reduce_only: bool


@dataclass(frozen=True, slots=True)
class PnlSummary:
    """The closed position: entry and exit, gross and net PnL, and the wallet's change."""

    symbol: str
    side: str
    quantity: Decimal
    entry_price: Decimal
    exit_price: Decimal
    exit_reason: str  # "take-profit" or "stop-loss"
    gross_pnl: Decimal
    fees: Decimal
    net_pnl: Decimal
    wallet_change: Decimal
    return_on_margin_percent: Decimal
    position_closed: bool
    funding: Decimal | None = None  # received (+) or paid (-) while the position was open


@dataclass(frozen=True, slots=True)
class PricePath:
    """How the seeded price moved until an exit filled."""

    start: Decimal
    low: Decimal
    high: Decimal
    end: Decimal
    steps: int
    samples: tuple[Decimal, ...] = ()  # prices along the walk, evenly sampled


@dataclass(slots=True)
class DemoReport:
    """Everything the demo did, in order."""

    seed: int
    venue: str
    symbol: str
    leverage: int
    balance_before: Balance | None = None
    balance_after: Balance | None = None
    mark_price: Decimal | None = None
    sizing: list[SizingLine] = field(default_factory=list)
    orders: list[OrderLine] = field(default_factory=list)
    price_path: PricePath | None = None
    pnl: PnlSummary | None = None
    equity: list[Decimal] = field(default_factory=list)  # the wallet with the open PnL
    statistics: Any = None
    stored_events: int = 0
    steps_log: list[str] = field(default_factory=list)

    def log(self, text: str) -> None:
        self.steps_log.append(text)
