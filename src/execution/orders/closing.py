"""Closing a position: cancel its orders, then reduce-only market orders until flat.

A position larger than the exchange's largest market order (MARKET_LOT_SIZE maxQty) is
closed in several orders. Each is reduce-only, so an order whose outcome is unknown can
never open a position the other way; the close stops at the first order that did not fill
(rejected, expired, or still unknown) and returns what it sent, so the caller sees why.

Hedge mode: a symbol may hold a LONG and a SHORT leg, each closed on its own: the LONG
leg with SELL orders on positionSide LONG, the SHORT leg with BUY orders on positionSide
SHORT (no reduceOnly on the wire: the docs refuse it there, the position side makes the
order closing). Only the leg's own orders are cancelled first: the other leg keeps its
stops. The leg must be named when both are open (`AmbiguousLegError`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from decimal import Decimal

from execution.errors import ValidationError
from execution.intent import OrderIntent
from execution.models import OrderSide, OrderStatus, OrderType, Position, PositionSide
from execution.orders.bracket import waiting_leg
from execution.orders.cancellation import OrderCanceller
from execution.orders.core import ManagerCore
from execution.orders.managed import CLOSE_TAG, ManagedOrder
from execution.orders.placement import OrderPlacer

# Cancels the open orders of one leg: (symbol, position side); BOTH: the whole symbol.
CancelLeg = Callable[[str, PositionSide], Awaitable[object]]


class AmbiguousLegError(ValidationError):
    """A hedge-mode symbol with both legs open was asked to close without naming one."""

    def __init__(self, symbol: str) -> None:
        super().__init__("position_side", None, f"{symbol} holds a LONG and a SHORT leg "
                         "(hedge mode): name the one to close (LONG or SHORT)")


def closing_side(leg: PositionSide, quantity: Decimal) -> OrderSide:
    """The side that closes a position of `leg` (one-way: by the sign of `quantity`)."""
    if leg is PositionSide.LONG:
        return OrderSide.SELL
    if leg is PositionSide.SHORT:
        return OrderSide.BUY
    return OrderSide.SELL if quantity > 0 else OrderSide.BUY


def choose_leg(
    symbol: str, held: list[Position], position_side: PositionSide | None
) -> PositionSide | None:
    """The leg to close among `held` (open positions of `symbol`); None: flat there."""
    sides = {p.position_side for p in held}
    hedged = bool(sides - {PositionSide.BOTH})
    if position_side is None:
        if len(sides) > 1:
            raise AmbiguousLegError(symbol)
        return next(iter(sides), None)
    if position_side is PositionSide.BOTH and hedged:
        raise ValidationError("position_side", "BOTH", f"{symbol} is held in hedge mode: "
                              "close its LONG or SHORT leg")
    if position_side is not PositionSide.BOTH and PositionSide.BOTH in sides:
        raise ValidationError("position_side", position_side.value,
                              f"{symbol} is held in one-way mode: no {position_side.value} leg")
    return position_side if position_side in sides else None


async def close_position(
    core: ManagerCore,
    placer: OrderPlacer,
    symbol: str,
    *,
    cancel_all: CancelLeg | None,
    position_side: PositionSide | None = None,
    strategy_name: str | None = None,
    tags: Iterable[str] = (),
) -> list[ManagedOrder]:
    """Flatten `symbol` (one-way), or one leg of it (hedge mode: `position_side`, which
    may be left out when only one leg is open). `cancel_all(symbol, leg)` cancels the
    leg's orders first unless it is None. Returns the closing orders ([] when flat)."""
    exchange = core.exchange
    held = [p for p in await exchange.get_positions(symbol) if p.quantity]
    leg = choose_leg(symbol, held, position_side)
    if cancel_all is not None:
        await cancel_all(symbol, leg or position_side or PositionSide.BOTH)
    if leg is None:
        return []
    if cancel_all is not None:  # the leg as it is now (a fill may have raced the cancel)
        held = [p for p in await exchange.get_positions(symbol) if p.quantity]
    size = sum((p.quantity for p in held if p.position_side is leg), Decimal(0))
    if not size:
        return []
    rules = await exchange.get_symbol_rules(symbol)
    largest = rules.market_max_qty or rules.max_qty
    side = closing_side(leg, size)
    remaining = abs(size)
    closing: list[ManagedOrder] = []
    while remaining > 0:
        quantity = min(remaining, largest) if largest else remaining
        intent = await placer.validate(
            OrderIntent(symbol, side, OrderType.MARKET, quantity, reduce_only=True,
                        position_side=leg),
            protective=True,  # only reduces: never held up by the risk layer
        )
        managed = await placer.submit(
            intent, strategy_name=strategy_name, tags=(CLOSE_TAG, *tags)
        )
        closing.append(managed)
        if managed.status is not OrderStatus.FILLED:
            break
        remaining -= managed.filled_quantity
    return closing



def leg_canceller(
    core: ManagerCore,
    canceller: OrderCanceller,
    detach: Callable[[ManagedOrder], None],
    cancel_all: Callable[[str], Awaitable[object]],
) -> CancelLeg:
    """What `close_position` cancels: every order of the symbol (one-way: `cancel_all`),
    or only the leg's (hedge mode: the other leg keeps its stops), tracked ones through
    `canceller` (a bracket exit `detach`ed first: not put back), others on the exchange by
    client id."""

    async def cancel(symbol: str, leg: PositionSide) -> None:
        if leg is PositionSide.BOTH:
            await cancel_all(symbol)
            return
        registry = core.registry
        for managed in registry.open_orders(symbol):
            # (a native bracket's waiting exit is not on the book: its strategy ends it)
            if managed.order.position_side is leg and not waiting_leg(managed):
                detach(managed)
                await canceller.cancel_quietly(managed)
        for order in await core.exchange.get_open_orders(symbol):
            if order.position_side is leg and order.client_order_id not in registry.by_client_id:
                await core.exchange.cancel_order(None, symbol,
                                                 client_order_id=order.client_order_id)

    return cancel
