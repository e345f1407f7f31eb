"""The trading core: accepting, matching, triggering and cancelling orders.

Everything happens synchronously inside one call; every change of an order is reported to
the listener as `ORDER_TRADE_UPDATE`, every fill also as `ACCOUNT_UPDATE`. Lookups go through
dictionaries (by order id, by client order id, open orders per symbol), so placing and
cancelling cost O(log n) whatever the history holds.
"""

from __future__ import annotations

import random
import string
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal
from itertools import count
from typing import Any

from execution.simulator.api import ApiError, EventListener
from execution.simulator.engine import checks, wire
from execution.simulator.engine import rejections as r
from execution.simulator.engine.accounts import (
    MARGIN_ASSET,
    Account,
    Income,
    Position,
    Trade,
    money,
)
from execution.simulator.engine.config import EngineConfig
from execution.simulator.engine.feed import PriceFeed
from execution.simulator.engine.market import Market, MarksView, PublicTrade
from execution.simulator.engine.order_params import OrderRequest
from execution.simulator.engine.orders import (
    ZERO,
    Order,
    OrderType,
    PositionSide,
    Side,
    Status,
    TimeInForce,
)

_ID_ALPHABET = string.ascii_letters + string.digits


def _no_listener(account_id: str | None, event: dict[str, Any]) -> None:
    return None


class TradingCore:
    """Markets, accounts and the order life cycle."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.clock: Callable[[], int] = config.clock
        now = self.clock()
        self.markets: dict[str, Market] = {
            spec.symbol: Market(
                spec,
                PriceFeed(
                    spec, config.seed, now, config.history_points, config.replay.get(spec.symbol)
                ),
            )
            for spec in config.symbols
        }
        self.specs = {symbol: market.spec for symbol, market in self.markets.items()}
        self.marks = MarksView(self.markets)
        self.accounts: dict[str, Account] = {}
        self.ledger: Counter[str] = Counter()
        self.listener: EventListener = _no_listener
        base = config.id_base()
        self._order_ids = count(config.first_order_id or base)
        self._trade_ids = count(config.first_trade_id or base)
        self._tran_ids = count(1)
        self._id_rng = random.Random(f"{config.seed}:client-order-ids")

    # -- helpers ------------------------------------------------------------------------------

    def now(self) -> int:
        return self.clock()

    def account(self, account_id: str) -> Account:
        found = self.accounts.get(account_id)
        if found is None:
            raise ApiError(-2015, "Invalid API-key, IP, or permissions for action.", 401)
        return found

    def market(self, symbol: str) -> Market:
        found = self.markets.get(symbol)
        if found is None:
            raise r.invalid_symbol()
        return found

    def _emit_order(self, order: Order, execution_type: str, **fill: Any) -> None:
        account = self.accounts[order.account_id]
        bids, asks = account.open_notional.get(order.symbol) or (ZERO, ZERO)
        event = wire.order_trade_update(
            order, execution_type, self.now(), bids_notional=bids, asks_notional=asks, **fill
        )
        self.listener(order.account_id, event)

    def _emit_account(self, account: Account, symbol: str, position_side: PositionSide) -> None:
        self.emit_account_update(account, "ORDER", [account.position(symbol, position_side)])

    def emit_account_update(
        self, account: Account, reason: str, positions: Iterable[Position]
    ) -> None:
        """An `ACCOUNT_UPDATE` for `account` with `reason`, its balances and `positions`."""
        marks = self.marks
        event = wire.account_update(
            account, reason, self.now(),
            [wire.account_position(account, p, marks[p.symbol]) for p in positions],
        )
        self.listener(account.account_id, event)

    def open_orders_in(self, account: Account, symbol: str) -> list[Order]:
        """The account's open orders of `symbol`, oldest first."""
        return sorted(account.open_orders.get(symbol, {}).values(), key=lambda o: o.order_id)

    def next_trade_id(self) -> int:
        return next(self._trade_ids)

    def _new_client_order_id(self) -> str:
        number = self._id_rng.getrandbits(128)
        chars = []
        for _ in range(22):
            number, digit = divmod(number, 62)
            chars.append(_ID_ALPHABET[digit])
        return "".join(chars)

    # -- placing ------------------------------------------------------------------------------

    def place(self, account_id: str, request: OrderRequest) -> dict[str, Any]:
        """Accept (or reject) a new order, execute what executes now, return the response."""
        account = self.account(account_id)
        market = self.markets[request.symbol]
        spec = market.spec
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
        )

    def _increase(self, account: Account, order: Order, quantity: Decimal) -> Decimal:
        """The part of `quantity` that would add to the position (needs margin)."""
        if order.reduce_only or order.close_position:
            return ZERO
        closing = checks.closing(account, order.symbol, order.side, order.position_side)
        if closing is None:
            return quantity
        return max(quantity - closing, ZERO)

    def _check_margin(
        self, account: Account, market: Market, order: Order, price: Decimal
    ) -> None:
        increase = self._increase(account, order, order.remaining)
        if increase <= 0:
            return
        if order.type is OrderType.MARKET:
            bid, ask = market.book.best_prices()
            price = ask if order.side is Side.BUY else bid
        leverage = account.settings_for(order.symbol).leverage
        needed = increase * price / leverage + increase * price * self.config.taker_fee
        if needed > account.available_balance(self.marks):
            raise r.error(r.MARGIN_INSUFFICIENT)

    def _register(self, account: Account, order: Order) -> None:
        account.orders_by_id[order.order_id] = order
        account.orders_by_client[order.client_order_id] = order
        account.open_by_client[order.client_order_id] = order
        account.open_orders.setdefault(order.symbol, {})[order.order_id] = order
        if order.orig_type.is_conditional:
            account.open_conditional[order.symbol] = (
                account.open_conditional.get(order.symbol, 0) + 1
            )
        account.history.setdefault(order.symbol, []).append(order)
        self.ledger[order.client_order_id] += 1

    # -- executing ----------------------------------------------------------------------------

    def _fillable(self, account: Account, order: Order) -> Decimal:
        """The order's remaining quantity, capped by the position when it may only reduce."""
        remaining = order.remaining
        if order.reduce_only or order.close_position or account.dual_side:
            closing = checks.closing(account, order.symbol, order.side, order.position_side)
            if closing is not None and (order.reduce_only or order.close_position or
                                        account.dual_side):
                return min(remaining, max(closing, ZERO))
        return remaining

    def _execute(self, account: Account, market: Market, order: Order) -> None:
        """Execute a MARKET order or a LIMIT order as taker; rest or expire what is left."""
        limit = order.price if order.type is OrderType.LIMIT else None
        fillable = self._fillable(account, order)
        fills = market.book.walk(order.side, fillable, limit)
        for level in fills:
            if not order.is_open:
                break
            self._fill(account, market, order, level.quantity, level.price, maker=False)
            market.book.take(order.side, level.price, level.quantity)
        if not order.is_open:
            return
        if order.type is OrderType.LIMIT and order.time_in_force in (
            TimeInForce.GTC, TimeInForce.GTX, TimeInForce.HIDDEN
        ) and self._fillable(account, order) > 0:
            self._rest(account, market, order)
            return
        self._finish(account, order, Status.EXPIRED)

    def _set_book_notional(self, account: Account, order: Order, value: Decimal) -> None:
        if value == order.book_notional:
            return
        sides = account.open_notional.get(order.symbol)
        if sides is None:
            sides = account.open_notional[order.symbol] = [ZERO, ZERO]
        sides[0 if order.side is Side.BUY else 1] += value - order.book_notional
        order.book_notional = value

    def _rest(self, account: Account, market: Market, order: Order) -> None:
        self._set_book_notional(account, order, order.price * order.remaining)
        increase = self._increase(account, order, order.remaining)
        leverage = account.settings_for(order.symbol).leverage
        reserved = money(increase * order.price / leverage)
        account.reserved_margin += reserved - order.reserved_margin
        order.reserved_margin = reserved
        market.rest(order)

    def _fill(
        self, account: Account, market: Market, order: Order, quantity: Decimal, price: Decimal,
        *, maker: bool, fee_rate: Decimal | None = None, execution_type: str = "TRADE",
    ) -> None:
        now = self.now()
        position = account.position(order.symbol, order.position_side)
        if fee_rate is None:
            fee_rate = self.config.maker_fee if maker else self.config.taker_fee
        before = order.remaining
        outcome = account.apply_fill(position, order.side, quantity, price, fee_rate, now)
        order.executed_qty += quantity
        order.cum_quote += quantity * price
        order.update_time = now
        order.status = Status.FILLED if order.remaining == 0 else Status.PARTIALLY_FILLED
        if order.book_notional:
            self._set_book_notional(account, order, order.price * order.remaining)
        if order.reserved_margin:
            kept = money(order.reserved_margin * order.remaining / before)
            account.reserved_margin -= order.reserved_margin - kept
            order.reserved_margin = kept
        trade_id = next(self._trade_ids)
        account.trades.setdefault(order.symbol, []).append(
            Trade(trade_id, order.order_id, order.symbol, order.side, order.position_side,
                  price, quantity, outcome.commission, outcome.realized, maker, now)
        )
        if outcome.realized:
            self._income(account, order.symbol, "REALIZED_PNL", outcome.realized, now, trade_id)
        if outcome.commission:
            self._income(account, order.symbol, "COMMISSION", -outcome.commission, now, trade_id)
        public = PublicTrade(trade_id, price, quantity, now, buyer_is_maker=(
            (order.side is Side.BUY) == maker))
        market.record_trade(public)
        if order.status is Status.FILLED:
            self._close(account, order)
        self._emit_order(
            order, execution_type, last_qty=quantity, last_price=price, trade_id=trade_id,
            commission=outcome.commission, maker=maker, realized=outcome.realized,
        )
        self._emit_account(account, order.symbol, order.position_side)
        self.listener(None, wire.agg_trade_event(market, public, now))

    def _income(
        self, account: Account, symbol: str, kind: str, amount: Decimal, now: int, trade_id: int
    ) -> None:
        account.income.append(
            Income(next(self._tran_ids), symbol, kind, amount, MARGIN_ASSET, "", now,
                   str(trade_id))
        )

    def _close(self, account: Account, order: Order) -> None:
        """Take a no-longer-open order out of the open indexes and free its margin."""
        if order.book_notional:
            self._set_book_notional(account, order, ZERO)
        open_here = account.open_orders.get(order.symbol)
        removed = open_here.pop(order.order_id, None) if open_here is not None else None
        if removed is not None and order.orig_type.is_conditional:
            account.open_conditional[order.symbol] -= 1
        if account.open_by_client.get(order.client_order_id) is order:
            del account.open_by_client[order.client_order_id]
        if order.reserved_margin:
            account.reserved_margin -= order.reserved_margin
            order.reserved_margin = ZERO

    def _finish(self, account: Account, order: Order, status: Status) -> None:
        order.status = status
        order.update_time = self.now()
        self._close(account, order)
        self._emit_order(order, status.value)

    # -- cancelling ---------------------------------------------------------------------------

    def find(
        self, account: Account, symbol: str, order_id: int | None, client_order_id: str | None
    ) -> Order | None:
        order = None
        if order_id is not None:
            order = account.orders_by_id.get(order_id)
        elif client_order_id is not None:
            order = account.open_by_client.get(client_order_id) or account.orders_by_client.get(
                client_order_id
            )
        if order is None or order.symbol != symbol:
            return None
        return order

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
