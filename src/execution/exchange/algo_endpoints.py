"""Binance's algo-order endpoints (USDⓈ-M, since 2025-12-09), as data.

Conditional orders (stop, take-profit, trailing stop) go to Binance through these, not
through `/fapi/v1/order` (-4120). They are Binance's alone: not in AsterDEX's documents
(`endpoints.ALL_ENDPOINTS`), so only the Binance venue profile has them (`venues`).
Weights from Binance's documentation (docs/venue-decisions.md, "Binance algo orders").
"""

from __future__ import annotations

from execution.exchange.endpoints import Endpoint


def _algo(name: str, method: str, weight: int = 1, *, weight_all: int | None = None,
          order: bool = False) -> Endpoint:
    return Endpoint(name=name, method=method, v1_path=f"/fapi/v1/{name}", v3_path=None,
                    weight=weight, weight_all=weight_all, counts_as_order=order,
                    idempotent=not order)


NEW_ALGO_ORDER = _algo("algoOrder", "POST", order=True)
QUERY_ALGO_ORDER = _algo("algoOrder", "GET")
CANCEL_ALGO_ORDER = _algo("algoOrder", "DELETE")
OPEN_ALGO_ORDERS = _algo("openAlgoOrders", "GET", 1, weight_all=40)
ALL_ALGO_ORDERS = _algo("allAlgoOrders", "GET", 5)
CANCEL_ALL_ALGO_ORDERS = _algo("algoOpenOrders", "DELETE")

ALGO_ENDPOINTS: frozenset[Endpoint] = frozenset({
    NEW_ALGO_ORDER, QUERY_ALGO_ORDER, CANCEL_ALGO_ORDER, OPEN_ALGO_ORDERS, ALL_ALGO_ORDERS,
    CANCEL_ALL_ALGO_ORDERS,
})
