"""aster-execution: order execution for AsterDEX perpetual futures.

    from execution import create_exchange, OrderManager, PositionSizer, OrderSide, SizingMethod
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from execution.errors import (
    AuthenticationError,
    ConfigurationError,
    DuplicateOrderError,
    ExchangeError,
    ExchangeUnavailableError,
    ExecutionError,
    InsufficientMarginError,
    InvalidOrderError,
    IpBannedError,
    LiveTradingNotAllowedError,
    MismatchedAnswerError,
    NetworkError,
    OrderNotFoundError,
    OrderStatusUnknownError,
    RateLimitError,
    StoreError,
    StoreLockedError,
    StoreUnavailableError,
    StoreVersionError,
    TimestampError,
    ValidationError,
    WafLimitError,
)
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
    from execution.orders.brackets import Bracket
    from execution.orders.callbacks import CallbackEvent
    from execution.orders.managed import OrderRole
    from execution.orders.manager import ManagedOrder, OrderManager
    from execution.orders.protection import ProtectionConfig
    from execution.sizing import PositionSizer, SizingMethod, SizingResult
    from execution.store_interface import OrderStorage

__version__ = "0.1.0"

# Heavier parts load on first use, so `import execution` stays cheap.
_LAZY = {
    "create_exchange": "execution.exchange.factory",
    "AsterDEXExchange": "execution.exchange.asterdex",
    "BaseExchange": "execution.exchange.base",
    "OrderManager": "execution.orders.manager",
    "ManagedOrder": "execution.orders.manager",
    "Bracket": "execution.orders.brackets",
    "CallbackEvent": "execution.orders.callbacks",
    "OrderRole": "execution.orders.managed",
    "ProtectionConfig": "execution.orders.protection",
    "PositionSizer": "execution.sizing",
    "SizingMethod": "execution.sizing",
    "SizingResult": "execution.sizing",
    "OrderStorage": "execution.store_interface",
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
    "AuthenticationError",
    "Balance",
    "BaseExchange",
    "Bracket",
    "CallbackEvent",
    "ConfigurationError",
    "DuplicateOrderError",
    "ExchangeError",
    "ExchangeUnavailableError",
    "ExecutionError",
    "InsufficientMarginError",
    "InvalidOrderError",
    "IpBannedError",
    "LiveTradingNotAllowedError",
    "ManagedOrder",
    "MarginType",
    "MismatchedAnswerError",
    "NetworkError",
    "Order",
    "OrderManager",
    "OrderNotFoundError",
    "OrderRole",
    "OrderSide",
    "OrderStatus",
    "OrderStatusUnknownError",
    "OrderStorage",
    "OrderType",
    "Position",
    "PositionSide",
    "PositionSizer",
    "ProtectionConfig",
    "RateLimitError",
    "Rounding",
    "SizingMethod",
    "SizingResult",
    "StoreError",
    "StoreLockedError",
    "StoreUnavailableError",
    "StoreVersionError",
    "SymbolRules",
    "TimeInForce",
    "TimestampError",
    "ValidationError",
    "WafLimitError",
    "WorkingType",
    "create_exchange",
]
