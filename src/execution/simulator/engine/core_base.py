"""The trading core's state and bookkeeping: markets, accounts, ids, events, and what a
fill, a resting order and a finished order do to an account.

Every change of an order is reported to the listener as `ORDER_TRADE_UPDATE` (and to the
order observers, e.g. the strategy desk), every fill also as `ACCOUNT_UPDATE`. Lookups go
through dictionaries (by order id, by client order id, open orders per symbol). Placing,
matching and cancelling are `trading.TradingCore`'s, built on this.
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
)

_ID_ALPHABET = string.ascii_letters + string.digits
_MAX_SETTLE_ROUNDS = 1000  # deferred work that keeps making more is cut off here


def _no_listener(account_id: str | None, event: dict[str, Any]) -> None:
    return None


# (order, execution type, last filled quantity, its price): told of every change of an order
OrderObserver = Callable[[Order, str, Decimal, Decimal], None]
# checks a new order may fail before anything else (e.g. market maker protection)
OrderGate = Callable[[Account, OrderRequest], None]


class CoreBase:
    """Markets, accounts, ids and the bookkeeping of orders and fills."""

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
        self.observers: list[OrderObserver] = []
        self.gates: list[OrderGate] = []
        # run by `settle()` once an outer operation is over (work the observers deferred);
        # each says whether it did anything
        self.after_hooks: list[Callable[[], bool]] = []
        self._settling = False

    # -- helpers ------------------------------------------------------------------------------

    def now(self) -> int:
        return self.clock()

    def settle(self) -> None:
        """Run the deferred work (strategy triggers, chase re-pegs, ...) until none is left.

        Called by the engine when a request or a price move is over, never from inside a
        fill, so deferred work sees a consistent book and its events follow the cause's."""
        if self._settling:
            return
        self._settling = True
        try:
            for _ in range(_MAX_SETTLE_ROUNDS):
                if not [hook for hook in self.after_hooks if hook()]:
                    break
        finally:
            self._settling = False

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

    def _emit_order(
        self, order: Order, execution_type: str, *, at: int | None = None, **fill: Any
    ) -> None:
        """`at`: the event's time (a trade's own: its update and `userTrades` agree)."""
        account = self.accounts[order.account_id]
        bids, asks = account.open_notional.get(order.symbol) or (ZERO, ZERO)
        event = wire.order_trade_update(
            order, execution_type, self.now() if at is None else at,
            bids_notional=bids, asks_notional=asks, **fill,
        )
        self.listener(order.account_id, event)
        last_qty: Decimal = fill.get("last_qty", ZERO)
        last_price: Decimal = fill.get("last_price", ZERO)
        for observer in self.observers:
            observer(order, execution_type, last_qty, last_price)

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
            order, execution_type, at=now, last_qty=quantity, last_price=price,
            trade_id=trade_id, commission=outcome.commission, maker=maker,
            realized=outcome.realized,
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

    def book_income(
        self, account: Account, asset: str, kind: str, amount: Decimal, now: int
    ) -> int:
        """Book a non-trading movement of `asset` (a transfer) as income; its tranId."""
        tran_id = next(self._tran_ids)
        account.income.append(Income(tran_id, "", kind, amount, asset, "", now, ""))
        return tran_id

    def book_tran_id(self) -> int:
        """A transaction id for a movement no futures wallet takes part in."""
        return next(self._tran_ids)

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

