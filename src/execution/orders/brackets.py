"""Brackets: an entry protected by a reduce-only stop-loss and take-profit, one cancels other.

The exits are placed once the entry has filled (all or part) and are sized to what is
actually held from this bracket: the entry's filled quantity minus what the exits have
already closed. A further entry fill resizes them (cancel and replace); when one exit fills
completely the other is cancelled, and so is what is left of the entry; when an exit fills
in part, the other is resized to what remains. An exit the exchange ends unfilled is put
back while the position it protects is still held; when the position is gone (liquidated,
or closed by another order) the bracket closes instead.

All of this happens in `BracketCoordinator.sync`, which looks at the bracket's orders as
they are now and does what is missing, so it is safe to run again at any time (after each
event, after a restart): one sync at a time per bracket.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from execution.errors import ExecutionError, InvalidOrderError, ValidationError
from execution.models import OrderStatus, PositionSide
from execution.orders.adoption import ADL_TAG
from execution.orders.bracket import (
    Bracket,
    BracketBackend,
    BracketStatus,
    attach_exit,
    bracket_of,
    set_exit_price,
    update_status,
    waiting_leg,
)
from execution.orders.bracket_exits import BracketExits
from execution.orders.bracket_rebuild import rebuild_brackets
from execution.orders.bracket_retry import SyncRetries
from execution.orders.cancellation import OrderCanceller
from execution.orders.core import ManagerCore
from execution.orders.lookup import OrderLookup
from execution.orders.managed import LIQUIDATION_TAG, ManagedOrder, OrderRole
from execution.orders.modify import ReplaceFailedError, cancel_and_replace
from execution.orders.placement import OrderPlacer
from execution.orders.validation import TriggerCrossedError

__all__ = ["Bracket", "BracketCoordinator", "BracketStatus"]

logger = logging.getLogger(__name__)

WOULD_IMMEDIATELY_TRIGGER = -2021  # the exchange's "Order would immediately trigger."
REDUCE_ONLY_REJECTED = -2022  # the exchange's "ReduceOnly Order is rejected." (no position)


def crossed_trigger(error: BaseException) -> bool:
    """True when `error` says an exit's trigger is already passed (seen locally, or the
    exchange's -2021), looking through a failed replacement to its cause."""
    if isinstance(error, ReplaceFailedError):
        error = error.cause
    if isinstance(error, TriggerCrossedError):
        return True
    return isinstance(error, InvalidOrderError) and error.code == WOULD_IMMEDIATELY_TRIGGER


def refused_for_no_position(error: BaseException) -> bool:
    """True when a reduce-only exit was refused because there is nothing to reduce: by the
    local checks (before sending) or by the exchange (-2022)."""
    if isinstance(error, ValidationError):
        return error.field == "reduce_only"
    return isinstance(error, InvalidOrderError) and error.code == REDUCE_ONLY_REJECTED


class BracketCoordinator:
    """Keeps every bracket's exits consistent with its entry."""

    def __init__(
        self,
        core: ManagerCore,
        placer: OrderPlacer,
        canceller: OrderCanceller,
        exits: BracketExits,
        lookup: OrderLookup,
    ) -> None:
        self._core = core
        self._lookup = lookup
        self._placer = placer
        self._canceller = canceller
        self._exits = exits
        self.brackets: dict[str, Bracket] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._dirty: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._retries = SyncRetries(core.clock, self._sync_again)

    def add(self, bracket: Bracket) -> None:
        self.brackets[bracket.bracket_id] = bracket

    def find(self, managed: ManagedOrder) -> Bracket | None:
        """The bracket an order belongs to (an exit's parent is the entry)."""
        return bracket_of(self.brackets, managed)

    def detach(self, managed: ManagedOrder) -> None:
        """The caller cancels an exit itself: do not put it back."""
        bracket = self.find(managed)
        if bracket is not None and managed.role is not OrderRole.ENTRY:
            bracket.detached.add(managed.client_order_id)

    def rebuild(self, orders: list[ManagedOrder]) -> None:
        """Recreate brackets from stored orders (entries and exits linked by parent id)."""
        rebuild_brackets(self.brackets, orders)

    def notify(self, managed: ManagedOrder) -> None:
        """An order of a bracket changed: schedule a sync of that bracket. A liquidation
        of the symbol ends every bracket holding a position in it (not an auto-deleverage,
        which may take part of the position only: exits whose position went follow it)."""
        if LIQUIDATION_TAG in managed.tags and ADL_TAG not in managed.tags:
            self._liquidated(managed.order.symbol, managed.order.position_side)
            return
        bracket = self.find(managed)
        if bracket is not None and not bracket.is_done:
            self.schedule(bracket)

    def position_closed(self, symbol: str, leg: PositionSide | None, reason: str) -> None:
        """The caller flattened `symbol` (hedge mode: `leg`; None: every leg), its exits
        cancelled first: each bracket holding a position there is over (CLOSED, `reason`),
        not left ACTIVE with no exits; what is left of it is cancelled by its sync."""
        for bracket in self.brackets.values():
            if (
                bracket.entry.order.symbol == symbol
                and (leg is None or leg is PositionSide.BOTH or bracket.position_side is leg)
                and not bracket.is_done
                and bracket.entry.filled_quantity > 0
            ):
                bracket.closed_elsewhere = True
                bracket.exit_reason = bracket.exit_reason or reason
                self.schedule(bracket)

    def _liquidated(self, symbol: str, leg: PositionSide) -> None:
        """The liquidation of `leg` (hedge mode: that leg only; BOTH: the symbol's)."""
        for bracket in self.brackets.values():
            if (
                bracket.entry.order.symbol == symbol
                and (leg is PositionSide.BOTH or bracket.position_side is leg)
                and not bracket.is_done
                and bracket.entry.filled_quantity > 0
            ):
                bracket.closed_elsewhere = True
                bracket.exit_reason = LIQUIDATION_TAG
                self.schedule(bracket)

    def resume(self) -> None:
        """Sync every bracket not done, or done with a leg still working (after a start:
        what happened while away, and a cancel an earlier process could not make)."""
        for bracket in self.brackets.values():
            if not bracket.is_done or self._left_working(bracket):
                self.schedule(bracket)

    def schedule(self, bracket: Bracket) -> None:
        bracket_id = bracket.bracket_id
        if bracket_id in self._dirty:
            return
        self._dirty.add(bracket_id)
        task = asyncio.ensure_future(self.sync(bracket))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def sync(self, bracket: Bracket) -> None:
        """Bring the bracket's exits in line with its entry (one sync at a time)."""
        lock = self._locks.setdefault(bracket.bracket_id, asyncio.Lock())
        async with lock:
            self._dirty.discard(bracket.bracket_id)
            undone = True
            try:
                await self._sync(bracket)
                undone = self._left_working(bracket)
            except ExecutionError as exc:
                bracket.error = str(exc)
                logger.error("bracket %s: %s", bracket.bracket_id, exc)
            except Exception:
                logger.exception("bracket %s: sync failed", bracket.bracket_id)
        if undone:
            self._retries.again(bracket.bracket_id)  # a passing fault must not leave it so
        else:
            self._retries.done(bracket.bracket_id)

    @staticmethod
    def _left_working(bracket: Bracket) -> bool:
        """A finished bracket with a leg still working (a cancel that failed)."""
        legs = (bracket.entry, bracket.stop_loss, bracket.take_profit)
        return bracket.is_done and any(leg is not None and leg.is_open for leg in legs)

    def _sync_again(self, bracket_id: str) -> None:
        bracket = self.brackets.get(bracket_id)
        if bracket is not None:
            self.schedule(bracket)

    @property
    def busy(self) -> bool:
        """A sync is scheduled or running."""
        return bool(self._tasks)

    async def drain(self, limit_seconds: float = 10.0) -> None:
        """Stop retrying failed syncs, and wait for scheduled ones (bounded)."""
        await self._retries.stop()
        while self._tasks:
            done, _ = await asyncio.wait(set(self._tasks), timeout=limit_seconds)
            if not done:
                return

    async def _sync_native(self, bracket: Bracket) -> None:
        """A bracket the exchange holds: its exits are placed and cancel each other there;
        here only what the exchange does not do is done. Once closed, what is left of the
        entry is cancelled; once the entry ended without a fill, the waiting exits are
        settled from the strategy (and, for an entry never placed, taken as never placed
        too)."""
        update_status(bracket)
        entry = bracket.entry
        if bracket.status is BracketStatus.CLOSED and entry.is_open:
            await self._canceller.cancel_quietly(entry)
        if bracket.status is BracketStatus.ACTIVE:
            for leg in bracket.exits:  # placed by the entry's fill: the stream tells, or this
                if waiting_leg(leg):
                    await self._lookup.refresh(leg)
        if bracket.status is not BracketStatus.CANCELED:
            return
        for leg in bracket.exits:
            if waiting_leg(leg):
                await self._lookup.refresh(leg)
            if waiting_leg(leg):
                self._lookup.end_orphan_leg(leg)  # its trigger can no longer come

    async def _sync(self, bracket: Bracket) -> None:
        if bracket.backend is BracketBackend.NATIVE:
            await self._sync_native(bracket)
            return
        cancel_quietly = self._canceller.cancel_quietly
        update_status(bracket)
        live_exits = [x for x in (bracket.stop_loss, bracket.take_profit) if x and x.is_open]
        if bracket.status is BracketStatus.CLOSED:
            # One side closed the position: cancel the other, and the rest of the entry.
            for order in (*live_exits, bracket.entry):
                if order.is_open:
                    await cancel_quietly(order)
            return
        if bracket.status is BracketStatus.CANCELED:
            for order in live_exits:
                await cancel_quietly(order)
            return
        # An exit superseded while its own state was uncertain (rejected locally, then
        # shown by the exchange; a cancel that failed) must not stay live beside the
        # current one.
        current_exits = (bracket.stop_loss, bracket.take_profit)
        for order in bracket.exits:
            if (
                order.is_open
                and order not in current_exits
                and order.client_order_id not in bracket.detached
            ):
                await cancel_quietly(order)
        target = bracket.open_quantity
        if target <= 0:
            return
        held: Decimal | None = None  # the position on the bracket's side, read when needed
        for role in (OrderRole.STOP_LOSS, OrderRole.TAKE_PROFIT):
            current = bracket.stop_loss if role is OrderRole.STOP_LOSS else bracket.take_profit
            if current is not None and current.client_order_id in bracket.detached:
                continue
            ended_unfilled = current is not None and (
                not current.is_open and current.status is not OrderStatus.FILLED
            )
            placing = current is None or ended_unfilled
            if not placing and not (
                current is not None and current.is_open
                and current.order.remaining_quantity != target
            ):
                continue  # in line with the bracket (or filled)
            if held is None:
                held = await self._exits.held(bracket)
            if held <= 0:
                # The position is gone (liquidated, closed or netted away by some other
                # order): an exit placed or put back would protect nothing.
                await self._close_elsewhere(bracket)
                return
            # What the bracket holds, but no more than the position: the symbol's one
            # position is shared with every other order on it (one-way mode), and a
            # reduce-only exit larger than the position is refused, leaving it naked.
            quantity = min(target, held)
            registered: list[ManagedOrder] = []
            try:
                if placing:
                    placed = await self._exits.place_exit(
                        bracket, role, quantity, registered.append
                    )
                    self.attach(bracket, role, placed)
                elif current is not None and current.order.remaining_quantity != quantity:
                    replacement = await cancel_and_replace(
                        self._core, self._placer, self._canceller, current,
                        new_quantity=current.filled_quantity + quantity,
                    )
                    if replacement is not current:
                        self.attach(bracket, role, replacement)
            except ExecutionError as exc:
                if registered and registered[0].is_open:
                    # Its outcome is unknown (left PENDING_NEW): it is this role's exit until
                    # the exchange says otherwise, not one to place a second time.
                    self.attach(bracket, role, registered[0])
                if refused_for_no_position(exc) and not await self._position_held(bracket):
                    await self._close_elsewhere(bracket)  # nothing left to reduce
                    return
                if not crossed_trigger(exc):
                    raise
                # The market is already through this exit's trigger: close now.
                await self._exits.close_at_market(bracket, role, exc)
                return

    async def _close_elsewhere(self, bracket: Bracket) -> None:
        """The position went away without this bracket's exits: close the bracket and
        cancel whatever of it is still working."""
        bracket.closed_elsewhere = True
        bracket.exit_reason = bracket.exit_reason or "position closed elsewhere"
        logger.warning("bracket %s: its position is gone; exits not (re)placed",
                       bracket.bracket_id)
        await self._sync(bracket)

    async def _position_held(self, bracket: Bracket) -> bool:
        """Whether the exchange still shows a position on the bracket's side."""
        return await self._exits.held(bracket) > 0

    async def modify_leg(
        self, managed: ManagedOrder, replace: Callable[[], Awaitable[ManagedOrder]]
    ) -> ManagedOrder:
        """Run the caller's cancel and replace of `managed` (a bracket's leg, or any order)
        under its bracket's sync lock, then put the replacement in its place. The sync the
        cancel wakes waits for the lock and so finds the replacement, never a missing exit
        to put back at the old price; should the replacement fail, that sync puts the exit
        back (the position is not left without one)."""
        bracket = self.find(managed)
        if bracket is None:
            return await replace()
        async with self._locks.setdefault(bracket.bracket_id, asyncio.Lock()):
            replacement = await replace()
            self.replaced(managed, replacement)
        return replacement

    def replaced(self, original: ManagedOrder, replacement: ManagedOrder) -> None:
        """The caller modified a leg (cancel and replace): the replacement takes its place."""
        bracket = self.find(original)
        if bracket is None or replacement is original:
            return
        role = original.role
        if role is OrderRole.ENTRY:
            bracket.entry = replacement  # pragma: no cover - entries are not modified
            return
        self.attach(bracket, role, replacement)
        trigger = replacement.order.stop_price
        if trigger is not None and replacement.order.order_type is original.order.order_type:
            set_exit_price(bracket, role, trigger)
            self._core.recorder.record(bracket.entry)

    def attach(self, bracket: Bracket, role: OrderRole, exit_order: ManagedOrder) -> None:
        """Make `exit_order` the bracket's current `role` exit."""
        attach_exit(bracket, role, exit_order)
