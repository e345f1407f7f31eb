"""Liquidation: closing positions whose margin no longer covers their maintenance margin.

After every price move the engine checks the accounts holding the symbol. An isolated
position is closed at its bankruptcy price (the price at which its isolated margin is
exactly lost), so it never costs more than that margin. Cross positions are closed together
at their mark prices; what is left of the cross wallet (the remaining margin, at most the
maintenance margin) goes to the insurance fund as the clearance fee, and a wallet pushed
below zero by a gap is brought back to zero the same way (`INSURANCE_CLEAR` income).

As on the exchange, the open orders in the liquidated scope expire first, and each closing
order is reported as a `LIQUIDATION` order with a client id starting `autoclose-`: one
`ORDER_TRADE_UPDATE` with execution type `NEW`, one with `CALCULATED` (status FILLED).
Liquidation orders pay no trading fee. The market keeps the latest one for the `forceOrder`
streams. Positions are closed whole (no partial liquidation
by bracket) and there is no auto-deleveraging of other accounts.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from execution.simulator.engine.accounts import MARGIN_ASSET, Account, Position, money
from execution.simulator.engine.margin import cross_health, cross_positions, isolated_health
from execution.simulator.engine.orders import (
    ZERO,
    Order,
    OrderType,
    Side,
    Status,
    TimeInForce,
    WorkingType,
)
from execution.simulator.engine.trading import TradingCore
from execution.simulator.engine.wire import fmt

LIQUIDATION_PREFIX = "autoclose-"
NO_FEE = Decimal(0)


class Liquidator:
    """Checks margin health after price moves and liquidates what fell below it."""

    def __init__(self, core: TradingCore) -> None:
        self.core = core
        self.liquidations = 0  # closing orders sent, for tests and the operator

    def check(self, symbol: str) -> None:
        """Liquidate every position of every account that the move of `symbol` broke."""
        core = self.core
        for account in list(core.accounts.values()):
            held = [
                position for position in account.positions.values()
                if position.symbol == symbol and position.amount
            ]
            if not held:
                continue
            if account.settings_for(symbol).isolated:
                mark = core.marks[symbol]
                spec = core.specs[symbol]
                for position in held:
                    balance, maintenance = isolated_health(position, mark, spec)
                    if balance <= maintenance:
                        self._liquidate_isolated(account, position)
            else:
                balance, maintenance = cross_health(account, core.marks, core.specs)
                if balance <= maintenance:
                    self._liquidate_cross(account)

    # -- the two scopes -------------------------------------------------------------------

    def _liquidate_isolated(self, account: Account, position: Position) -> None:
        symbol = position.symbol
        self._expire_open_orders(account, {symbol})
        tick = self.core.specs[symbol].tick_size
        amount = abs(position.amount)
        long = position.amount > 0
        bankruptcy = position.entry_price - (1 if long else -1) * (
            position.isolated_wallet / amount
        )
        # Rounded to the tick in the account's favour: it never loses more than its margin.
        units = (bankruptcy / tick).to_integral_value(ROUND_CEILING if long else ROUND_FLOOR)
        self._close(account, position, max(units * tick, tick))

    def _liquidate_cross(self, account: Account) -> None:
        positions = cross_positions(account)
        self._expire_open_orders(account, set(account.open_orders))
        for position in positions:
            self._close(account, position, self.core.marks[position.symbol])
        remaining = account.cross_wallet()
        if remaining:
            core = self.core
            now = core.now()
            account.balances[MARGIN_ASSET] = account.wallet - remaining
            symbol = positions[0].symbol if positions else ""
            core._income(account, symbol, "INSURANCE_CLEAR", -remaining, now, 0)
            core.emit_account_update(account, "INSURANCE_CLEAR", positions)

    # -- steps --------------------------------------------------------------------------------

    def _expire_open_orders(self, account: Account, symbols: set[str]) -> None:
        for symbol in sorted(symbols):
            for order in self.core.open_orders_in(account, symbol):
                self.core._finish(account, order, Status.EXPIRED)

    def _close(self, account: Account, position: Position, price: Decimal) -> None:
        """One `LIQUIDATION` order closing `position` whole at `price`."""
        core = self.core
        now = core.now()
        order_id = next(core._order_ids)
        side = Side.SELL if position.amount > 0 else Side.BUY
        quantity = abs(position.amount)
        order = Order(
            order_id=order_id,
            client_order_id=f"{LIQUIDATION_PREFIX}{now}-{order_id}",
            account_id=account.account_id,
            symbol=position.symbol,
            side=side,
            position_side=position.position_side,
            type=OrderType.LIQUIDATION,
            orig_type=OrderType.LIQUIDATION,
            time_in_force=TimeInForce.IOC,
            quantity=quantity,
            price=money(price),
            stop_price=ZERO,
            working_type=WorkingType.CONTRACT_PRICE,
            price_protect=False,
            reduce_only=True,
            close_position=False,
            time=now,
            update_time=now,
        )
        core._register(account, order)
        core._emit_order(order, "NEW")
        market = core.markets[position.symbol]
        core._fill(account, market, order, quantity, price, maker=False, fee_rate=NO_FEE,
                   execution_type="CALCULATED")
        self.liquidations += 1
        # what the `forceOrder` streams show: a LIMIT IOC order filled at once
        market.force_order = {
            "s": order.symbol, "S": side.value, "o": "LIMIT", "f": "IOC",
            "q": fmt(quantity), "p": fmt(order.price), "ap": fmt(price), "X": "FILLED",
            "l": fmt(quantity), "z": fmt(quantity), "T": now,
        }
        market.force_orders += 1
