"""The simulator's matching engine: markets, books, orders, accounts and positions."""

from execution.simulator.engine.config import (
    DEFAULT_SYMBOLS,
    RATE_LIMITS,
    Bracket,
    EngineConfig,
    SymbolSpec,
)
from execution.simulator.engine.engine import Engine
from execution.simulator.engine.feed import load_klines_csv

__all__ = [
    "DEFAULT_SYMBOLS",
    "RATE_LIMITS",
    "Bracket",
    "Engine",
    "EngineConfig",
    "SymbolSpec",
    "load_klines_csv",
]
