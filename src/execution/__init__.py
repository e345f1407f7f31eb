"""aster-execution: order execution for AsterDEX perpetual futures.

    from execution import create_exchange, OrderManager, PositionSizer, OrderSide, SizingMethod
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from execution.errors import ExecutionError, ValidationError
from execution.models import (
    Balance,
    MarginType,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    Position,
    PositionSide,
    TimeInForce,
    WorkingType,
)
from execution.rules import Rounding, SymbolRules

if TYPE_CHECKING:
    from execution.exchange.asterdex import AsterDEXExchange
    from execution.exchange.base import BaseExchange
    from execution.exchange.factory import create_exchange
    from execution.orders.manager import ManagedOrder, OrderManager
    from execution.sizing import PositionSizer, SizingMethod, SizingResult

__version__ = "0.1.0"

# Heavier parts load on first use, so `import execution` stays cheap.
_LAZY = {
    "create_exchange": "execution.exchange.factory",
    "AsterDEXExchange": "execution.exchange.asterdex",
    "BaseExchange": "execution.exchange.base",
    "OrderManager": "execution.orders.manager",
    "ManagedOrder": "execution.orders.manager",
    "PositionSizer": "execution.sizing",
    "SizingMethod": "execution.sizing",
    "SizingResult": "execution.sizing",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'execution' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


__all__ = [
    "AsterDEXExchange",
    "Balance",
    "BaseExchange",
    "ExecutionError",
    "ManagedOrder",
    "MarginType",
    "Order",
    "OrderManager",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "Position",
    "PositionSide",
    "PositionSizer",
    "Rounding",
    "SizingMethod",
    "SizingResult",
    "SymbolRules",
    "TimeInForce",
    "ValidationError",
    "WorkingType",
    "create_exchange",
]
