"""The protection audit: does every open position have a live stop on the exchange?

Local state is not trusted for this: a stop the manager believes NEW may be gone (cancelled
by the venue, lost by a restarted exchange, never placed by the system that opened the
position). Each audit reads the exchange's positions and open orders and, for every open
position (also ones this manager did not open), looks for a LIVE stop that closes it:

- a STOP_MARKET, STOP or TRAILING_STOP_MARKET order of the position's symbol,
- on the closing side (SELL for a long, BUY for a short) and the position's side (hedge
  mode: LONG/SHORT; one-way: BOTH),
- `closePosition=true` (covers the whole position), or reduce-only (in hedge mode every
  order on the position side with the closing side reduces it), covering with its
  remaining quantity, summed over such orders, at least the position's size.

A position without one is UNPROTECTED: reported through the `position_unprotected` callback
(it receives the `PositionProtection`), listed in `ProtectionReport.unprotected`, and acted
on by the configured `ProtectionPolicy`: REPORT (nothing more, the default), REARM (place a
reduce-only STOP_MARKET for the uncovered quantity at `rearm_distance_percent` from the
mark, or at `rearm_prices[symbol]`), FLATTEN (close the position at market).

The manager runs the audit at start (the reconciliation's `unprotected` list comes from
it), after every user-stream resync, and every `interval` seconds (`ProtectionConfig`).
This module holds the rules and the reports; `protection_audit` runs audits and acts.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from execution.coercion import to_enum, to_seconds
from execution.errors import ValidationError
from execution.models import Order, OrderSide, OrderType, Position, PositionSide
from execution.money import Number, positive
from execution.rules import normalize_symbol

ZERO = Decimal(0)
_HUNDRED = Decimal(100)
PROTECTIVE_TYPES = frozenset(
    {OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT, OrderType.TRAILING_STOP_MARKET}
)
REARM_TAG = "protection_rearm"
FLATTEN_TAG = "protection_flatten"
UNPROTECTED_EVENT = "position_unprotected"


class ProtectionPolicy(enum.Enum):
    """What the audit does about an unprotected position."""

    REPORT = "report"  # log, callback, report: nothing placed
    REARM = "rearm"  # place a reduce-only stop for what is uncovered
    FLATTEN = "flatten"  # close the position at market


@dataclass(frozen=True, slots=True)
class ProtectionConfig:
    """How and when the audit runs.

    `policy`: a `ProtectionPolicy` or its value ("report", "rearm", "flatten").
    `interval`: seconds between periodic audits (None: only at start and after a resync).
    `rearm_distance_percent`: a rearmed stop's distance from the mark, in percent (a long's
    stop below, a short's above). `rearm_prices`: an absolute stop price per symbol,
    used instead of the distance for that symbol.
    """

    policy: ProtectionPolicy | str = ProtectionPolicy.REPORT
    interval: float | None = 60.0
    rearm_distance_percent: Number = Decimal("2")
    rearm_prices: Mapping[str, Number] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "policy", to_enum(ProtectionPolicy, self.policy, "policy"))
        if self.interval is not None:
            object.__setattr__(self, "interval", to_seconds(self.interval, "interval"))
        distance = positive(self.rearm_distance_percent, "rearm_distance_percent")
        if distance >= _HUNDRED:
            raise ValidationError("rearm_distance_percent", distance, "must be below 100")
        object.__setattr__(self, "rearm_distance_percent", distance)
        prices = {normalize_symbol(symbol): positive(price, f"rearm_prices[{symbol}]")
                  for symbol, price in self.rearm_prices.items()}
        object.__setattr__(self, "rearm_prices", prices)

    @property
    def policy_value(self) -> ProtectionPolicy:
        """`policy`, typed as the enum it was coerced to at construction."""
        assert isinstance(self.policy, ProtectionPolicy)
        return self.policy


@dataclass(frozen=True, slots=True)
class PositionProtection:
    """One open position as the audit found it.

    `quantity` is signed (long > 0). `covered` is what the live protective orders close
    (the whole size when one is closePosition); `stops` their client order ids. `action`
    says what the policy did ("" for none, "rearmed <client id>", "flattened", or
    "failed: <why>")."""

    symbol: str
    position_side: PositionSide
    quantity: Decimal
    mark_price: Decimal
    covered: Decimal
    stops: tuple[str, ...]
    action: str = ""

    @property
    def protected(self) -> bool:
        return self.covered >= abs(self.quantity)

    @property
    def uncovered(self) -> Decimal:
        return max(abs(self.quantity) - self.covered, ZERO)

    @property
    def closing_side(self) -> OrderSide:
        return closing_side_of(self.quantity, self.position_side)


@dataclass(frozen=True, slots=True)
class ProtectionReport:
    """The result of one audit: every open position, and when it was checked (ms).
    `error` is set (and `positions` empty) when the exchange could not be read."""

    checked_at: int
    positions: tuple[PositionProtection, ...] = ()
    error: str | None = None

    @property
    def unprotected(self) -> tuple[PositionProtection, ...]:
        return tuple(p for p in self.positions if not p.protected)

    @property
    def unprotected_symbols(self) -> list[str]:
        """Symbols with at least one unprotected position, in order, once each."""
        return list(dict.fromkeys(p.symbol for p in self.unprotected))

    @property
    def is_protected(self) -> bool:
        return self.error is None and not self.unprotected


def closing_side_of(quantity: Decimal, position_side: PositionSide) -> OrderSide:
    """The side of an order that closes the position."""
    if position_side is PositionSide.LONG:
        return OrderSide.SELL
    if position_side is PositionSide.SHORT:
        return OrderSide.BUY
    return OrderSide.SELL if quantity > 0 else OrderSide.BUY


def covers(order: Order, position: Position) -> bool:
    """True when `order` is a live protective stop that closes (part of) `position`."""
    if (
        order.symbol != position.symbol or not order.status.is_open
        or order.order_type not in PROTECTIVE_TYPES
        or order.position_side is not position.position_side
        or order.side is not closing_side_of(position.quantity, position.position_side)
    ):
        return False
    hedge = position.position_side is not PositionSide.BOTH
    return order.close_position or order.reduce_only or hedge


def assess(positions: Iterable[Position], open_orders: Iterable[Order]) -> list[PositionProtection]:
    """Each open position with what the open orders protect of it (pure)."""
    orders = list(open_orders)
    found: list[PositionProtection] = []
    for position in positions:
        if position.quantity == 0:
            continue
        stops = [o for o in orders if covers(o, position)]
        size = abs(position.quantity)
        if any(o.close_position for o in stops):
            covered = size
        else:
            covered = sum((o.remaining_quantity for o in stops), ZERO)
        found.append(PositionProtection(
            position.symbol, position.position_side, position.quantity, position.mark_price,
            covered, tuple(o.client_order_id for o in stops),
        ))
    return found
