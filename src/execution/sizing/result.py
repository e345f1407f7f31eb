"""What the position sizer returns: the method, the sized position and the rules it broke."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from execution.models import OrderSide


class SizingMethod(enum.Enum):
    """The five sizing methods of the position sizer."""

    FIXED_PERCENTAGE = "fixed_percentage"
    KELLY = "kelly"
    VOLATILITY = "volatility"
    RISK_BASED = "risk_based"
    ATR_BASED = "atr_based"

    @property
    def uses_stop(self) -> bool:
        """True for the methods whose risk is measured to a stop price."""
        return self in (SizingMethod.RISK_BASED, SizingMethod.ATR_BASED)


@dataclass(frozen=True, slots=True)
class SizingResult:
    """One sized position. Every figure is a Decimal; `quantity` is already exchange-rounded.

    `requested_position_percent` is the position % the method asked for before the cap and
    the rounding; `reasons` says why the size differs from it (cap, rounding, minimums, no
    edge) and why a stop is unusable (beyond the liquidation price).
    """

    method: SizingMethod
    side: OrderSide
    entry_price: Decimal
    quantity: Decimal
    notional: Decimal
    margin: Decimal
    position_percent: Decimal
    risk_amount: Decimal
    risk_percent: Decimal
    stop_price: Decimal | None
    leverage: int
    capped: bool
    reasons: tuple[str, ...]
    requested_position_percent: Decimal
    liquidation_price: Decimal
    stop_beyond_liquidation: bool

    @property
    def is_zero(self) -> bool:
        """True when the sizer gave no position (no edge, or below an exchange minimum)."""
        return self.quantity == 0

    @property
    def stop_distance(self) -> Decimal | None:
        """Distance between the entry and the (rounded) stop price, if there is a stop."""
        return None if self.stop_price is None else abs(self.entry_price - self.stop_price)


class SizingRule(enum.Enum):
    """The rules `PositionSizer.check_position_size` applies to a result."""

    POSITIVE_QUANTITY = "positive_quantity"
    MAX_RISK_PERCENT = "max_risk_percent"
    MAX_POSITION_PERCENT = "max_position_percent"
    STEP_SIZE = "step_size"
    MIN_QUANTITY = "min_quantity"
    MAX_QUANTITY = "max_quantity"
    MIN_NOTIONAL = "min_notional"
    STOP_BEFORE_LIQUIDATION = "stop_before_liquidation"


@dataclass(frozen=True, slots=True)
class RuleViolation:
    """A failed sizing rule with the figure that failed (`value`) and the bound (`limit`)."""

    rule: SizingRule
    value: Decimal
    limit: Decimal
    message: str

    def __str__(self) -> str:
        return self.message
