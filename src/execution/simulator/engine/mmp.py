"""Market maker protection (v3 "Update User MMP", "Get User MMP", "Delete User MMP",
"Reset User MMP").

Per account and symbol: a window, a frozen time and up to three limits on what fills within
the window: the filled quantity (buys and sells), the notional, and the net position change
(buys minus sells, in absolute value). When a limit is reached the symbol freezes: the
account's open LIMIT orders on it are cancelled, and new LIMIT orders on it are refused
(-4088) until the frozen time is over or `mmpReset`. The docs name no "MMP order" flag on
New Order, so LIMIT orders (what a market maker quotes) are the MMP orders
(docs/venue-decisions.md, "Market maker protection").
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from execution.simulator.api import ApiError
from execution.simulator.engine import params as p
from execution.simulator.engine import rejections as r
from execution.simulator.engine.accounts import Account
from execution.simulator.engine.order_params import OrderRequest
from execution.simulator.engine.orders import ZERO, Order, OrderType
from execution.simulator.engine.trading import TradingCore
from execution.simulator.json_number import JsonNumber

FROZEN = (-4088, "User can not place order currently")


@dataclass(slots=True)
class MmpConfig:
    symbol: str
    window_ms: int
    frozen_ms: int
    qty_limit: Decimal | None
    value_limit: Decimal | None
    delta_limit: Decimal | None
    fills: deque[tuple[int, Decimal, Decimal, Decimal]] = field(default_factory=deque)
    frozen_until: int = 0

    def render(self) -> dict[str, Any]:
        def number(value: Decimal | None) -> JsonNumber:
            return JsonNumber(ZERO if value is None else value)  # 0: no such limit

        return {
            "symbol": self.symbol,
            "windowTimeInMilliseconds": self.window_ms,
            "frozenTimeInMilliseconds": self.frozen_ms,
            "qtyLimit": number(self.qty_limit),
            "valueLimit": number(self.value_limit),
            "deltaLimit": number(self.delta_limit),
        }

    def reached(self, now: int) -> bool:
        """Record nothing; drop fills older than the window; True when a limit is reached."""
        while self.fills and self.fills[0][0] <= now - self.window_ms:
            self.fills.popleft()
        qty = sum((f[1] for f in self.fills), ZERO)
        value = sum((f[2] for f in self.fills), ZERO)
        delta = abs(sum((f[3] for f in self.fills), ZERO))
        return any(limit is not None and total >= limit for limit, total in (
            (self.qty_limit, qty), (self.value_limit, value), (self.delta_limit, delta)))


class MmpDesk:
    """MMP settings and state of every account, a gate on new orders and a fill watcher."""

    def __init__(self, core: TradingCore) -> None:
        self.core = core
        self.configs: dict[tuple[str, str], MmpConfig] = {}
        self._to_cancel: list[tuple[str, str]] = []
        core.observers.append(self._observe)
        core.gates.append(self._gate)
        core.after_hooks.append(self._cancel_frozen)
        self.handlers = {
            ("POST", "mmp"): self.update,
            ("GET", "mmp"): self.get,
            ("DELETE", "mmp"): self.delete,
            ("POST", "mmpReset"): self.reset,
        }

    def update(self, account: Account, params: p.Params) -> Any:
        symbol = p.known_symbol(params, self.core.specs)
        window = p.required_integer(params, "windowTimeInMilliseconds")
        frozen = p.required_integer(params, "frozenTimeInMilliseconds")
        if window <= 0:
            raise r.invalid_param("windowTimeInMilliseconds")
        if frozen < 0:
            raise r.invalid_param("frozenTimeInMilliseconds")
        limits = []
        for name in ("qtyLimit", "valueLimit", "deltaLimit"):
            value = p.decimal(params, name)
            if value is not None and value <= 0:
                raise r.invalid_param(name)
            limits.append(value)
        qty_limit, value_limit, delta_limit = limits
        self.configs[(account.account_id, symbol)] = MmpConfig(
            symbol, window, frozen, qty_limit, value_limit, delta_limit)
        return True

    def get(self, account: Account, params: p.Params) -> Any:
        symbol = p.text(params, "symbol")
        if symbol is not None:
            p.known_symbol(params, self.core.specs)
        return [config.render() for (owner, name), config in sorted(self.configs.items())
                if owner == account.account_id and symbol in (None, name)]

    def delete(self, account: Account, params: p.Params) -> Any:
        symbol = p.known_symbol(params, self.core.specs)
        self.configs.pop((account.account_id, symbol), None)
        return True

    def reset(self, account: Account, params: p.Params) -> Any:
        """Unfreeze the symbol at once and start the window afresh."""
        symbol = p.known_symbol(params, self.core.specs)
        config = self.configs.get((account.account_id, symbol))
        if config is not None:
            config.frozen_until = 0
            config.fills.clear()
        return True

    def frozen(self, account_id: str, symbol: str) -> bool:
        config = self.configs.get((account_id, symbol))
        return config is not None and self.core.now() < config.frozen_until

    # -- hooks ------------------------------------------------------------------------------

    def _gate(self, account: Account, request: OrderRequest) -> None:
        if request.type is OrderType.LIMIT and self.frozen(account.account_id, request.symbol):
            raise ApiError(*FROZEN)

    def _observe(
        self, order: Order, execution_type: str, last_qty: Decimal, last_price: Decimal
    ) -> None:
        if execution_type != "TRADE" or not last_qty:
            return
        key = (order.account_id, order.symbol)
        config = self.configs.get(key)
        if config is None:
            return
        now = self.core.now()
        config.fills.append((now, last_qty, last_qty * last_price, last_qty * order.side.sign))
        if now >= config.frozen_until and config.reached(now):
            config.frozen_until = now + config.frozen_ms
            config.fills.clear()
            self._to_cancel.append(key)

    def _cancel_frozen(self) -> bool:
        """Cancel the open LIMIT orders of the symbols that froze (once the fill is over)."""
        did = bool(self._to_cancel)
        while self._to_cancel:
            account_id, symbol = self._to_cancel.pop()
            account = self.core.account(account_id)
            for order in self.core.open_orders_in(account, symbol):
                if order.type is OrderType.LIMIT and order.is_open:
                    self.core.cancel(account, order)
        return did
