"""The position sizer: five methods, one cap on margin, exchange rounding, one verdict.

The semantics are those of `SIZING.md`: a method proposes a quantity; the position % (margin
over equity) is capped at `max_position_percent`; the quantity is rounded down to the step
size and zeroed below the exchange's minimums; a stop price is rounded toward the entry; the
risk reported is that of the rounded quantity to the rounded stop. Quantities are divided
with a floor context, so rounding never adds a unit of exposure or risk.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Context, Decimal
from typing import Any

from execution.errors import ValidationError
from execution.models import OrderSide
from execution.money import Number, positive, to_decimal
from execution.rules import SymbolRules
from execution.sizing.inputs import (
    leverage_of,
    percent_of,
    positive_number,
    rate_of,
    side_of,
)
from execution.sizing.keywords import Entry, dispatch, dispatch_entry, price_alias
from execution.sizing.limits import broken_rules
from execution.sizing.result import RuleViolation, SizingMethod, SizingResult
from execution.sizing.rounding import round_quantity, round_stop_toward_entry, show

ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_HALF = Decimal("0.5")
_DEFAULT_MMR = Decimal("0.004")
# Quantities are quotients; flooring them keeps notional and risk at or under their bounds.
_FLOOR = Context(rounding=ROUND_FLOOR)
_BUY = OrderSide.BUY

class PositionSizer:
    """Sizes positions for one account balance, leverage and (optionally) one symbol's rules.

    Percentages are in percent (2 means 2%). Every method accepts int, str, Decimal or float
    inputs and raises `ValidationError` naming the field for any invalid one. The price is
    `entry_price`; `current_price=` (the original API's keyword) is accepted for it too.
    """

    __slots__ = (
        "_account_balance",
        "_cap_note",
        "_fee_rate",
        "_leverage",
        "_leverage_decimal",
        "_long_liquidation_factor",
        "_maintenance_margin_rate",
        "_max_notional",
        "_max_position_percent",
        "_max_risk_percent",
        "_notional_per_percent",
        "_one_percent",
        "_short_liquidation_factor",
        "_symbol_rules",
    )

    def __init__(
        self,
        account_balance: Number,
        max_risk_percent: Number = 2.0,
        max_position_percent: Number = 10.0,
        leverage: Number = 1,
        fee_rate: Number = 0,
        symbol_rules: SymbolRules | None = None,
        maintenance_margin_rate: Number = _DEFAULT_MMR,
    ) -> None:
        self._account_balance = positive(account_balance, "account_balance")
        self._max_risk_percent = percent_of(max_risk_percent, "max_risk_percent")
        self._max_position_percent = percent_of(max_position_percent, "max_position_percent")
        self._leverage = leverage_of(leverage)
        self._fee_rate = rate_of(fee_rate, "fee_rate")
        self._maintenance_margin_rate = rate_of(maintenance_margin_rate, "maintenance_margin_rate")
        if symbol_rules is not None and not isinstance(symbol_rules, SymbolRules):
            raise ValidationError("symbol_rules", symbol_rules, "must be a SymbolRules or None")
        self._symbol_rules = symbol_rules
        # Everything that does not depend on a call's inputs is computed once, here.
        lev = Decimal(self._leverage)
        self._leverage_decimal = lev
        self._one_percent = self._account_balance / _HUNDRED
        self._notional_per_percent = self._one_percent * lev
        self._max_notional = self._notional_per_percent * self._max_position_percent
        self._cap_note = f"% of equity capped to {show(self._max_position_percent, 2)}%"
        inverse = _ONE / lev
        mmr = self._maintenance_margin_rate
        self._long_liquidation_factor = _ONE - inverse + mmr
        self._short_liquidation_factor = _ONE + inverse - mmr

    # -- configuration (read-only) ----------------------------------------------------------

    @property
    def account_balance(self) -> Decimal:
        return self._account_balance

    @property
    def max_risk_percent(self) -> Decimal:
        return self._max_risk_percent

    @property
    def max_position_percent(self) -> Decimal:
        return self._max_position_percent

    @property
    def leverage(self) -> int:
        return self._leverage

    @property
    def fee_rate(self) -> Decimal:
        return self._fee_rate

    @property
    def maintenance_margin_rate(self) -> Decimal:
        return self._maintenance_margin_rate

    @property
    def symbol_rules(self) -> SymbolRules | None:
        return self._symbol_rules

    def liquidation_price(self, entry_price: Number, side: OrderSide | str = _BUY) -> Decimal:
        """Estimated isolated-margin liquidation price of a position opened at `entry_price`."""
        price = positive(entry_price, "entry_price")
        if side_of(side) is _BUY:
            return price * self._long_liquidation_factor
        return price * self._short_liquidation_factor

    # -- the five methods -------------------------------------------------------------------

    @price_alias
    def fixed_percentage(
        self, entry_price: Number, position_percent: Number, side: OrderSide | str = _BUY
    ) -> SizingResult:
        """Margin = `position_percent`% of equity."""
        price = positive_number(entry_price, "entry_price")
        percent = positive_number(position_percent, "position_percent")
        return self._size_percent(SizingMethod.FIXED_PERCENTAGE, side_of(side), price, percent)

    @price_alias
    def kelly_criterion(
        self,
        entry_price: Number,
        win_rate: Number,
        avg_win: Number,
        avg_loss: Number,
        fraction: Number = _HALF,
        side: OrderSide | str = _BUY,
    ) -> SizingResult:
        """Position % = `fraction` * f* * 100 with f* = p - (1 - p) / b, b = avg_win / avg_loss.

        No edge (f* <= 0) gives a zero size with the reason, not an error.
        """
        price = positive_number(entry_price, "entry_price")
        p = to_decimal(win_rate, "win_rate")
        if not 0 < p < 1:
            raise ValidationError("win_rate", win_rate, "must be strictly between 0 and 1")
        win = positive_number(avg_win, "avg_win")
        loss = positive_number(avg_loss, "avg_loss")
        part = to_decimal(fraction, "fraction")
        if not 0 < part <= 1:
            raise ValidationError("fraction", fraction, "must be greater than 0 and at most 1")
        direction = side_of(side)
        kelly = p - (_ONE - p) * loss / win  # = (p * b - q) / b with b = win / loss
        if kelly <= 0:
            reason = f"no edge: the Kelly fraction {show(kelly)} is not above 0"
            return self._finish(
                SizingMethod.KELLY, direction, price, ZERO, ZERO, None, "", [reason]
            )
        return self._size_percent(SizingMethod.KELLY, direction, price, part * kelly * _HUNDRED)

    @price_alias
    def volatility_based(
        self,
        entry_price: Number,
        volatility: Number,
        target_volatility: Number,
        base_percent: Number | None = None,
        side: OrderSide | str = _BUY,
    ) -> SizingResult:
        """Position % = `base_percent` * target / volatility (base defaults to the max %)."""
        price = positive_number(entry_price, "entry_price")
        vol = positive_number(volatility, "volatility")
        target = positive_number(target_volatility, "target_volatility")
        base = (
            self._max_position_percent
            if base_percent is None
            else positive_number(base_percent, "base_percent")
        )
        percent = base * target / vol
        return self._size_percent(SizingMethod.VOLATILITY, side_of(side), price, percent)

    @price_alias
    def risk_based(
        self,
        entry_price: Number,
        stop_loss_price: Number,
        risk_percent: Number | None = None,
        side: OrderSide | str = _BUY,
    ) -> SizingResult:
        """Quantity that loses `risk_percent`% of equity (fees included) if the stop fills."""
        price = positive_number(entry_price, "entry_price")
        stop = positive_number(stop_loss_price, "stop_loss_price")
        direction = side_of(side)
        if direction is _BUY:
            if stop >= price:
                raise ValidationError(
                    "stop_loss_price", stop_loss_price, f"must be below the entry price {price}"
                )
        elif stop <= price:
            raise ValidationError(
                "stop_loss_price", stop_loss_price, f"must be above the entry price {price}"
            )
        risk = self._requested_risk(risk_percent)
        return self._size_to_stop(
            SizingMethod.RISK_BASED, direction, price, stop, risk, "stop_loss_price"
        )

    @price_alias
    def atr_based(
        self,
        entry_price: Number,
        atr: Number,
        atr_multiplier: Number = 2,
        risk_percent: Number | None = None,
        side: OrderSide | str = _BUY,
    ) -> SizingResult:
        """Risk-based sizing with the stop `atr * atr_multiplier` away from the entry."""
        price = positive_number(entry_price, "entry_price")
        atr_value = positive_number(atr, "atr")
        multiplier = positive_number(atr_multiplier, "atr_multiplier")
        direction = side_of(side)
        distance = atr_value * multiplier
        stop = price - distance if direction is _BUY else price + distance
        if stop <= 0:
            raise ValidationError(
                "atr", atr, f"a stop {show(distance)} below the entry price {price} is not > 0"
            )
        risk = self._requested_risk(risk_percent)
        return self._size_to_stop(SizingMethod.ATR_BASED, direction, price, stop, risk, "atr")

    def calculate(self, method: SizingMethod | str, **params: Any) -> SizingResult:
        """Dispatch to the method named by `method` with keyword `params`."""
        return dispatch(_DISPATCH, self, method, params)

    # -- verdict ----------------------------------------------------------------------------

    def validate_position_size(self, result: SizingResult) -> bool:
        """True when the result breaks none of the sizing rules."""
        return not self.check_position_size(result)

    def check_position_size(self, result: SizingResult) -> list[RuleViolation]:
        """The rules `result` breaks, each with its figure and bound (empty when valid)."""
        return broken_rules(
            result, self._max_risk_percent, self._max_position_percent, self._symbol_rules
        )

    def _requested_risk(self, risk_percent: Number | None) -> Decimal:
        if risk_percent is None:
            return self._max_risk_percent
        return percent_of(risk_percent, "risk_percent")

    def _loss_per_unit(self, price: Decimal, stop: Decimal) -> Decimal:
        """What one unit loses from entry to stop, with the fees of both fills."""
        loss = price - stop if price > stop else stop - price
        if self._fee_rate:
            loss += self._fee_rate * (price + stop)
        return loss

    def _size_percent(
        self, method: SizingMethod, side: OrderSide, price: Decimal, percent: Decimal
    ) -> SizingResult:
        quantity = _FLOOR.divide(percent * self._notional_per_percent, price)
        return self._finish(method, side, price, quantity, percent, None, "", None)

    def _size_to_stop(
        self,
        method: SizingMethod,
        side: OrderSide,
        price: Decimal,
        stop: Decimal,
        risk_percent: Decimal,
        stop_field: str,
    ) -> SizingResult:
        budget = self._one_percent * risk_percent
        loss_per_unit = self._loss_per_unit(price, stop)
        if loss_per_unit <= 0:  # a distance below the arithmetic's precision: stop == entry
            raise ValidationError(
                stop_field, stop, f"the stop is indistinguishable from the entry price {price}"
            )
        quantity = _FLOOR.divide(budget, loss_per_unit)
        requested = quantity * price / self._notional_per_percent
        return self._finish(method, side, price, quantity, requested, stop, stop_field, None)

    def _finish(
        self,
        method: SizingMethod,
        side: OrderSide,
        price: Decimal,
        quantity: Decimal,
        requested_percent: Decimal,
        stop: Decimal | None,
        stop_field: str,
        reasons: list[str] | None,
    ) -> SizingResult:
        """Cap, round, and measure: the steps every method shares, in SIZING.md's order."""
        notes = reasons if reasons is not None else []
        capped = False
        if requested_percent > self._max_position_percent:
            quantity = _FLOOR.divide(self._max_notional, price)
            capped = True
            notes.append(f"position {show(requested_percent, 2)}{self._cap_note}")
        rules = self._symbol_rules
        if rules is not None:
            if quantity > 0:
                quantity, max_capped = round_quantity(rules, quantity, price, notes)
                capped = capped or max_capped
            if stop is not None:
                stop = round_stop_toward_entry(rules, side, price, stop, stop_field)
        notional = quantity * price
        margin = notional / self._leverage_decimal
        risk = margin if stop is None else quantity * self._loss_per_unit(price, stop)
        if side is _BUY:
            liquidation = price * self._long_liquidation_factor
            beyond = stop is not None and stop <= liquidation
        else:
            liquidation = price * self._short_liquidation_factor
            beyond = stop is not None and stop >= liquidation
        if beyond and stop is not None:
            notes.append(
                f"stop {show(stop)} is at or beyond the estimated liquidation price "
                f"{show(liquidation, 2)} at {self._leverage}x: it would never trigger"
            )
        return SizingResult(
            method,
            side,
            price,
            quantity,
            notional,
            margin,
            notional / self._notional_per_percent,
            risk,
            risk / self._one_percent,
            stop,
            self._leverage,
            capped,
            tuple(notes),
            requested_percent,
            liquidation,
            beyond,
        )


_DISPATCH: dict[SizingMethod, Entry] = {
    SizingMethod.FIXED_PERCENTAGE: dispatch_entry(PositionSizer.fixed_percentage),
    SizingMethod.KELLY: dispatch_entry(PositionSizer.kelly_criterion),
    SizingMethod.VOLATILITY: dispatch_entry(PositionSizer.volatility_based),
    SizingMethod.RISK_BASED: dispatch_entry(PositionSizer.risk_based),
    SizingMethod.ATR_BASED: dispatch_entry(PositionSizer.atr_based),
}
