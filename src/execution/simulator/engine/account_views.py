"""The signed read endpoints: balances, account, positions, orders, trades and income."""

from __future__ import annotations

from bisect import bisect_left
from decimal import Decimal
from typing import Any

from execution.simulator.api import ApiError
from execution.simulator.engine import params as p
from execution.simulator.engine import rejections as r
from execution.simulator.engine import wire
from execution.simulator.engine.accounts import MARGIN_ASSET, Account, Position, money
from execution.simulator.engine.config import SymbolSpec
from execution.simulator.engine.margin import bracket_table, liquidation_price, maint_margin
from execution.simulator.engine.orders import ZERO, Order, PositionSide
from execution.simulator.engine.trading import TradingCore
from execution.simulator.engine.wire import fmt


def max_notional(spec: SymbolSpec, leverage: int) -> Decimal:
    """The largest position notional allowed at `leverage` (from the leverage brackets)."""
    caps = [b.notional_cap for b in spec.brackets if b.initial_leverage >= leverage]
    return max(caps) if caps else Decimal(0)


class AccountViews:
    """Renders an account's state for the read endpoints."""

    def __init__(self, core: TradingCore) -> None:
        self.core = core

    def _positions(self, account: Account, symbol: str | None) -> list[Position]:
        sides = (PositionSide.LONG, PositionSide.SHORT) if account.dual_side else (
            PositionSide.BOTH,)
        symbols = [symbol] if symbol is not None else list(self.core.specs)
        return [account.position(s, side) for s in symbols for side in sides]

    def _symbol(self, params: p.Params) -> str | None:
        symbol = p.text(params, "symbol")
        if symbol is not None and symbol not in self.core.specs:
            raise r.invalid_symbol()
        return symbol

    def balance(self, account: Account, params: p.Params) -> list[dict[str, Any]]:
        marks = self.core.marks
        available = account.available_balance(marks)
        rows = []
        for asset, amount in account.balances.items():
            margin = asset == MARGIN_ASSET
            rows.append({
                "accountAlias": "SimA",
                "asset": asset,
                "balance": fmt(amount),
                "crossWalletBalance": fmt(account.cross_wallet() if margin else amount),
                "crossUnPnl": fmt(account.cross_unrealized(marks) if margin else ZERO),
                "availableBalance": fmt(max(available, ZERO) if margin else amount),
                "maxWithdrawAmount": fmt(max(available, ZERO) if margin else amount),
                "marginAvailable": margin,
                "updateTime": account.update_time,
            })
        return rows

    def position_risk(self, account: Account, params: p.Params) -> list[dict[str, Any]]:
        symbol = self._symbol(params)
        rows = []
        for position in self._positions(account, symbol):
            spec = self.core.specs[position.symbol]
            settings = account.settings_for(position.symbol)
            mark = self.core.marks[position.symbol]
            rows.append({
                "symbol": position.symbol,
                "positionAmt": fmt(position.amount),
                "entryPrice": fmt(position.entry_price),
                "breakEvenPrice": fmt(position.entry_price),
                "markPrice": fmt(mark),
                "unRealizedProfit": fmt(position.unrealized(mark)),
                "liquidationPrice": fmt(
                    liquidation_price(account, position, self.core.marks, self.core.specs)
                ),
                "leverage": str(settings.leverage),
                "maxNotionalValue": fmt(max_notional(spec, settings.leverage)),
                "marginType": "isolated" if settings.isolated else "cross",
                "isolatedMargin": fmt(position.isolated_wallet + position.unrealized(mark)
                                      if settings.isolated and position.amount else ZERO),
                "isAutoAddMargin": "false",
                "positionSide": position.position_side.value,
                "notional": fmt(money(position.notional(mark))),
                "isolatedWallet": fmt(position.isolated_wallet),
                "updateTime": position.update_time,
            })
        return rows

    def account(self, account: Account, params: p.Params) -> dict[str, Any]:
        marks = self.core.marks
        wallet = account.wallet
        unrealized = account.total_unrealized(marks)
        available = max(account.available_balance(marks), ZERO)
        position_margin = ZERO
        maint_total = ZERO
        positions = []
        for position in self._positions(account, None):
            spec = self.core.specs[position.symbol]
            settings = account.settings_for(position.symbol)
            mark = marks[position.symbol]
            initial = account.position_initial_margin(position, mark)
            maint = maint_margin(spec, position.notional(mark))
            position_margin += initial
            maint_total += maint
            open_margin = sum(
                (o.reserved_margin for o in account.open_orders.get(position.symbol, {}).values()),
                ZERO,
            )
            positions.append({
                "symbol": position.symbol,
                "initialMargin": fmt(initial + open_margin),
                "maintMargin": fmt(maint),
                "unrealizedProfit": fmt(position.unrealized(mark)),
                "positionInitialMargin": fmt(initial),
                "openOrderInitialMargin": fmt(open_margin),
                "leverage": str(settings.leverage),
                "isolated": settings.isolated,
                "entryPrice": fmt(position.entry_price),
                "breakEvenPrice": fmt(position.entry_price),
                "maxNotional": fmt(max_notional(spec, settings.leverage)),
                "positionSide": position.position_side.value,
                "positionAmt": fmt(position.amount),
                "notional": fmt(money(position.notional(mark))),
                "isolatedWallet": fmt(position.isolated_wallet),
                "updateTime": position.update_time,
            })
        cross_wallet = account.cross_wallet()
        cross_unrealized = account.cross_unrealized(marks)
        assets = []
        for asset, amount in account.balances.items():
            margin = asset == MARGIN_ASSET
            assets.append({
                "asset": asset,
                "walletBalance": fmt(amount),
                "unrealizedProfit": fmt(unrealized if margin else ZERO),
                "marginBalance": fmt(amount + unrealized if margin else amount),
                "maintMargin": fmt(maint_total if margin else ZERO),
                "initialMargin": fmt(position_margin + account.reserved_margin if margin else ZERO),
                "positionInitialMargin": fmt(position_margin if margin else ZERO),
                "openOrderInitialMargin": fmt(account.reserved_margin if margin else ZERO),
                "crossWalletBalance": fmt(cross_wallet if margin else amount),
                "crossUnPnl": fmt(cross_unrealized if margin else ZERO),
                "availableBalance": fmt(available if margin else amount),
                "maxWithdrawAmount": fmt(available if margin else amount),
                "marginAvailable": margin,
                "updateTime": account.update_time,
            })
        return {
            "feeTier": 0,
            "canTrade": True,
            "canDeposit": True,
            "canWithdraw": True,
            "updateTime": account.update_time,
            "multiAssetsMargin": False,
            "totalInitialMargin": fmt(position_margin + account.reserved_margin),
            "totalMaintMargin": fmt(maint_total),
            "totalWalletBalance": fmt(wallet),
            "totalUnrealizedProfit": fmt(unrealized),
            "totalMarginBalance": fmt(wallet + unrealized),
            "totalPositionInitialMargin": fmt(position_margin),
            "totalOpenOrderInitialMargin": fmt(account.reserved_margin),
            "totalCrossWalletBalance": fmt(cross_wallet),
            "totalCrossUnPnl": fmt(cross_unrealized),
            "availableBalance": fmt(available),
            "maxWithdrawAmount": fmt(available),
            "assets": assets,
            "positions": positions,
        }

    # -- orders, trades, income ---------------------------------------------------------------

    def open_orders(self, account: Account, params: p.Params) -> list[dict[str, Any]]:
        symbol = self._symbol(params)
        symbols = [symbol] if symbol is not None else sorted(account.open_orders)
        found: list[Order] = []
        for name in symbols:
            found.extend(account.open_orders.get(name, {}).values())
        found.sort(key=lambda o: o.order_id)
        return [wire.order(o) for o in found]

    def all_orders(self, account: Account, params: p.Params) -> list[dict[str, Any]]:
        symbol = p.known_symbol(params, self.core.specs)
        history = account.history.get(symbol, [])
        from_id = p.integer(params, "orderId")
        start = p.integer(params, "startTime")
        end = p.integer(params, "endTime")
        if start is not None and end is not None and start > end:
            raise ApiError(*r.START_AFTER_END)
        wanted = p.limit(params, 500, 1000)
        first = bisect_left(history, from_id, key=lambda o: o.order_id) if from_id else 0
        result = []
        for order in history[first:]:
            if start is not None and order.time < start:
                continue
            if end is not None and order.time > end:
                break
            result.append(order)
        if from_id is None and start is None:
            result = result[-wanted:]
        return [wire.order(o) for o in result[:wanted]]

    def user_trades(self, account: Account, params: p.Params) -> list[dict[str, Any]]:
        symbol = p.known_symbol(params, self.core.specs)
        trades = account.trades.get(symbol, [])
        order_id = p.integer(params, "orderId")
        from_id = p.integer(params, "fromId")
        start = p.integer(params, "startTime")
        end = p.integer(params, "endTime")
        wanted = p.limit(params, 500, 1000)
        first = bisect_left(trades, from_id, key=lambda t: t.trade_id) if from_id else 0
        chosen = [
            t for t in trades[first:]
            if (order_id is None or t.order_id == order_id)
            and (start is None or t.time >= start)
            and (end is None or t.time <= end)
        ]
        chosen = chosen[:wanted] if (from_id or start) else chosen[-wanted:]
        return [wire.trade(t) for t in chosen]

    def income(self, account: Account, params: p.Params) -> list[dict[str, Any]]:
        symbol = p.text(params, "symbol")
        kind = p.text(params, "incomeType")
        start = p.integer(params, "startTime")
        end = p.integer(params, "endTime")
        wanted = p.limit(params, 100, 1000)
        chosen = [
            entry for entry in account.income
            if (symbol is None or entry.symbol == symbol)
            and (kind is None or entry.income_type == kind)
            and (start is None or entry.time >= start)
            and (end is None or entry.time <= end)
        ]
        chosen = chosen[:wanted] if start is not None else chosen[-wanted:]
        return [wire.income(entry) for entry in chosen]

    def leverage_bracket(self, account: Account, params: p.Params) -> Any:
        symbol = self._symbol(params)
        symbols = [symbol] if symbol is not None else list(self.core.specs)
        rows = [
            {"symbol": name, "notionalCoef": "1.0",
             "brackets": bracket_table(self.core.specs[name])}
            for name in symbols
        ]
        return rows[0] if symbol is not None else rows

    def commission_rate(self, account: Account, params: p.Params) -> dict[str, Any]:
        symbol = p.known_symbol(params, self.core.specs)
        return {
            "symbol": symbol,
            "makerCommissionRate": fmt(self.core.config.maker_fee),
            "takerCommissionRate": fmt(self.core.config.taker_fee),
        }
