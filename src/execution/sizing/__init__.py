"""Position sizing: five methods, one cap on margin, exchange rounding and a verdict.

    sizer = PositionSizer(10_000, leverage=3, symbol_rules=rules)
    result = sizer.risk_based(50_000, stop_loss_price=48_000, risk_percent="1.5")
    problems = sizer.check_position_size(result)
"""

from execution.sizing.reference import (
    REFERENCE_COLUMNS,
    ReferenceRow,
    format_reference_table,
    reference_sizer,
    reference_table,
)
from execution.sizing.result import RuleViolation, SizingMethod, SizingResult, SizingRule
from execution.sizing.sizer import PositionSizer

__all__ = [
    "REFERENCE_COLUMNS",
    "PositionSizer",
    "ReferenceRow",
    "RuleViolation",
    "SizingMethod",
    "SizingResult",
    "SizingRule",
    "format_reference_table",
    "reference_sizer",
    "reference_table",
]
