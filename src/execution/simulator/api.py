"""The contract between the simulator's HTTP/WebSocket server and its matching engine.

The server owns transport, authentication, rate limits, faults and WebSockets; the engine
owns markets, books, orders, accounts and positions. The server hands the engine the
request's parameters as the strings that arrived and sends back what the engine returns,
as JSON. The engine reports a rejection by raising `ApiError` with the exchange's code.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol


class ApiError(Exception):
    """An exchange error: rendered as `{"code": code, "msg": msg}` with `http_status`."""

    def __init__(self, code: int, msg: str, http_status: int = 400) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
        self.http_status = http_status

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "msg": self.msg}


# (account_id, event) for user-data events such as ORDER_TRADE_UPDATE / ACCOUNT_UPDATE, with
# the exchange's field names; account_id is None for market events, whose dict then has
# "stream" (e.g. "btcusdt@markPrice") and "data" (the event payload).
EventListener = Callable[[str | None, dict[str, Any]], None]


class EngineProtocol(Protocol):
    """What the server needs from the engine."""

    def add_account(self, account_id: str, balances: dict[str, Decimal]) -> None:
        """Create an account with starting balances (asset -> amount)."""

    def set_listener(self, listener: EventListener) -> None:
        """Where the engine sends user-data and market events (called synchronously)."""

    def public(self, endpoint: str, params: dict[str, str]) -> Any:
        """A public endpoint by name ("exchangeInfo", "depth", "klines", "ticker/price",
        "ticker/bookTicker", "premiumIndex", "trades", "ticker/24hr")."""

    def private(self, account_id: str, method: str, endpoint: str, params: dict[str, str]) -> Any:
        """A signed endpoint by HTTP method and name ("order", "batchOrders", "openOrders",
        "balance", "account", "positionRisk", ...). Raises ApiError on rejection."""

    def set_price(self, symbol: str, price: Decimal) -> None:
        """Move the symbol's last and mark price (triggers stops, fills crossed limits)."""

    def step(self, steps: int = 1) -> None:
        """Advance every symbol's seeded random walk by `steps` ticks."""

    def orders_created(self, client_order_id: str) -> int:
        """How many orders were ever accepted with this client order id (the ledger)."""
