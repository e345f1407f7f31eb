"""`GET /fapi/v3/indexreferences` (v3 "Index Price References"): the exchanges and weights
a symbol's index price is made of. The simulator's index is its own feed, so the answer is
the docs' example table of sources, with each source's spelling of the symbol."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from execution.simulator.api import ApiError
from execution.simulator.engine import params as p
from execution.simulator.engine.config import SymbolSpec

# (exchange, separator between base and quote, weight): the docs' example
SOURCES = (
    ("binance", "", "0.41441441"),
    ("okex", "-", "0.13513513"),
    ("coinbase", "-", "0.13513513"),
    ("gateio", "_", "0.04504504"),
    ("kucoin", "-", "0.06756756"),
    ("mxc", "", "0.06756756"),
    ("bybit", "", "0.06756756"),
    ("bitget", "", "0.06756756"),
)
# the docs' error example for an unknown symbol is -1000, not -1121
UNKNOWN_SYMBOL = (-1000, "Invalid symbol.")


def index_references(
    specs: Mapping[str, SymbolSpec], clock: Callable[[], int], params: p.Params
) -> dict[str, Any]:
    symbol = p.required(params, "symbol")
    spec = specs.get(symbol)
    if spec is None:
        raise ApiError(*UNKNOWN_SYMBOL)
    return {
        "symbol": symbol,
        "time": clock(),
        "references": [
            {"exchange": name, "symbol": f"{spec.base_asset}{separator}{spec.quote_asset}",
             "weight": weight}
            for name, separator, weight in SOURCES
        ],
    }
