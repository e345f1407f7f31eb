"""Placing a bracket's orders: the entry, the exits as the entry fills, and the market
close when an exit can no longer be placed because the market has passed its trigger.

A stop-loss whose trigger the market has already crossed (seen locally, or the exchange's
-2021 "Order would immediately trigger") would leave the position unprotected: the
position is closed at once with a reduce-only MARKET order instead, and the other exit is
cancelled. A take-profit already crossed is taken the same way. Why is recorded on the
bracket (`exit_reason`), in the audit trail (an `EXIT_CROSSED` note) and in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from execution.errors import ExecutionError
from execution.exchange.order_request import check_client_order_id
from execution.models import Order, OrderSide, OrderType, TimeInForce
from execution.orders.brackets import (
    CLOSED_BECAUSE,
    STOP_LOSS_PRICE,
    TAKE_PROFIT_PRICE,
    Bracket,
    BracketCoordinator,
)
from execution.orders.callbacks import CallbackRegistry
from execution.orders.managed import ManagedOrder, OrderRole
from execution.orders.placement import OrderPlacer
from execution.orders.recorder import OrderRecorder
from execution.orders.validation import (
    OrderIntent,
    TriggerCrossedError,
    check_bracket_prices,
)
from execution.rules import safe_price_rounding

if TYPE_CHECKING:
    from execution.orders.manager import OrderManager

logger = logging.getLogger(__name__)

ZERO = Decimal(0)
EXIT_CROSSED = "EXIT_CROSSED"


class BracketOrders:
    """Sends a bracket's orders for one manager; `coordinator` keeps them consistent."""

    def __init__(
        self,
        manager: OrderManager,
        placer: OrderPlacer,
        recorder: OrderRecorder,
        callbacks: CallbackRegistry,
        coordinator: BracketCoordinator,
    ) -> None:
        self._manager = manager
        self._placer = placer
        self._recorder = recorder
        self._callbacks = callbacks
        self._coordinator = coordinator

    async def place(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Decimal,
        *,
        entry_price: Decimal | None,
        stop_loss_price: Decimal,
        take_profit_price: Decimal,
        time_in_force: TimeInForce,
        strategy_name: str | None,
        tags: Iterable[str],
        client_order_id: str | None,
    ) -> Bracket:
        """Check everything, send the entry, and place the exits if it filled at once."""
        exchange = self._manager.exchange
        # The exits are sent after the entry fills: a venue that would refuse them must
        # refuse the bracket before the entry goes out.
        exchange.check_order_type(OrderType.STOP_LOSS)
        exchange.check_order_type(OrderType.TAKE_PROFIT)
        exit_side = side.opposite
        rules = await exchange.get_symbol_rules(symbol)
        stop_loss = rules.round_price(stop_loss_price, safe_price_rounding(exit_side))
        take_profit = rules.round_price(take_profit_price, safe_price_rounding(exit_side))
        rules.validate_price(stop_loss, "stop_loss_price")
        rules.validate_price(take_profit, "take_profit_price")
        if entry_price is None:
            intent = OrderIntent(symbol, side, OrderType.MARKET, quantity)
            reference = await exchange.fetch_mark_price(symbol)
        else:
            intent = OrderIntent(
                symbol, side, OrderType.LIMIT, quantity,
                price=entry_price, time_in_force=time_in_force,
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
        # The bracket exists before the entry is sent, so fills racing the REST answer
        # already find it.
        placeholder = ManagedOrder(
            Order(symbol, side, intent.order_type, intent.quantity, client_order_id),
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
                strategy_name=strategy_name,
                tags=tuple(tags),
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

    async def place_exit(
        self,
        bracket: Bracket,
        role: OrderRole,
        quantity: Decimal,
        on_registered: Callable[[ManagedOrder], None] | None = None,
    ) -> ManagedOrder:
        """Place a bracket's stop-loss or take-profit for `quantity`. Raises
        `TriggerCrossedError` when the market is already through its trigger.
        `on_registered` hears of the exit as soon as it is tracked (before it is sent)."""
        entry = bracket.entry
        is_stop = role is OrderRole.STOP_LOSS
        intent = OrderIntent(
            entry.symbol,
            entry.order.side.opposite,
            OrderType.STOP_LOSS if is_stop else OrderType.TAKE_PROFIT,
            quantity,
            stop_price=bracket.stop_loss_price if is_stop else bracket.take_profit_price,
            reduce_only=True,
        )
        intent = await self._placer.validate(intent)
        return await self._placer.submit(
            intent,
            strategy_name=entry.strategy_name,
            tags=entry.tags,
            parent_order_id=entry.client_order_id,
            role=role,
            on_registered=on_registered,
        )

    async def _closable(self, bracket: Bracket) -> Decimal:
        """What the bracket holds, but no more than the position on the exchange (an exit
        may have been executed there already)."""
        entry = bracket.entry
        held = ZERO
        for position in await self._manager.exchange.get_positions(entry.symbol):
            if position.symbol == entry.symbol:
                held += position.quantity
        reducible = held if entry.order.side is OrderSide.BUY else -held
        return max(ZERO, min(bracket.open_quantity, reducible))

    async def close_at_market(
        self, bracket: Bracket, role: OrderRole, cause: BaseException
    ) -> ManagedOrder | None:
        """The `role` exit cannot be placed, its trigger already passed: close what the
        bracket holds with a reduce-only MARKET order (taking the `role` slot), then
        cancel the other exit. Returns the market order (None: nothing was held)."""
        manager = self._manager
        entry = bracket.entry
        current = bracket.stop_loss if role is OrderRole.STOP_LOSS else bracket.take_profit
        if current is not None and current.is_open:
            await manager.cancel_quietly(current)  # superseded by the market close
        quantity = await self._closable(bracket)
        kind = "stop-loss" if role is OrderRole.STOP_LOSS else "take-profit"
        trigger = bracket.stop_loss_price if role is OrderRole.STOP_LOSS else (
            bracket.take_profit_price
        )
        reason = f"{kind} {trigger} already crossed ({cause}): closed at market"
        bracket.exit_reason = reason
        detail = {"role": role.value, "trigger_price": str(trigger), "quantity": str(quantity),
                  "cause": str(cause)}
        if isinstance(cause, TriggerCrossedError):
            detail["mark_price"] = str(cause.mark_price)
        self._recorder.note(entry, EXIT_CROSSED, detail)
        logger.warning(
            "bracket %s: %s %s already crossed (%s): closing %s at market",
            bracket.bracket_id, kind, trigger, cause, quantity,
        )
        close: ManagedOrder | None = None
        if quantity > 0:
            intent = OrderIntent(
                entry.symbol, entry.order.side.opposite, OrderType.MARKET, quantity,
                reduce_only=True,
            )
            placer = self._placer
            # Reduce-only risk reduction: the configurable guards (max notional, open orders
            # per symbol, allowed symbols) do not stop it; the exchange's rules still apply.
            intent = await placer.validate(intent, apply_guards=False)
            coordinator = self._coordinator
            close = await placer.submit(
                intent,
                strategy_name=entry.strategy_name,
                tags=entry.tags,
                parent_order_id=entry.client_order_id,
                role=role,
                attributes={CLOSED_BECAUSE: reason},
                on_registered=lambda placed: coordinator.attach(bracket, role, placed),
            )
            self._recorder.note(close, EXIT_CROSSED, detail)
            self._callbacks.emit("bracket_exit_crossed", close)
        other = bracket.take_profit if role is OrderRole.STOP_LOSS else bracket.stop_loss
        if other is not None and other.is_open:
            try:
                await manager.cancel_managed(other)
            except ExecutionError as exc:
                logger.error("bracket %s: cancel of %s failed: %s",
                             bracket.bracket_id, other.client_order_id, exc)
        return close
