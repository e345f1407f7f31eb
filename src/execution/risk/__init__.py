"""The risk layer on the one path of every order: limits, a trading state, a kill switch.

`RiskLimits` says what is allowed (in code or from a file: `RiskLimits.from_file`);
`RiskEngine` checks every order against them before it is sent and refuses with a
`RiskDeniedError` naming the `DenialReason`, the figure and the limit.
"""

from execution.risk.engine import RiskContext, RiskEngine
from execution.risk.limits import DenialReason, RiskDeniedError, RiskLimits, TradingState

__all__ = [
    "DenialReason",
    "RiskContext",
    "RiskDeniedError",
    "RiskEngine",
    "RiskLimits",
    "TradingState",
]
