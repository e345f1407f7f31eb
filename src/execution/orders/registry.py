"""`OrderRegistry`: every order the manager tracks, indexed for O(1) lookups.

By client order id (every order has one from the start), by the exchange's order id (once
acknowledged) and, per symbol, the orders not yet final. It also holds which orders have a
request in flight, so the REST fallback does not query an order whose answer is coming.
"""

from __future__ import annotations

from execution.orders.managed import ManagedOrder


class OrderRegistry:
    """The indexes; it does no I/O and changes no order."""

    __slots__ = ("by_client_id", "by_order_id", "cancelling", "in_flight", "open_by_symbol")

    def __init__(self) -> None:
        self.by_client_id: dict[str, ManagedOrder] = {}
        self.by_order_id: dict[str, ManagedOrder] = {}
        self.open_by_symbol: dict[str, dict[str, ManagedOrder]] = {}
        self.in_flight: set[str] = set()  # client ids whose placement answer is awaited
        self.cancelling: set[str] = set()  # client ids whose cancel answer is awaited

    def register(self, managed: ManagedOrder) -> None:
        """Track `managed` (replacing any order of the same client id)."""
        self.by_client_id[managed.client_order_id] = managed
        if managed.order_id:
            self.by_order_id[managed.order_id] = managed
        if managed.is_open:
            self.open_by_symbol.setdefault(managed.symbol, {})[managed.client_order_id] = managed

    def unregister(self, managed: ManagedOrder) -> None:
        """Stop tracking `managed` (an order refused before it was sent)."""
        client_order_id = managed.client_order_id
        if self.by_client_id.get(client_order_id) is managed:
            del self.by_client_id[client_order_id]
        if managed.order_id and self.by_order_id.get(managed.order_id) is managed:
            del self.by_order_id[managed.order_id]
        self.open_by_symbol.get(managed.symbol, {}).pop(client_order_id, None)

    def get(self, order_id: str) -> ManagedOrder | None:
        """By the exchange's order id or by client order id."""
        return self.by_order_id.get(order_id) or self.by_client_id.get(order_id)

    def find(self, client_order_id: str, order_id: str) -> ManagedOrder | None:
        """The order an exchange message names: by client id first, else by order id."""
        managed = self.by_client_id.get(client_order_id)
        if managed is None and order_id:
            managed = self.by_order_id.get(order_id)
        return managed

    def changed(self, managed: ManagedOrder) -> None:
        """Keep the indexes in line after `managed` moved: its order id, its openness."""
        order_id = managed.order_id
        if order_id and order_id not in self.by_order_id:
            self.by_order_id[order_id] = managed
        if not managed.is_open:
            open_orders = self.open_by_symbol.get(managed.symbol)
            if open_orders is not None:
                open_orders.pop(managed.client_order_id, None)
        else:  # open again: an order rejected locally that the exchange shows after all
            self.open_by_symbol.setdefault(managed.symbol, {})[managed.client_order_id] = managed

    def open_orders(self, symbol: str | None = None) -> list[ManagedOrder]:
        """Orders not yet final, of one symbol (exchange spelling) or all."""
        if symbol is not None:
            return list(self.open_by_symbol.get(symbol, {}).values())
        return [m for orders in self.open_by_symbol.values() for m in orders.values()]

    def open_count(self, symbol: str) -> int:
        return len(self.open_by_symbol.get(symbol, {}))

    def symbols_with_open_orders(self) -> list[str]:
        return [symbol for symbol, orders in self.open_by_symbol.items() if orders]
