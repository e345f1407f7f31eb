"""Placing a bracket's exits as its entry fills, and the market close when an exit can no
longer be placed because the market has passed its trigger.

A stop-loss whose trigger the market has already crossed (seen locally, or the exchange's
-2021 "Order would immediately trigger") would leave the position unprotected: the
position is closed at once with a reduce-only MARKET order instead, and the other exit is
cancelled. A take-profit already crossed is taken the same way. Why is recorded on the
bracket (`exit_reason`), in the audit trail (an `EXIT_CROSSED` note) and in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

from execution.errors import ExecutionError
from execution.intent import OrderIntent
from execution.models import OrderSide, OrderType
from execution.orders.bracket import CLOSED_BECAUSE, ZERO, Bracket, attach_exit
from execution.orders.cancellation import OrderCanceller
from execution.orders.core import ManagerCore
from execution.orders.managed import ManagedOrder, OrderRole
from execution.orders.placement import OrderPlacer
from execution.orders.validation import TriggerCrossedError

logger = logging.getLogger(__name__)

EXIT_CROSSED = "EXIT_CROSSED"


class BracketExits:
    """Sends a bracket's exit orders (and the market close of a crossed one)."""

    def __init__(
        self, core: ManagerCore, placer: OrderPlacer, canceller: OrderCanceller
    ) -> None:
        self._core = core
        self._placer = placer
        self._canceller = canceller

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
            reduce_only=True,  # hedge mode: not sent, the leg's positionSide closes
            position_side=bracket.position_side,
        )
        intent = await self._placer.validate(intent, protective=True)
        return await self._placer.submit(
            intent,
            strategy_name=entry.strategy_name,
            tags=entry.tags,
            parent_order_id=entry.client_order_id,
            role=role,
            on_registered=on_registered,
        )

    async def held(self, bracket: Bracket) -> Decimal:
        """The exchange's position on the bracket's side (what its reduce-only exits can
        reduce): 0 when the symbol is flat or held the other way. In one-way mode every
        bracket of a symbol shares its one position, so another order (another bracket's
        entry, a flattening) may have made it smaller than what the bracket holds. In
        hedge mode only the bracket's leg counts (the other leg is not its to close)."""
        entry, leg = bracket.entry, bracket.position_side
        position = ZERO
        for held in await self._core.exchange.get_positions(entry.symbol):
            if held.symbol == entry.symbol and held.position_side is leg:
                position += held.quantity
        return max(ZERO, position if entry.order.side is OrderSide.BUY else -position)

    async def _closable(self, bracket: Bracket) -> Decimal:
        """What the bracket holds, but no more than the position on the exchange (an exit
        may have been executed there already)."""
        return max(ZERO, min(bracket.open_quantity, await self.held(bracket)))

    async def close_at_market(
        self, bracket: Bracket, role: OrderRole, cause: BaseException
    ) -> ManagedOrder | None:
        """The `role` exit cannot be placed, its trigger already passed: close what the
        bracket holds with a reduce-only MARKET order (taking the `role` slot), then
        cancel the other exit. Returns the market order (None: nothing was held)."""
        entry = bracket.entry
        recorder = self._core.recorder
        current = bracket.stop_loss if role is OrderRole.STOP_LOSS else bracket.take_profit
        if current is not None and current.is_open:
            await self._canceller.cancel_quietly(current)  # superseded by the market close
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
        recorder.note(entry, EXIT_CROSSED, detail)
        logger.warning(
            "bracket %s: %s %s already crossed (%s): closing %s at market",
            bracket.bracket_id, kind, trigger, cause, quantity,
        )
        close: ManagedOrder | None = None
        if quantity > 0:
            intent = OrderIntent(
                entry.symbol, entry.order.side.opposite, OrderType.MARKET, quantity,
                reduce_only=True, position_side=bracket.position_side,
            )
            placer = self._placer
            # Reduce-only risk reduction: the configurable guards (max notional, open orders
            # per symbol, allowed symbols) do not stop it; the exchange's rules still apply.
            intent = await placer.validate(intent, apply_guards=False, protective=True)
            close = await placer.submit(
                intent,
                strategy_name=entry.strategy_name,
                tags=entry.tags,
                parent_order_id=entry.client_order_id,
                role=role,
                attributes={CLOSED_BECAUSE: reason},
                on_registered=lambda placed: attach_exit(bracket, role, placed),
            )
            recorder.note(close, EXIT_CROSSED, detail)
            self._core.callbacks.emit("bracket_exit_crossed", close)
        other = bracket.take_profit if role is OrderRole.STOP_LOSS else bracket.stop_loss
        if other is not None and other.is_open:
            try:
                await self._canceller.cancel(other)
            except ExecutionError as exc:
                logger.error("bracket %s: cancel of %s failed: %s",
                             bracket.bracket_id, other.client_order_id, exc)
        return close
