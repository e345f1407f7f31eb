"""The verdict on a sized position: which rules it breaks, with the figures, for people and logs."""

from __future__ import annotations

from decimal import Decimal

from execution.rules import SymbolRules
from execution.sizing.result import RuleViolation, SizingResult, SizingRule
from execution.sizing.rounding import show

ZERO = Decimal(0)


def broken_rules(
    result: SizingResult,
    max_risk_percent: Decimal,
    max_position_percent: Decimal,
    rules: SymbolRules | None,
) -> list[RuleViolation]:
    """Every rule `result` breaks: size, risk %, position %, exchange minimums, liquidation."""
    failed: list[RuleViolation] = []
    quantity = result.quantity
    if quantity <= 0:
        why = "; ".join(result.reasons) or "no position"
        failed.append(
            RuleViolation(SizingRule.POSITIVE_QUANTITY, quantity, ZERO, f"quantity 0: {why}")
        )
    if result.risk_percent > max_risk_percent:
        failed.append(
            RuleViolation(
                SizingRule.MAX_RISK_PERCENT,
                result.risk_percent,
                max_risk_percent,
                f"risk {show(result.risk_percent, 2)}% of equity is above the maximum "
                f"{show(max_risk_percent, 2)}%",
            )
        )
    if result.position_percent > max_position_percent:
        failed.append(
            RuleViolation(
                SizingRule.MAX_POSITION_PERCENT,
                result.position_percent,
                max_position_percent,
                f"position {show(result.position_percent, 2)}% of equity is above the maximum "
                f"{show(max_position_percent, 2)}%",
            )
        )
    if rules is not None and quantity > 0:
        failed.extend(_exchange_violations(rules, quantity, result.notional))
    if result.stop_beyond_liquidation and result.stop_price is not None:
        failed.append(
            RuleViolation(
                SizingRule.STOP_BEFORE_LIQUIDATION,
                result.stop_price,
                result.liquidation_price,
                f"stop {show(result.stop_price)} is at or beyond the estimated liquidation "
                f"price {show(result.liquidation_price, 2)} at {result.leverage}x: "
                "it would never trigger",
            )
        )
    return failed


def _exchange_violations(
    rules: SymbolRules, quantity: Decimal, notional: Decimal
) -> list[RuleViolation]:
    failed: list[RuleViolation] = []
    step = rules.step_size
    if quantity % step != 0:
        failed.append(
            RuleViolation(
                SizingRule.STEP_SIZE,
                quantity,
                step,
                f"quantity {show(quantity)} is not a multiple of the step size {show(step)}",
            )
        )
    if quantity < rules.min_qty:
        failed.append(
            RuleViolation(
                SizingRule.MIN_QUANTITY,
                quantity,
                rules.min_qty,
                f"quantity {show(quantity)} is below the minimum {show(rules.min_qty)}",
            )
        )
    if rules.max_qty > 0 and quantity > rules.max_qty:
        failed.append(
            RuleViolation(
                SizingRule.MAX_QUANTITY,
                quantity,
                rules.max_qty,
                f"quantity {show(quantity)} is above the maximum {show(rules.max_qty)}",
            )
        )
    if notional < rules.min_notional:
        failed.append(
            RuleViolation(
                SizingRule.MIN_NOTIONAL,
                notional,
                rules.min_notional,
                f"notional {show(notional, 2)} is below the minimum "
                f"{show(rules.min_notional, 2)}",
            )
        )
    return failed
