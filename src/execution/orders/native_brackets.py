"""Native brackets: the entry, the stop-loss and the take-profit in one OTOCO strategy order,
held by the exchange.

The exits exist on the exchange before the entry fills: the entry's first fill places them
there (`PARTIALLY_FILLED_OR_FILLED` -> `PLACE_ORDER`) and each one's fill cancels the other
(`FILLED` -> `CANCEL_ORDER`), with nothing asked of this process. A crash between the
entry's fill and the exits, or one exit filling while the other fills too, cannot happen
here. The exits are reduce-only, sized to the entry's quantity (on a partial fill they
reduce no more than is held).

All three legs are tracked as orders from the start and committed to the store before the
request leaves; the exits wait (`bracket.waiting_leg`: no order id) until the exchange
places them, and are looked up through their strategy (`lookup`), never taken as unknown
outcomes. A lost answer is settled by the client strategy id (the entry's client order
id), never by sending again: when it cannot be settled the entry stays PENDING_NEW like any
unknown outcome, and the exits follow it.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from execution.errors import (
    ExchangeError,
    ExecutionError,
    StoreUnavailableError,
    ValidationError,
)
from execution.exchange.strategy_orders import (
    UNSUPPORTED_TIF,
    StrategyLeg,
    StrategyOrders,
    StrategyType,
)
from execution.intent import OrderIntent
from execution.models import OrderType
from execution.orders.bracket import (
    BACKEND,
    LEG_OF,
    STRATEGY_ID,
    Bracket,
    BracketBackend,
    BracketRequest,
    set_exit_price,
)
from execution.orders.brackets import BracketCoordinator
from execution.orders.core import ManagerCore
from execution.orders.lifecycle import OrderLifecycle
from execution.orders.lookup import OrderLookup
from execution.orders.managed import ManagedOrder, OrderRole
from execution.orders.placement import OrderPlacer, is_final_rejection
from execution.orders.state import OrderRejected
from execution.orders.validation import TriggerCrossedError, trigger_crossed
from execution.rules import safe_price_rounding

logger = logging.getLogger(__name__)

ON_ENTRY_FILL = "PARTIALLY_FILLED_OR_FILLED"
CLIENT_STRATEGY_ID_LENGTH = 28


class NativeBrackets:
    """Sends brackets as OTOCO strategy orders."""

    def __init__(
        self,
        core: ManagerCore,
        placer: OrderPlacer,
        lifecycle: OrderLifecycle,
        lookup: OrderLookup,
        coordinator: BracketCoordinator,
    ) -> None:
        self._core = core
        self._placer = placer
        self._lifecycle = lifecycle
        self._lookup = lookup
        self._coordinator = coordinator

    async def place(
        self,
        request: BracketRequest,
        entry_intent: OrderIntent,
        stop_loss_price: Decimal,
        take_profit_price: Decimal,
        attributes: dict[str, str],
        client_order_id: str,
    ) -> Bracket:
        """Track the three legs, commit them, send the strategy once, follow the answer."""
        strategies = self._core.exchange.strategy_orders
        assert strategies is not None  # chosen only where the venue has them
        placer, recorder = self._placer, self._core.recorder
        exit_side = entry_intent.side.opposite
        stop_loss, take_profit = (
            OrderIntent(entry_intent.symbol, exit_side, order_type, entry_intent.quantity,
                        stop_price=price, reduce_only=True,
                        position_side=entry_intent.position_side)
            for order_type, price in ((OrderType.STOP_LOSS, stop_loss_price),
                                      (OrderType.TAKE_PROFIT, take_profit_price))
        )
        # The client strategy id: the entry's client id, cut to the 28 characters the
        # venue takes (docs/venue-decisions.md); the exits name it.
        strategy_id = client_order_id[:CLIENT_STRATEGY_ID_LENGTH]
        entry = placer.track(
            entry_intent, role=OrderRole.ENTRY, client_order_id=client_order_id,
            attributes={**attributes, BACKEND: BracketBackend.NATIVE.value},
            strategy_name=request.strategy_name, tags=request.tags,
        )
        exits = [
            placer.track(intent, role=role, parent_order_id=client_order_id,
                         attributes={LEG_OF: strategy_id},
                         strategy_name=request.strategy_name, tags=request.tags)
            for intent, role in ((stop_loss, OrderRole.STOP_LOSS),
                                 (take_profit, OrderRole.TAKE_PROFIT))
        ]
        bracket = Bracket(entry, stop_loss_price, take_profit_price,
                          stop_loss=exits[0], take_profit=exits[1], exits=list(exits),
                          backend=BracketBackend.NATIVE)
        legs = (entry, *exits)
        registry = self._core.registry
        try:
            for leg in exits:
                recorder.record(leg)
            await recorder.commit_before_send(entry, protective=False)
        except StoreUnavailableError as exc:
            # Nothing is sent. The entry was marked REJECTED (not sent); its exits, queued
            # with it, are too: else, written once the disk frees, they would stay in the
            # store as orders in flight that never were.
            for leg in exits:
                rejected = OrderRejected(leg.client_order_id, f"not sent: {exc}",
                                         self._core.now_ms(), local=True)
                leg.apply(rejected)
                recorder.event(leg, rejected)
            for leg in legs:
                registry.unregister(leg)
            raise
        self._coordinator.add(bracket)  # before sending: fills racing the answer find it
        registry.in_flight.add(client_order_id)
        try:
            placed = await strategies.place(
                StrategyType.OTOCO, _legs(entry_intent, stop_loss, take_profit, legs),
                client_strategy_id=strategy_id,
            )
        except ExecutionError as exc:
            self._failed(bracket, exc)
            raise
        finally:
            registry.in_flight.discard(client_order_id)
        entry.attributes[STRATEGY_ID] = placed.strategy_id
        recorder.record(entry)
        logger.info("bracket %s held by the exchange: strategy %s", client_order_id,
                    placed.strategy_id)
        await self._lookup.refresh(entry)
        await self._coordinator.sync(bracket)
        return bracket

    async def move_exit(
        self, bracket: Bracket, leg: ManagedOrder, new_price: Decimal | None,
        new_quantity: Decimal | None,
    ) -> ManagedOrder:
        """Move a native bracket's stop-loss or take-profit (its trigger and/or quantity)
        with the strategy's update: the same leg, held by the exchange all along, no
        cancel-and-replace gap. The new trigger must still be ahead of the market."""
        strategies = self._core.exchange.strategy_orders
        strategy_id = bracket.entry.attributes.get(STRATEGY_ID)
        if strategies is not None and not strategy_id and LEG_OF in leg.attributes:
            # not recorded (the process died before the answer was written): ask
            found = await strategies.find(StrategyType.OTOCO, leg.attributes[LEG_OF])
            strategy_id = found.strategy_id if found is not None else None
        if strategies is None or not strategy_id or not leg.is_open:
            raise ValidationError("order_id", leg.client_order_id,
                                  "its strategy cannot be updated (no strategy id, other "
                                  "credentials, or the leg has ended)")
        order = leg.order
        exchange = self._core.exchange
        rules = await exchange.get_symbol_rules(order.symbol)
        stop_price = order.stop_price if new_price is None else rules.round_price(
            new_price, safe_price_rounding(order.side))
        quantity = order.quantity if new_quantity is None else rules.round_quantity_down(
            new_quantity, market=True)
        assert stop_price is not None
        rules.validate_price(stop_price, "new_price")
        rules.validate_quantity(quantity, market=True)
        mark = await exchange.fetch_mark_price(order.symbol)
        if trigger_crossed(order.order_type, order.side, stop_price, mark):
            raise TriggerCrossedError(order.order_type, order.side, stop_price, mark)
        intent = OrderIntent(order.symbol, order.side, order.order_type, quantity,
                             stop_price=stop_price, reduce_only=True,
                             position_side=order.position_side)
        sub_id = 2 if leg.role is OrderRole.STOP_LOSS else 3
        await strategies.update(StrategyType.OTOCO, strategy_id, sub_id,
                                StrategyLeg(intent, leg.client_order_id))
        before = {"stop_price": str(order.stop_price), "quantity": str(order.quantity)}
        order.stop_price, order.quantity = stop_price, quantity
        set_exit_price(bracket, leg.role, stop_price)
        recorder = self._core.recorder
        recorder.record(leg)
        recorder.record(bracket.entry)
        recorder.note(leg, "AMENDED", {"before": before, "stop_price": str(stop_price),
                                       "quantity": str(quantity), "by": "updateStrategyOrder"})
        return leg

    def _failed(self, bracket: Bracket, exc: ExecutionError) -> None:
        if not is_final_rejection(exc):
            # Nothing said about the strategy: the entry is an unknown outcome like any
            # other order's (looked up by its client id); the exits follow it.
            self._lifecycle.outcome_unknown(bracket.entry, exc)
            return
        local = not isinstance(exc, ExchangeError)
        for leg in (bracket.entry, *bracket.exits):
            self._lifecycle.apply(
                leg, OrderRejected(leg.client_order_id, str(exc), self._core.now_ms(), local)
            )
        self._coordinator.brackets.pop(bracket.bracket_id, None)


def _legs(
    entry: OrderIntent, stop_loss: OrderIntent, take_profit: OrderIntent,
    orders: tuple[ManagedOrder, ...],
) -> list[StrategyLeg]:
    entry_order, stop_order, take_order = orders
    return [
        StrategyLeg(entry, entry_order.client_order_id),
        StrategyLeg(stop_loss, stop_order.client_order_id,
                    first=(1, ON_ENTRY_FILL, "PLACE_ORDER"), second=(3, "FILLED", "CANCEL_ORDER")),
        StrategyLeg(take_profit, take_order.client_order_id,
                    first=(1, ON_ENTRY_FILL, "PLACE_ORDER"), second=(2, "FILLED", "CANCEL_ORDER")),
    ]


def goes_native(core: ManagerCore, request: BracketRequest) -> bool:
    """Whether `request` goes out as a native bracket: where the venue and these
    credentials have strategy orders, unless EMULATED is asked; NATIVE asked where they
    have none is refused (nothing sent)."""
    has = isinstance(core.exchange.strategy_orders, StrategyOrders)
    if request.backend is BracketBackend.NATIVE and not has:
        raise ValidationError("backend", request.backend.value,
                              "this venue (or these credentials) has no strategy orders")
    if request.backend is None and request.time_in_force in UNSUPPORTED_TIF:
        return False  # an IOC / FOK entry, which strategy orders do not take: emulated
    return has and request.backend is not BracketBackend.EMULATED
