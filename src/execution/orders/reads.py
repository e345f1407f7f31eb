"""`OrderReads`: the order manager's reads of what it tracks (orders, brackets, statistics)
and its callback registration, as a part of the facade (needs `_core` and `_brackets`)."""

from __future__ import annotations

from execution.orders.bracket import Bracket, waiting_leg
from execution.orders.brackets import BracketCoordinator
from execution.orders.callbacks import Callback
from execution.orders.core import ManagerCore
from execution.orders.managed import ManagedOrder
from execution.orders.stats import OrderStatistics, compute_statistics
from execution.rules import normalize_symbol


class OrderReads:
    """Lookups by id, open orders, unknown outcomes, brackets, statistics, callbacks."""

    _core: ManagerCore
    _brackets: BracketCoordinator

    def get_order(self, order_id: str) -> ManagedOrder | None:
        """An order by the exchange's order id or by client order id (O(1))."""
        return self._core.registry.get(order_id)

    @property
    def orders(self) -> list[ManagedOrder]:
        """Every order tracked, oldest first."""
        return list(self._core.registry.by_client_id.values())

    def open_orders(self, symbol: str | None = None) -> list[ManagedOrder]:
        """Orders not yet final, of one symbol or all."""
        registry = self._core.registry
        return registry.open_orders(None if symbol is None else normalize_symbol(symbol))

    def unknown_outcomes(self) -> list[ManagedOrder]:
        """Orders sent whose outcome the exchange has not told yet (never acknowledged, no
        request in flight): they count as open until settled."""
        registry = self._core.registry
        return [
            managed for managed in registry.open_orders()
            if managed.never_acknowledged and not waiting_leg(managed)
            and managed.client_order_id not in registry.in_flight
        ]

    @property
    def brackets(self) -> dict[str, Bracket]:
        """Brackets by their entry's client order id."""
        return self._brackets.brackets

    def get_statistics(self) -> OrderStatistics:
        """Counts, fill rate, volume, fees, time to fill and realised PnL, by status and
        by strategy, over every order tracked."""
        return compute_statistics(self._core.registry.by_client_id.values())

    def on(self, event_name: str, callback: Callback) -> None:
        """Register `callback(managed_order)` (sync or async) for a `CallbackEvent`; a
        `position_unprotected` callback gets the audit's `PositionProtection`, `margin_call`
        a `MarginCall`, `account_config_updated` an `AccountConfigUpdate`."""
        self._core.callbacks.add(event_name, callback)

    def off(self, event_name: str, callback: Callback) -> None:
        """Remove a callback registered with `on`."""
        self._core.callbacks.remove(event_name, callback)
