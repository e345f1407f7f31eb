"""What the risk layer allows: limits, trading states, and the reasons for a denial."""

from __future__ import annotations

import enum
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import Any

from execution.coercion import to_enum
from execution.errors import ValidationError
from execution.money import to_decimal
from execution.rules import normalize_symbol


class TradingState(enum.StrEnum):
    """ACTIVE: every order; REDUCING: only orders that reduce a position; HALTED: none
    from the caller (the manager's own protective work, which only reduces, still goes)."""

    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    HALTED = "HALTED"


STRICTNESS = {TradingState.ACTIVE: 0, TradingState.REDUCING: 1, TradingState.HALTED: 2}
"""How much each trading state forbids: a state recorded by another process is taken up by
a running manager only when it is stricter than its own."""


class DenialReason(enum.StrEnum):
    """Why the risk layer refused an order."""

    HALTED = "HALTED"
    REDUCING_ONLY = "REDUCING_ONLY"
    SYMBOL_NOTIONAL = "SYMBOL_NOTIONAL"
    ACCOUNT_NOTIONAL = "ACCOUNT_NOTIONAL"
    LEVERAGE = "LEVERAGE"
    OPEN_ORDERS = "OPEN_ORDERS"
    CONDITIONAL_ORDERS = "CONDITIONAL_ORDERS"
    RATE = "RATE"
    PRICE_BAND = "PRICE_BAND"
    DAILY_LOSS = "DAILY_LOSS"
    DRAWDOWN = "DRAWDOWN"
    STOP_BEYOND_LIQUIDATION = "STOP_BEYOND_LIQUIDATION"


class RiskDeniedError(ValidationError):
    """The risk layer refused an order before it was sent; `reason` says which rule."""

    def __init__(self, reason: DenialReason, field: str, value: Any, rule: str) -> None:
        self.reason = reason
        super().__init__(field, value, f"{reason.value}: {rule}")


def _decimal_or_none(value: Any, name: str) -> Decimal | None:
    if value is None:
        return None
    number = to_decimal(value, name)
    if number <= 0:
        raise ValidationError(name, value, "must be greater than 0")
    return number


@dataclass(frozen=True)
class RiskLimits:
    """Every limit is optional (None: not checked). Amounts are in the quote asset (USDT).

    `max_symbol_notional` caps a symbol's position after the order, counting this
    manager's open orders on the same side as filled (`symbol_notional` overrides it per
    symbol); `max_account_notional` caps the sum over symbols. `max_leverage` refuses
    orders that add to a position held at a higher leverage. `max_open_orders` and
    `max_conditional_orders` count the manager's open orders (a conditional one: a stop,
    take-profit or trailing stop). `max_orders_per_second` throttles submits and
    modifications. `price_band_percent` refuses a limit price farther from the mark.
    `daily_loss_limit` (realised PnL less fees since 00:00 UTC) and `max_drawdown` (from
    the day's best) switch the state to `loss_action` (REDUCING or HALTED).
    """

    max_symbol_notional: Decimal | None = None
    symbol_notional: Mapping[str, Decimal] = field(default_factory=dict)
    max_account_notional: Decimal | None = None
    max_leverage: int | None = None
    max_open_orders: int | None = None
    max_conditional_orders: int | None = None
    max_orders_per_second: int | None = None
    price_band_percent: Decimal | None = None
    daily_loss_limit: Decimal | None = None
    max_drawdown: Decimal | None = None
    loss_action: TradingState = TradingState.HALTED
    refuse_stops_beyond_liquidation: bool = True

    def __post_init__(self) -> None:
        coerce = object.__setattr__
        for name in ("max_symbol_notional", "max_account_notional", "price_band_percent",
                     "daily_loss_limit", "max_drawdown"):
            coerce(self, name, _decimal_or_none(getattr(self, name), name))
        coerce(self, "symbol_notional", {
            normalize_symbol(symbol): _decimal_or_none(value, f"symbol_notional[{symbol}]")
            for symbol, value in dict(self.symbol_notional).items()
        })
        for name in ("max_leverage", "max_open_orders", "max_conditional_orders",
                     "max_orders_per_second"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < 0):
                raise ValidationError(name, value, "must be a whole number >= 0, or None")
        action = to_enum(TradingState, self.loss_action, "loss_action")
        if action is TradingState.ACTIVE:
            raise ValidationError("loss_action", action.value, "must be REDUCING or HALTED")
        coerce(self, "loss_action", action)
        if not isinstance(self.refuse_stops_beyond_liquidation, bool):
            raise ValidationError("refuse_stops_beyond_liquidation",
                                  self.refuse_stops_beyond_liquidation, "must be True or False")

    @property
    def needs_mark(self) -> bool:
        """Whether a check values the order at the mark (exposure caps, the price band)."""
        return (self.max_symbol_notional is not None or bool(self.symbol_notional)
                or self.max_account_notional is not None
                or self.price_band_percent is not None)

    @property
    def counts_orders(self) -> bool:
        """Whether a check needs this manager's open orders (counts, or exposure)."""
        return (self.max_open_orders is not None or self.max_conditional_orders is not None
                or self.needs_mark)

    def notional_cap(self, symbol: str) -> Decimal | None:
        """The position cap of `symbol` (its own, else the general one)."""
        return self.symbol_notional.get(symbol, self.max_symbol_notional)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> RiskLimits:
        """Limits from a mapping (a parsed file); an unknown key is refused by name."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValidationError("risk limits", unknown[0],
                                  f"unknown limit; known: {', '.join(sorted(known))}")
        return cls(**dict(values))

    @classmethod
    def from_file(cls, path: str | Path) -> RiskLimits:
        """Limits from a TOML (`.toml`) or JSON file; figures as strings or integers keep
        their exact value (a TOML or JSON float is read through its text)."""
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".toml":
            values = tomllib.loads(text, parse_float=Decimal)
        else:
            values = json.loads(text, parse_float=Decimal)
        if not isinstance(values, dict):
            raise ValidationError("risk limits", str(path), "must hold a table of limits")
        return cls.from_mapping(values)
