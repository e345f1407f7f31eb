"""`FillFees`: an order's `order_filled` callback carries the fill's real fees.

A REST answer (a market order's `RESULT`, a lookup, a poll) shows what has filled but not
what it cost: the fill it gives (trade id 0) has no fee, no fee asset and no realised PnL,
and the order's commission would read 0 where the wallet paid. The trades themselves
(their ids and fees) come by the user stream, usually a moment later. So an order that
filled while some of its quantity is known only from a snapshot holds its `order_filled`
callback until its trades cover the quantity: the stream's, or, after `FEES_WAIT` seconds
without them, the exchange's `userTrades` (one read a symbol for all the orders waiting,
applied as trade updates through the lifecycle: recorded, counted by the risk layer, in
the ledger). Then the callback fires, whatever is known by then. A placement waits for it
(bounded) only while the stream is up: with the stream down nobody is held up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from execution.errors import ExecutionError
from execution.exchange.account_history import AccountTrade, account_history_of
from execution.models import OrderUpdate
from execution.orders.core import ManagerCore
from execution.orders.managed import ManagedOrder
from execution.orders.state import OrderFilled

logger = logging.getLogger(__name__)

FEES_WAIT = 1.0  # s the stream has to bring a fill's trades before they are read by REST
LOOK_BACK_MS = 60_000  # how far before the order's submission its trades are read


def fees_known(managed: ManagedOrder) -> bool:
    """The order's trades (fills with the exchange's trade id) cover what has filled:
    its commission and realised PnL are the exchange's, not a snapshot's missing 0."""
    traded = sum((e.last_quantity for e in managed.events
                  if isinstance(e, OrderFilled) and e.trade_id), start=Decimal(0))
    return traded >= managed.filled_quantity


class FillFees:
    """Holds `order_filled` for orders whose fees are not known yet (see the module)."""

    def __init__(
        self,
        core: ManagerCore,
        apply_update: Callable[[OrderUpdate], None],
        emit: Callable[[ManagedOrder], None],
    ) -> None:
        self._core = core
        self._apply_update = apply_update
        self._emit = emit
        self._held: dict[str, asyncio.Event] = {}
        self._settling: dict[str, asyncio.Future[None]] = {}
        self._owners: dict[str, ManagedOrder] = {}  # the orders held, by client id
        self._reads: dict[str, asyncio.Future[None]] = {}  # a trades read by symbol

    def hold(self, managed: ManagedOrder) -> bool:
        """True when `managed`'s `order_filled` must wait for its fees (then it fires
        later, once); False to fire it now."""
        if fees_known(managed):
            return False
        client_order_id = managed.client_order_id
        if client_order_id not in self._held:
            try:
                asyncio.get_running_loop()
            except RuntimeError:  # no loop (a synchronous caller): nothing to wait with
                return False
            self._held[client_order_id] = asyncio.Event()
            self._owners[client_order_id] = managed
            task = asyncio.ensure_future(self._settle(managed))
            self._settling[client_order_id] = task
            background = self._core.background
            background.add(task)
            task.add_done_callback(background.discard)
        return True

    async def settled(self, managed: ManagedOrder, limit: float = 2 * FEES_WAIT) -> None:
        """Wait (at most `limit` s) until a held `order_filled` of `managed` has fired;
        not at all while the user stream is down (the trades are then read in the
        background, and the caller is not held up for them)."""
        task = self._settling.get(managed.client_order_id)
        if task is not None and self._core.exchange.user_stream_connected:
            await asyncio.wait({task}, timeout=limit)

    def trade_applied(self, managed: ManagedOrder) -> None:
        """A trade of `managed` was applied: when that makes its fees known, the held
        callback fires."""
        held = self._held.get(managed.client_order_id)
        if held is not None and fees_known(managed):
            held.set()

    async def _settle(self, managed: ManagedOrder) -> None:
        client_order_id = managed.client_order_id
        held = self._held[client_order_id]
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(held.wait(), FEES_WAIT)
            if not held.is_set():
                await self._read_trades(managed.symbol)
        finally:
            del self._held[client_order_id]
            self._settling.pop(client_order_id, None)
            self._owners.pop(client_order_id, None)
            self._emit(managed)

    async def _read_trades(self, symbol: str) -> None:
        """Read the symbol's trades once for every order of it waiting for its fees (one
        request however many wait: a stream that is down must not turn into a flood)."""
        reading = self._reads.get(symbol)
        if reading is None:
            reading = self._reads[symbol] = asyncio.ensure_future(self._read(symbol))
            reading.add_done_callback(lambda _: self._reads.pop(symbol, None))
        await asyncio.shield(reading)

    async def _read(self, symbol: str) -> None:
        """The symbol's recent trades from `userTrades`, applied to the waiting orders as
        the stream would have applied them."""
        waiting = [m for m in self._owners.values()
                   if m.symbol == symbol and not fees_known(m)]
        if not waiting:
            return
        now = self._core.now_ms()
        start = min(m.submitted_at or now for m in waiting) - LOOK_BACK_MS
        try:
            history = account_history_of(self._core.exchange)
            trades = await history.trades(symbol, start_time=start, limit=1000)
        except ExecutionError as exc:
            logger.warning("%s: the trades of %d order(s) could not be read (%s): their "
                           "order_filled fires without the fees", symbol, len(waiting), exc)
            return
        by_order = {m.order_id: m for m in waiting if m.order_id}
        for trade in trades:
            managed = by_order.get(trade.order_id)
            if managed is not None and trade.trade_id not in managed.trade_ids:
                self._apply_update(_trade_update(managed, trade))


def _trade_update(managed: ManagedOrder, trade: AccountTrade) -> OrderUpdate:
    """One trade of `userTrades` as the stream's TRADE update of `managed`."""
    return OrderUpdate(
        order=replace(managed.order), execution_type="TRADE", event_time=trade.time,
        transaction_time=trade.time, last_filled_quantity=trade.quantity,
        last_filled_price=trade.price, trade_id=trade.trade_id,
        commission=trade.commission, commission_asset=trade.commission_asset,
        realized_pnl=trade.realized_pnl,
    )
