"""`OrderEntry`: the order manager's placement API, one method per kind of order.

Each method checks and normalises its arguments into an `OrderIntent` (see `validation`)
and hands it to the manager's one placement path (`_place`, `_place_bracket`): every order,
whatever method it came through, is validated, rounded and sent the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from execution.coercion import to_enum
from execution.exchange.base import BaseExchange
from execution.intent import OrderIntent
from execution.models import OrderSide, OrderType, PositionSide, TimeInForce
from execution.money import Number, positive
from execution.orders.batch import BatchOrder, place_batch
from execution.orders.bracket import Bracket, BracketBackend, BracketRequest
from execution.orders.managed import ManagedOrder
from execution.orders.placement import OrderPlacer
from execution.orders.post_only import check_reprices, place_with_reprices
from execution.orders.session import ManagerSession
from execution.rules import normalize_symbol


@dataclass(frozen=True, slots=True)
class OrderLabels:
    """What a caller attaches to an order besides the intent."""

    strategy_name: str | None = None
    tags: tuple[str, ...] = ()
    parent_order_id: str | None = None
    client_order_id: str | None = None


class OrderEntry:
    """The placement methods of `OrderManager`."""

    exchange: BaseExchange
    _placer: OrderPlacer
    _session: ManagerSession

    async def _place(self, intent: OrderIntent, labels: OrderLabels) -> ManagedOrder:
        """Validate `intent` and send it exactly once (the manager's one path)."""
        raise NotImplementedError

    async def _place_bracket(self, request: BracketRequest) -> Bracket:
        """Check and send a bracket."""
        raise NotImplementedError

    async def place_order(
        self,
        intent: OrderIntent,
        *,
        strategy_name: str | None = None,
        tags: Iterable[str] = (),
        parent_order_id: str | None = None,
        client_order_id: str | None = None,
        reprices: int = 0,
    ) -> ManagedOrder:
        """Any order, given as the `OrderIntent` the other methods build: checked, rounded
        by the exchange's rules and sent exactly once. The result's `rounded` lists every
        figure rounding changed (see `check_order` for the same without sending).

        `reprices` (a post-only GTX LIMIT only): when the venue refuses it as a taker
        (-5022), place it again at the best passive price, at most that many times, each
        try under a new client order id once the previous is proven refused (`post_only`)."""
        labels = OrderLabels(strategy_name, tuple(tags), parent_order_id, client_order_id)
        if not check_reprices(intent, reprices):
            return await self._place(intent, labels)

        async def place(attempt: OrderIntent, cid: str | None) -> ManagedOrder:
            return await self._place(attempt, replace(labels, client_order_id=cid))

        return await place_with_reprices(self.exchange, place, intent, client_order_id,
                                         reprices)

    async def place_batch(
        self,
        orders: Sequence[OrderIntent | BatchOrder],
        *,
        strategy_name: str | None = None,
        tags: Iterable[str] = (),
    ) -> list[ManagedOrder]:
        """Several orders in batches of up to 5 per request (the venue's `batchOrders`; a
        longer list is split): all are checked before anything is sent, each is recorded
        before its batch leaves and settled as a single order is (a lost answer leg by leg
        by client order id). One result per order, in order: placed, REJECTED (refused by
        the exchange) or PENDING_NEW (unknown, settled later). `strategy_name` and `tags`
        apply to the plain intents; a `BatchOrder` carries its own (see `orders.batch`)."""
        await self._session.ensure_started()
        legs = [order if isinstance(order, BatchOrder)
                else BatchOrder(order, strategy_name=strategy_name, tags=tuple(tags))
                for order in orders]
        return await place_batch(self._placer, legs)

    async def place_market_order(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Number,
        *,
        strategy_name: str | None = None,
        tags: Iterable[str] = (),
        parent_order_id: str | None = None,
        reduce_only: bool = False,
        client_order_id: str | None = None,
    ) -> ManagedOrder:
        """A market order (quantity rounded down to the market step size)."""
        symbol = normalize_symbol(symbol)
        intent = OrderIntent(
            symbol, side, OrderType.MARKET, positive(quantity, "quantity"),
            reduce_only=reduce_only,
        )
        return await self._place(
            intent, OrderLabels(strategy_name, tuple(tags), parent_order_id, client_order_id)
        )

    async def place_limit_order(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Number,
        price: Number,
        *,
        time_in_force: TimeInForce = TimeInForce.GTC,
        strategy_name: str | None = None,
        tags: Iterable[str] = (),
        parent_order_id: str | None = None,
        reduce_only: bool = False,
        client_order_id: str | None = None,
    ) -> ManagedOrder:
        """A limit order; the price rounds down for a BUY and up for a SELL."""
        symbol = normalize_symbol(symbol)
        intent = OrderIntent(
            symbol, side, OrderType.LIMIT, positive(quantity, "quantity"),
            price=positive(price, "price"), time_in_force=time_in_force,
            reduce_only=reduce_only,
        )
        return await self._place(
            intent, OrderLabels(strategy_name, tuple(tags), parent_order_id, client_order_id)
        )

    async def place_stop_loss_order(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Number,
        stop_price: Number,
        *,
        strategy_name: str | None = None,
        tags: Iterable[str] = (),
        parent_order_id: str | None = None,
        reduce_only: bool = True,
        client_order_id: str | None = None,
    ) -> ManagedOrder:
        """A stop-market order (STOP_MARKET) that closes exposure when the mark crosses
        `stop_price`: a SELL triggers below the market, a BUY above."""
        return await self._place_trigger(
            OrderType.STOP_LOSS, symbol, side, quantity, stop_price, reduce_only,
            OrderLabels(strategy_name, tuple(tags), parent_order_id, client_order_id),
        )

    async def place_take_profit_order(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Number,
        stop_price: Number,
        *,
        strategy_name: str | None = None,
        tags: Iterable[str] = (),
        parent_order_id: str | None = None,
        reduce_only: bool = True,
        client_order_id: str | None = None,
    ) -> ManagedOrder:
        """A take-profit market order (TAKE_PROFIT_MARKET): a SELL triggers above the
        market, a BUY below."""
        return await self._place_trigger(
            OrderType.TAKE_PROFIT, symbol, side, quantity, stop_price, reduce_only,
            OrderLabels(strategy_name, tuple(tags), parent_order_id, client_order_id),
        )

    async def _place_trigger(
        self, order_type: OrderType, symbol: str, side: OrderSide, quantity: Number,
        stop_price: Number, reduce_only: bool, labels: OrderLabels,
    ) -> ManagedOrder:
        """A market order that waits for its trigger (a stop-loss or a take-profit)."""
        intent = OrderIntent(
            normalize_symbol(symbol), side, order_type, positive(quantity, "quantity"),
            stop_price=positive(stop_price, "stop_price"), reduce_only=reduce_only,
        )
        return await self._place(intent, labels)

    async def place_bracket_order(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Number,
        *,
        entry_price: Number | None = None,
        stop_loss_price: Number,
        take_profit_price: Number,
        time_in_force: TimeInForce = TimeInForce.GTC,
        strategy_name: str | None = None,
        tags: Iterable[str] = (),
        client_order_id: str | None = None,
        backend: BracketBackend | str | None = None,
        position_side: PositionSide | str = PositionSide.BOTH,
    ) -> Bracket:
        """An entry (market, or limit at `entry_price`) with a reduce-only stop-loss and
        take-profit, one-cancels-other.

        `backend` says who holds the exits: "native" (the exchange: one OTOCO strategy
        order, the exits there before the entry fills; the default where the venue and the
        credentials have strategy orders, AsterDEX v3) or "emulated" (this process: the
        exits placed and sized as the entry fills; the default elsewhere).

        Everything is checked before the entry is sent: the exit prices must sit on the
        right sides of the entry (or of the mark price for a market entry). An exit whose
        trigger the market has passed by the time it is placed is replaced by closing the
        position at market (see `bracket_orders`). Hedge mode: `position_side` is the leg
        the entry opens (BUY LONG, SELL SHORT); the exits close that leg only."""
        symbol = normalize_symbol(symbol)
        side = to_enum(OrderSide, side, "side")
        time_in_force = to_enum(TimeInForce, time_in_force, "time_in_force")
        quantity_value = positive(quantity, "quantity")
        stop_loss = positive(stop_loss_price, "stop_loss_price")
        take_profit = positive(take_profit_price, "take_profit_price")
        entry = None if entry_price is None else positive(entry_price, "entry_price")
        return await self._place_bracket(BracketRequest(
            symbol, side, quantity_value, stop_loss, take_profit, entry_price=entry,
            time_in_force=time_in_force, strategy_name=strategy_name, tags=tuple(tags),
            client_order_id=client_order_id,
            backend=None if backend is None else to_enum(BracketBackend, backend, "backend"),
            position_side=to_enum(PositionSide, position_side, "position_side"),
        ))
