"""The trading core: accepting, matching, triggering, modifying and cancelling orders.

Everything happens synchronously inside one call, over the bookkeeping of
`core_base.CoreBase`: placing and cancelling cost O(log n) whatever the history holds.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from execution.simulator.api import ApiError
from execution.simulator.engine import checks, self_trade, wire
from execution.simulator.engine import rejections as r
from execution.simulator.engine.accounts import Account
from execution.simulator.engine.core_base import CoreBase
from execution.simulator.engine.market import Market
from execution.simulator.engine.order_params import OrderRequest, pegged_price
from execution.simulator.engine.orders import (
    ZERO,
    Order,
    OrderType,
    PositionSide,
    Side,
    Status,
    StpMode,
    TimeInForce,
)


class TradingCore(CoreBase):
    """Markets, accounts and the order life cycle."""

    # -- placing ------------------------------------------------------------------------------

    def place(self, account_id: str, request: OrderRequest) -> dict[str, Any]:
        """Accept (or reject) a new order, execute what executes now, return the response."""
        account = self.account(account_id)
        for gate in self.gates:
            gate(account, request)
        market = self.markets[request.symbol]
        spec = market.spec
        if request.peg_price_type is not None:  # priced from the book now
            request = replace(request, price=pegged_price(request, *market.book.best_prices()))
        position_side = checks.position_side(account, request)
        client_order_id = request.client_order_id
        if client_order_id is not None and client_order_id in account.open_by_client:
            raise r.error(r.DUPLICATE_CLIENT_ID)
        open_here = account.open_orders.get(request.symbol, {})
        conditional = account.open_conditional.get(request.symbol, 0)
        if request.type.is_conditional:
            if conditional >= spec.max_num_algo_orders:
                raise r.error(r.MAX_STOP_ORDERS)
        elif len(open_here) - conditional >= spec.max_num_orders:
            raise r.error(r.MAX_OPEN_ORDERS)

        closing = checks.closing(account, request.symbol, request.side, position_side)
        reduce_only = request.reduce_only or (
            account.dual_side and closing is not None and not request.close_position
        )
        if request.reduce_only or (account.dual_side and closing is not None):
            reducible = closing if closing is not None else ZERO
            if not request.close_position and (
                reducible <= 0 or (account.dual_side and request.quantity > reducible)
            ):
                raise r.error(r.REDUCE_ONLY_REJECTED)

        reference = checks.order_price(market, request)
        if not (reduce_only or request.close_position) and (
            request.quantity * reference < spec.min_notional
        ):
            raise r.min_notional(spec.min_notional)
        if request.type in (OrderType.LIMIT, OrderType.STOP, OrderType.TAKE_PROFIT):
            mark = market.feed.mark_price
            if request.side is Side.BUY and request.price > mark * spec.multiplier_up:
                raise r.error(r.PRICE_ABOVE_MULTIPLIER)
            if request.side is Side.SELL and request.price < mark * spec.multiplier_down:
                raise r.error(r.PRICE_BELOW_MULTIPLIER)

        order = self._build(account, request, position_side, reduce_only)
        if order.orig_type.is_conditional:
            checks.check_trigger(market, order)
        else:
            checks.check_taking(market, order)
            self._check_margin(account, market, order, reference)

        self._register(account, order)
        self._emit_order(order, "NEW")
        acknowledged = None if request.respond_with_result else wire.order(order, with_time=False)
        if order.orig_type.is_conditional:
            market.wait(order)
        else:
            self._execute(account, market, order)
        return acknowledged or wire.order(order, with_time=False)

    def _build(
        self, account: Account, request: OrderRequest, position_side: PositionSide,
        reduce_only: bool,
    ) -> Order:
        now = self.now()
        client_order_id = request.client_order_id or self._new_client_order_id()
        return Order(
            order_id=next(self._order_ids),
            client_order_id=client_order_id,
            account_id=account.account_id,
            symbol=request.symbol,
            side=request.side,
            position_side=position_side,
            type=request.type,
            orig_type=request.type,
            time_in_force=request.time_in_force,
            quantity=request.quantity,
            price=request.price,
            stop_price=request.stop_price,
            working_type=request.working_type,
            price_protect=request.price_protect,
            reduce_only=request.reduce_only if not account.dual_side else False,
            close_position=request.close_position,
            time=now,
            update_time=now,
            activation_price=request.activation_price,
            callback_rate=request.callback_rate,
            # fixed when placed: a later change of the account's mode leaves it as it is
            stp_mode=request.stp_mode or account.stp_mode,
        )

    def _execute(self, account: Account, market: Market, order: Order) -> None:
        """Execute a MARKET order or a LIMIT order as taker; rest or expire what is left.

        Where the order would trade against the account's own resting order, the STP
        mode decides (`self_trade`)."""
        limit = order.price if order.type is OrderType.LIMIT else None
        fillable = self._fillable(account, order)
        fills = market.book.walk(order.side, fillable, limit)
        makers = self_trade.own_makers(account, order, fills, fillable, limit)
        expire_taker = False
        if makers:
            mode = order.stp_mode or account.stp_mode
            if mode is not StpMode.EXPIRE_TAKER:
                for maker in makers:
                    self._finish(account, maker, Status.EXPIRED)
            if mode is not StpMode.EXPIRE_MAKER:
                fills = self_trade.before_makers(order, fills, makers)
                expire_taker = True
        for level in fills:
            if not order.is_open:
                break
            self._fill(account, market, order, level.quantity, level.price, maker=False)
            market.book.take(order.side, level.price, level.quantity)
        if not order.is_open:
            return
        if not expire_taker and order.type is OrderType.LIMIT and order.time_in_force in (
            TimeInForce.GTC, TimeInForce.GTX, TimeInForce.HIDDEN
        ) and self._fillable(account, order) > 0:
            self._rest(account, market, order)
            return
        self._finish(account, order, Status.EXPIRED)

    def cancel(self, account: Account, order: Order | None) -> dict[str, Any]:
        if order is None or not order.is_open:
            raise r.error(r.UNKNOWN_ORDER_CANCEL)
        self._finish(account, order, Status.CANCELED)
        return wire.order(order, with_time=False)

    # -- modifying ----------------------------------------------------------------------------

    def modify(
        self, account: Account, order: Order | None, side: Side, quantity: Decimal,
        price: Decimal,
    ) -> dict[str, Any]:
        """`PUT order`: a LIMIT order's new price and quantity (it loses its queue place)."""
        if order is None or not order.is_open:
            raise r.error(r.NO_SUCH_ORDER)
        if order.orig_type is not OrderType.LIMIT:
            raise r.error(r.ONLY_LIMIT_MODIFY)
        if side is not order.side:
            raise r.invalid_param("side")
        if quantity == order.quantity and price == order.price:
            raise r.error(r.NO_NEED_TO_MODIFY)
        if quantity <= order.executed_qty:
            raise ApiError(-4003 if quantity <= 0 else -2010, "Quantity is not valid.")
        market = self.markets[order.symbol]
        spec = market.spec
        mark = market.feed.mark_price
        if side is Side.BUY and price > mark * spec.multiplier_up:
            raise r.error(r.PRICE_ABOVE_MULTIPLIER)
        if side is Side.SELL and price < mark * spec.multiplier_down:
            raise r.error(r.PRICE_BELOW_MULTIPLIER)
        if not order.reduce_only and quantity * price < spec.min_notional:
            raise r.min_notional(spec.min_notional)
        old_quantity, old_price = order.quantity, order.price
        order.quantity, order.price = quantity, price
        try:
            checks.check_taking(market, order)
            account.reserved_margin -= order.reserved_margin
            released, order.reserved_margin = order.reserved_margin, ZERO
            try:
                self._check_margin(account, market, order, price)
            except ApiError:
                account.reserved_margin += released
                order.reserved_margin = released
                raise
        except ApiError:
            order.quantity, order.price = old_quantity, old_price
            raise
        order.version += 1
        order.update_time = self.now()
        self._emit_order(order, "AMENDMENT")
        self._execute(account, market, order)
        return wire.order(order, with_time=False)

    # -- the market moving --------------------------------------------------------------------

    def on_price_change(self, market: Market) -> None:
        """Fire what the new prices trigger, then fill the resting limits they cross."""
        for order in market.triggered():
            if order.is_open:
                self._trigger(market, order)
        for order in market.crossed(market.feed.last_price):
            account = self.accounts[order.account_id]
            fillable = self._fillable(account, order)
            if fillable > 0:
                self._fill(account, market, order, fillable, order.price, maker=True)
            if order.is_open:
                self._finish(account, order, Status.EXPIRED)

    def _trigger(self, market: Market, order: Order) -> None:
        account = self.accounts[order.account_id]
        order.triggered = True
        order.type = OrderType.MARKET if order.orig_type.executes_as_market else OrderType.LIMIT
        order.update_time = self.now()
        if order.close_position:
            closing = checks.closing(account, order.symbol, order.side, order.position_side)
            order.quantity = max(closing or ZERO, ZERO)
            if order.quantity <= 0:
                self._finish(account, order, Status.EXPIRED)
                return
        if order.reduce_only and self._fillable(account, order) <= 0:
            self._finish(account, order, Status.EXPIRED)
            return
        try:
            self._check_margin(account, market, order, order.price or market.feed.last_price)
        except ApiError:
            self._finish(account, order, Status.EXPIRED)
            return
        self._emit_order(order, "NEW")
        self._execute(account, market, order)

    def counterparty_fill(self, order: Order, quantity: Decimal | None) -> None:
        """A counterparty takes `quantity` (all that remains when None) of a resting LIMIT."""
        if not order.is_open or order.type is not OrderType.LIMIT:
            raise r.error(r.NO_SUCH_ORDER)
        account = self.accounts[order.account_id]
        market = self.markets[order.symbol]
        fillable = self._fillable(account, order)
        wanted = fillable if quantity is None else min(quantity, fillable)
        if wanted <= 0:
            raise r.error(r.QTY_NOT_POSITIVE)
        self._fill(account, market, order, wanted, order.price, maker=True)


    def amend_conditional(
        self, account: Account, order: Order, quantity: Decimal, price: Decimal,
        stop_price: Decimal,
    ) -> None:
        """A waiting conditional order's new quantity, price and stop price (strategy
        updates): checked like a new one, then it waits under the new trigger."""
        if not order.is_open or order.triggered or not order.orig_type.is_conditional:
            raise r.error(r.NO_SUCH_ORDER)
        market = self.markets[order.symbol]
        old = order.quantity, order.price, order.stop_price
        if quantity > 0 and not order.close_position:
            order.quantity = quantity
        order.price, order.stop_price = price, stop_price
        try:
            checks.check_trigger(market, order)
        except ApiError:
            order.quantity, order.price, order.stop_price = old
            raise
        order.version += 1
        order.update_time = self.now()
        self._emit_order(order, "AMENDMENT")
        market.wait(order)
