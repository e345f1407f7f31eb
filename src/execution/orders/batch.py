"""Batches through the order manager: up to 5 orders in one request (`batchOrders`), each
leg carried through the same exactly-once machinery as a single order.

Every intent is checked and rounded first (`OrderPlacer.validate`, the risk layer
included): one refusal and nothing is sent or recorded. Then, batch by batch (a longer
list is split into batches of 5), every leg is registered and committed to the store as
PENDING_NEW before the request leaves. The client (`exchange.batches.BatchDesk`) reads
the answer leg by leg and settles a lost answer leg by leg by client order id (sent again
only with the v3 proof that no leg can execute); each leg's result is then applied as a
single order's would be: placed (its snapshot), refused (REJECTED), or unknown (looked up
by its client id; left PENDING_NEW for the stream or polling, never sent again).

A venue without batches (`exchange.batches` missing) gets the legs one by one, through
the same path as `place_order`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from execution.errors import ExecutionError, ValidationError
from execution.exchange.batches import MAX_BATCH_ORDERS, BatchLeg, LegResult
from execution.exchange.order_request import OrderRequest
from execution.intent import OrderIntent
from execution.models import PositionSide
from execution.orders.managed import ManagedOrder
from execution.orders.placement import OrderPlacer

__all__ = ["MAX_BATCH_ORDERS", "BatchOrder", "place_batch"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BatchOrder:
    """One order of a batch: the intent and what the caller attaches to it."""

    intent: OrderIntent
    client_order_id: str | None = None
    strategy_name: str | None = None
    tags: tuple[str, ...] = ()


class BatchSender(Protocol):
    """What `place_batch` needs of `exchange.batches.BatchDesk`."""

    def build(self, legs: Sequence[BatchLeg]) -> list[OrderRequest]: ...

    async def place(self, legs: Sequence[BatchLeg]) -> list[LegResult]: ...


async def place_batch(placer: OrderPlacer, orders: Sequence[BatchOrder]) -> list[ManagedOrder]:
    """Check every order, then place them in batches of up to 5; one `ManagedOrder` per
    order, in order: NEW/FILLED (placed), REJECTED (refused: its reason in the audit
    trail) or PENDING_NEW (outcome unknown, settled later by its client id). A local
    refusal of any order raises `ValidationError` (naming it) before anything is sent."""
    if not orders:
        raise ValidationError("orders", 0, "a batch needs at least one order")
    ids = [o.client_order_id for o in orders if o.client_order_id is not None]
    doubled = sorted({cid for cid in ids if ids.count(cid) > 1})
    if doubled:
        raise ValidationError("client_order_id", doubled[0], "appears more than once")
    registry = placer.registry
    legs: list[tuple[BatchOrder, ManagedOrder]] = []
    try:  # leg by leg, each tracked once checked: the next one's checks count it
        for index, order in enumerate(orders):
            try:
                intent = await placer.validate(order.intent)
                managed = placer.track(intent, strategy_name=order.strategy_name,
                                       tags=order.tags, client_order_id=order.client_order_id)
            except ValidationError as exc:
                raise ValidationError(f"orders[{index}].{exc.field}", exc.value,
                                      exc.rule) from exc
            legs.append((replace(order, intent=intent), managed))
    except BaseException:
        for _, managed in legs:
            registry.unregister(managed)
        raise
    desk: BatchSender | None = getattr(placer.exchange, "batches", None)
    chunks = [legs[i:i + MAX_BATCH_ORDERS] for i in range(0, len(legs), MAX_BATCH_ORDERS)]
    placed: list[ManagedOrder] = []
    started = 0  # legs handed on: each settled there, whatever happens
    try:
        if desk is not None:  # the client's own checks of every batch, before any is sent
            for chunk in chunks:
                desk.build([_leg(order, managed) for order, managed in chunk])
        for chunk in chunks:
            started += len(chunk)
            if desk is None:
                placed += [await _one(placer, order, managed) for order, managed in chunk]
            else:
                placed += await _send_batch(placer, desk, chunk)
    except BaseException:
        for _, managed in legs[started:]:  # never recorded nor sent: not tracked either
            registry.unregister(managed)
        raise
    return placed


def _leg(order: BatchOrder, managed: ManagedOrder) -> BatchLeg:
    return BatchLeg(_wire(order.intent), managed.client_order_id)


def _wire(intent: OrderIntent) -> OrderIntent:
    """As `BaseExchange.place` sends it: in hedge mode no `reduceOnly` (the docs)."""
    if intent.position_side is not PositionSide.BOTH and intent.reduce_only:
        return replace(intent, reduce_only=False)
    return intent


async def _one(placer: OrderPlacer, order: BatchOrder, managed: ManagedOrder) -> ManagedOrder:
    try:
        return await placer.send_tracked(managed, order.intent)
    except ExecutionError as exc:  # refused, or left unknown: the order says so
        if placer.registry.get(managed.client_order_id) is None:
            raise  # refused before it was recorded (the store): nothing was sent
        logger.info("order %s: %s: %s", managed.client_order_id, type(exc).__name__, exc)
        return managed


async def _send_batch(
    placer: OrderPlacer, desk: BatchSender, chunk: Sequence[tuple[BatchOrder, ManagedOrder]]
) -> list[ManagedOrder]:
    tracked = [managed for _, managed in chunk]
    legs = [_leg(order, managed) for order, managed in chunk]
    registry = placer.registry
    committed: list[ManagedOrder] = []
    try:
        for order, managed in chunk:
            registry.in_flight.add(managed.client_order_id)
            await placer.commit(managed, order.intent)
            committed.append(managed)
    except ExecutionError:
        for managed in tracked:
            registry.in_flight.discard(managed.client_order_id)
            if managed not in committed:
                registry.unregister(managed)
        await _settle_all(placer, committed, None)  # nothing was sent: not placed
        raise
    try:
        results = await desk.place(legs)
    except ExecutionError as exc:  # the whole batch: refused, or no answer about it
        await _settle_all(placer, tracked, exc)
        return tracked
    finally:
        for managed in tracked:
            registry.in_flight.discard(managed.client_order_id)
    for managed, result in zip(tracked, results, strict=True):
        await _apply(placer, managed, result)
    return tracked


async def _settle_all(
    placer: OrderPlacer, tracked: Sequence[ManagedOrder], cause: ExecutionError | None
) -> None:
    for managed in tracked:
        error = cause or ValidationError("batch", managed.client_order_id,
                                         "not sent: the store refused another leg")
        await _apply(placer, managed, LegResult(managed.client_order_id, error=error))


async def _apply(placer: OrderPlacer, managed: ManagedOrder, result: LegResult) -> None:
    """One leg's result, as a single order's answer or error would be applied."""
    if result.order is not None:
        placer.settle_answer(managed, result.order)
        return
    assert result.error is not None
    try:
        await placer.settle_error(managed, result.error)
    except ExecutionError as exc:  # refused, or left unknown: the leg says so
        logger.info("batch leg %s: %s: %s", managed.client_order_id, type(exc).__name__, exc)
