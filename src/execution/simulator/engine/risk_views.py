"""Risk views of an account: ADL quantiles, its force (liquidation) orders and the
notional it may still open (v3 "Position ADL Quantile Estimation", "User's Force Orders";
v1 "Remaining Openable Notional Value")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from execution.simulator.api import ApiError
from execution.simulator.engine import params as p
from execution.simulator.engine import rejections as r
from execution.simulator.engine import wire
from execution.simulator.engine.account_views import max_notional
from execution.simulator.engine.accounts import Account, Position
from execution.simulator.engine.orders import ZERO, Order, OrderType, PositionSide
from execution.simulator.engine.trading import TradingCore
from execution.simulator.json_number import JsonNumber

_QUARTER = Decimal("0.25")
_TOP_QUANTILE = 4
_SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000
AUTO_CLOSE_TYPES = frozenset({"LIQUIDATION", "ADL"})


def adl_quantile(position: Position, mark: Decimal, leverage: int) -> int:
    """0 (last in the queue) to 4: the position's profit on its margin, in quarters.

    The simulator has one account's view only, so the queue is the docs' "possibility of
    ADL from low to high" read off the position itself: a losing or flat position is 0, a
    profit of 25% of its initial margin or less 1, up to 4 (docs/venue-decisions.md)."""
    if not position.amount:
        return 0
    margin = abs(position.notional(mark)) / leverage
    pnl = position.unrealized(mark)
    if pnl <= 0 or margin <= 0:
        return 0
    return min(_TOP_QUANTILE, 1 + int(pnl / margin / _QUARTER))


class RiskViews:
    """The handlers of the risk views."""

    def __init__(self, core: TradingCore) -> None:
        self.core = core
        self.handlers = {
            ("GET", "adlQuantile"): self.adl_quantile,
            ("GET", "forceOrders"): self.force_orders,
            ("GET", "remainingOpenableNotionalValue"): self.remaining_openable,
        }

    def adl_quantile(self, account: Account, params: p.Params) -> Any:
        wanted = p.text(params, "symbol")
        if wanted is not None:
            p.known_symbol(params, self.core.specs)
        symbols = sorted({pos.symbol for pos in account.open_positions()} | (
            {wanted} if wanted else set()))
        return [{"symbol": symbol, "adlQuantile": self._quantiles(account, symbol)}
                for symbol in symbols if wanted in (None, symbol)]

    def _quantiles(self, account: Account, symbol: str) -> dict[str, int]:
        settings = account.settings_for(symbol)
        mark = self.core.marks[symbol]

        def of(side: PositionSide) -> int:
            position = account.positions.get((symbol, side))
            return adl_quantile(position, mark, settings.leverage) if position else 0

        if not account.dual_side:
            return {"LONG": 0, "SHORT": 0, "BOTH": of(PositionSide.BOTH)}
        long, short = of(PositionSide.LONG), of(PositionSide.SHORT)
        if settings.isolated:
            return {"LONG": long, "SHORT": short, "BOTH": 0}
        # crossed in hedge mode: one value for both sides, and HEDGE as a sign
        shared = max(long, short)
        return {"LONG": shared, "SHORT": shared, "HEDGE": 0}

    def force_orders(self, account: Account, params: p.Params) -> Any:
        """The account's liquidation orders (the simulator has no ADL: "ADL" lists none),
        newest first, within 7 days before `endTime` when no `startTime` is sent."""
        symbol = p.text(params, "symbol")
        if symbol is not None:
            p.known_symbol(params, self.core.specs)
        kind = p.text(params, "autoCloseType")
        if kind is not None and kind not in AUTO_CLOSE_TYPES:
            raise r.invalid_param("autoCloseType")
        end = p.integer(params, "endTime")
        start = p.integer(params, "startTime")
        if start is not None and end is not None and start > end:
            raise ApiError(*r.START_AFTER_END)
        if start is None:
            start = (end if end is not None else self.core.now()) - _SEVEN_DAYS_MS
        limit = p.limit(params, 50, 100)
        if kind == "ADL":
            return []
        found = [
            order for name, orders in account.history.items() if symbol in (None, name)
            for order in orders
            if order.orig_type is OrderType.LIQUIDATION and order.time >= start
            and (end is None or order.time <= end)
        ]
        found.sort(key=lambda o: o.order_id, reverse=True)
        return [_force_order(order) for order in found[:limit]]

    def remaining_openable(self, account: Account, params: p.Params) -> Any:
        """What may still be opened at `leverage`: the bracket's cap less the symbol's
        position notional, and no more than the available balance carries."""
        symbol = p.known_symbol(params, self.core.specs)
        spec = self.core.specs[symbol]
        leverage = p.required_integer(params, "leverage")
        if not 1 <= leverage <= spec.max_leverage:
            raise ApiError(-4028, f"Leverage {leverage} is not valid")
        mark = self.core.marks[symbol]
        held = sum((abs(pos.notional(mark)) for (name, _), pos in account.positions.items()
                    if name == symbol), ZERO)
        room = max(max_notional(spec, leverage) - held, ZERO)
        carried = max(account.available_balance(self.core.marks), ZERO) * leverage
        return {"remainingOpenableNotionalValue": JsonNumber(
            min(room, carried).quantize(Decimal("0.00000001")))}


def _force_order(order: Order) -> dict[str, Any]:
    """A liquidation order as the docs' example shows it: a LIMIT IOC order."""
    shown = wire.order(order)
    shown["type"] = shown["origType"] = OrderType.LIMIT.value
    return {name: shown[name] for name in (
        "orderId", "symbol", "status", "clientOrderId", "price", "avgPrice", "origQty",
        "executedQty", "cumQuote", "timeInForce", "type", "reduceOnly", "closePosition",
        "side", "positionSide", "stopPrice", "workingType", "origType", "time", "updateTime",
    )}
