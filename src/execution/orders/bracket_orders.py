"""Placing a bracket: every check before the entry is sent, the entry, then the exits
(`bracket_exits`) through the coordinator (`brackets`) as the entry fills."""

from __future__ import annotations

from execution.exchange.order_request import check_client_order_id
from execution.intent import OrderIntent
from execution.models import Order, OrderType
from execution.orders.bracket import (
    STOP_LOSS_PRICE,
    TAKE_PROFIT_PRICE,
    Bracket,
    BracketRequest,
    check_leg_opens,
)
from execution.orders.brackets import BracketCoordinator
from execution.orders.core import ManagerCore
from execution.orders.managed import ManagedOrder, OrderRole
from execution.orders.marks import read_mark
from execution.orders.native_brackets import NativeBrackets, goes_native
from execution.orders.placement import OrderPlacer
from execution.orders.validation import check_bracket_prices
from execution.rules import safe_price_rounding


class BracketOrders:
    """Places brackets; `coordinator` keeps their legs consistent afterwards."""

    def __init__(
        self, core: ManagerCore, placer: OrderPlacer, coordinator: BracketCoordinator,
        native: NativeBrackets,
    ) -> None:
        self._core = core
        self._placer = placer
        self._coordinator = coordinator
        self.native = native

    async def place(self, request: BracketRequest) -> Bracket:
        """Check everything, send the entry, and place the exits if it filled at once."""
        symbol, side, quantity = request.symbol, request.side, request.quantity
        entry_price, client_order_id = request.entry_price, request.client_order_id
        exchange = self._core.exchange
        # The exits are sent after the entry fills: a venue that would refuse them must
        # refuse the bracket before the entry goes out.
        exchange.check_order_type(OrderType.STOP_LOSS)
        exchange.check_order_type(OrderType.TAKE_PROFIT)
        leg = request.position_side
        check_leg_opens(side, leg)
        exit_side = side.opposite
        rules = await exchange.get_symbol_rules(symbol)
        stop_loss = rules.round_price(request.stop_loss_price, safe_price_rounding(exit_side))
        take_profit = rules.round_price(
            request.take_profit_price, safe_price_rounding(exit_side)
        )
        rules.validate_price(stop_loss, "stop_loss_price")
        rules.validate_price(take_profit, "take_profit_price")
        if entry_price is None:
            intent = OrderIntent(symbol, side, OrderType.MARKET, quantity, position_side=leg)
            reference = await read_mark(exchange, self._core.marks, symbol)
        else:
            intent = OrderIntent(
                symbol, side, OrderType.LIMIT, quantity,
                price=entry_price, time_in_force=request.time_in_force, position_side=leg,
            )
            reference = rules.round_price(entry_price, safe_price_rounding(side))
        check_bracket_prices(side, reference, stop_loss, take_profit)
        placer = self._placer
        intent = await placer.validate(intent)
        attributes = {STOP_LOSS_PRICE: str(stop_loss), TAKE_PROFIT_PRICE: str(take_profit)}
        if client_order_id is None:
            client_order_id = placer.new_client_order_id()
        else:
            check_client_order_id(client_order_id)
        if goes_native(self._core, request):
            return await self.native.place(request, intent, stop_loss, take_profit,
                                            attributes, client_order_id)
        # The bracket exists before the entry is sent, so fills racing the REST answer
        # already find it.
        placeholder = ManagedOrder(
            Order(symbol, side, intent.order_type, intent.quantity, client_order_id,
                  position_side=leg),
            role=OrderRole.ENTRY,
            attributes=attributes,
        )
        bracket = Bracket(placeholder, stop_loss, take_profit)
        coordinator = self._coordinator
        coordinator.add(bracket)

        def attach_entry(entry: ManagedOrder) -> None:
            bracket.entry = entry

        try:
            await placer.submit(
                intent,
                strategy_name=request.strategy_name,
                tags=request.tags,
                role=OrderRole.ENTRY,
                client_order_id=client_order_id,
                attributes=attributes,
                on_registered=attach_entry,
            )
        except BaseException:
            if bracket.entry is placeholder:
                coordinator.brackets.pop(client_order_id, None)
            raise
        await coordinator.sync(bracket)
        return bracket
