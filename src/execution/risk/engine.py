"""`RiskEngine`: every order checked against the limits before it is sent.

The engine sits on the one path of an order (`orders.placement.OrderPlacer.validate`),
after the exchange's own rules: an order reaches it rounded and valid, and is refused here
with a `RiskDeniedError` when the trading state or a limit forbids it. The manager's own
protective work (a bracket's exits, the market close of a crossed exit, a protection
re-arm, `close_position` and `panic`) only reduces a position and is not held up.

The day's result (realised PnL less fees of the fills since 00:00 UTC, from the orders'
own events, so a restart loses nothing) is followed on every fill; a loss past
`daily_loss_limit`, or a fall from the day's best past `max_drawdown`, switches the state
to `loss_action` until it is set back with `set_state`.

With a `state_file` (the manager gives one next to its SQLite store, or a PostgreSQL
store's keeper: any `risk.state_file.TradingStateKeeper`), the trading state
survives a restart: `restore` (at the manager's start) brings back a HALTED or REDUCING
state recorded before, and every change is written to the file (`risk.state_file`).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from execution.intent import OrderIntent
from execution.models import OrderSide, OrderType
from execution.orders.managed import ManagedOrder
from execution.orders.state import OrderFilled
from execution.risk.limits import (
    STRICTNESS,
    DenialReason,
    RiskDeniedError,
    RiskLimits,
    TradingState,
)
from execution.risk.state_file import SavedTradingState, TradingStateFile, TradingStateKeeper
from execution.timekeeping import SYSTEM_CLOCK, Clock

logger = logging.getLogger(__name__)

ZERO = Decimal(0)
HUNDRED = Decimal(100)
DAY_MS = 86_400_000
CONDITIONAL_TYPES = frozenset({
    OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT,
    OrderType.TAKE_PROFIT_LIMIT, OrderType.TRAILING_STOP_MARKET,
})
STOP_TYPES = frozenset({OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT})
QUOTE_ASSETS = frozenset({"", "USDT", "USDC", "USD1", "BUSD"})


@dataclass(frozen=True, slots=True)
class RiskContext:
    """What the engine needs to know about the account when it checks one order.

    `position` is the symbol's signed position; `pending` the signed quantity of this
    manager's open orders of the symbol that add to exposure; `other_notional` the
    notional of every other symbol's position; `position_leverage` and
    `liquidation_price` come from the exchange's position (0: unknown or flat). Hedge
    mode: `position` is the order's leg, `other_leg_notional` the notional of the symbol's
    other leg, counted in the symbol's exposure (gross: a hedge does not net it away)."""

    mark_price: Decimal
    position: Decimal = ZERO
    pending: Decimal = ZERO
    other_notional: Decimal = ZERO
    other_leg_notional: Decimal = ZERO
    position_leverage: int = 0
    liquidation_price: Decimal = ZERO
    open_orders: int = 0
    conditional_orders: int = 0


class RiskEngine:
    """The limits, the trading state and the day's result of one manager (or several:
    managers given the same engine share its state and limits)."""

    def __init__(
        self,
        limits: RiskLimits | None = None,
        clock: Clock = SYSTEM_CLOCK,
        *,
        state_file: TradingStateKeeper | Path | str | None = None,
    ) -> None:
        self.limits = limits or RiskLimits()
        self._clock = clock
        self.state_file: TradingStateKeeper | None = (
            TradingStateFile(state_file) if isinstance(state_file, Path | str) else state_file
        )
        self.state = TradingState.ACTIVE
        self.state_reason = ""
        self._state_set_at = 0  # ms of the last change (on the engine's clock)
        self._sent: deque[int] = deque()  # ms of the recent submits and modifications
        self._day_start = 0
        self._results: dict[str, Decimal] = {}  # client id -> its fills' result today
        self._best = ZERO

    def __repr__(self) -> str:
        return f"RiskEngine(state={self.state.value}, day_result={self.day_result})"

    # -- the trading state ------------------------------------------------------------------

    def set_state(self, state: TradingState | str, reason: str = "set by the operator") -> None:
        """Switch the trading state (ACTIVE, REDUCING, HALTED); logged with `reason`."""
        new = TradingState(state)
        if new is not self.state:
            logger.warning("trading state %s -> %s: %s", self.state.value, new.value, reason)
        self.state, self.state_reason = new, reason
        self._state_set_at = self._clock.now_ms()
        if self.state_file is not None:
            self.state_file.save_soon(SavedTradingState(new, reason, self._state_set_at))

    async def restore(self) -> None:
        """Take up the state recorded in the state file before a restart (HALTED when the
        file is unreadable); nothing without a file or a record."""
        if self.state_file is None:
            return
        saved = await self.state_file.load()
        if saved is not None and saved.state is not self.state:
            self.set_state(saved.state, f"{saved.reason} (recorded before the restart)")

    async def follow_record(self) -> None:
        """Take up a stricter state another process recorded since this engine's last
        change (the operator's `aster-exec trading-state --set HALTED`, a desk's halt).
        An unreadable record (time 0) is not taken up here: only a start reads it as
        HALTED. A looser record (ACTIVE) never loosens a running engine."""
        keeper = self.state_file
        if keeper is None or not keeper.settled:
            return  # this process's own change is still being written
        saved = await keeper.load()
        if (saved is not None and saved.set_at_ms > self._state_set_at
                and STRICTNESS[saved.state] > STRICTNESS[self.state]):
            self.set_state(saved.state, f"{saved.reason} (set from outside this process)")

    async def flush_state(self) -> None:
        """Wait until the current state is in the state file (`OSError` if it cannot be)."""
        if self.state_file is not None:
            await self.state_file.flush()

    # -- the check --------------------------------------------------------------------------

    def check(self, intent: OrderIntent, context: RiskContext, *, modify: bool = False) -> None:
        """Refuse `intent` (rounded and valid by the exchange's rules) with a
        `RiskDeniedError` if the state or a limit forbids it; else count it as sent."""
        reducing = _reduces(intent, context.position)
        self._check_state(intent, reducing)
        if not reducing:
            self._check_exposure(intent, context)
            self._check_leverage(intent, context)
        self._check_counts(intent, context, modify)
        self._check_band(intent, context)
        self._check_liquidation(intent, context)
        self._throttle(intent)

    def _check_state(self, intent: OrderIntent, reducing: bool) -> None:
        if self.state is TradingState.HALTED:
            raise RiskDeniedError(DenialReason.HALTED, "state", self.state.value,
                                  f"trading is halted ({self.state_reason})")
        if self.state is TradingState.REDUCING and not reducing:
            raise RiskDeniedError(
                DenialReason.REDUCING_ONLY, "reduce_only", intent.reduce_only,
                f"only orders that reduce a position are allowed ({self.state_reason})",
            )

    def _check_exposure(self, intent: OrderIntent, context: RiskContext) -> None:
        signed = intent.quantity if intent.side is OrderSide.BUY else -intent.quantity
        after = context.position + context.pending + signed
        notional = abs(after) * context.mark_price + context.other_leg_notional
        cap = self.limits.notional_cap(intent.symbol)
        if cap is not None and notional > cap:
            raise RiskDeniedError(
                DenialReason.SYMBOL_NOTIONAL, "quantity", intent.quantity,
                f"{intent.symbol} position would be {notional.normalize():f} at the mark "
                f"{context.mark_price} (open orders counted as filled), above the limit {cap}",
            )
        account_cap = self.limits.max_account_notional
        if account_cap is not None and notional + context.other_notional > account_cap:
            total = notional + context.other_notional
            raise RiskDeniedError(
                DenialReason.ACCOUNT_NOTIONAL, "quantity", intent.quantity,
                f"the account's positions would be {total.normalize():f}, above the limit "
                f"{account_cap}",
            )

    def _check_leverage(self, intent: OrderIntent, context: RiskContext) -> None:
        limit = self.limits.max_leverage
        if limit is not None and context.position_leverage > limit:
            raise RiskDeniedError(
                DenialReason.LEVERAGE, "leverage", context.position_leverage,
                f"{intent.symbol} is held at {context.position_leverage}x, above the "
                f"maximum {limit}x",
            )

    def _check_counts(self, intent: OrderIntent, context: RiskContext, modify: bool) -> None:
        if modify:  # a replacement takes its original's place
            return
        limit = self.limits.max_open_orders
        if limit is not None and context.open_orders >= limit:
            raise RiskDeniedError(DenialReason.OPEN_ORDERS, "open_orders", context.open_orders,
                                  f"at the maximum of {limit} open orders")
        limit = self.limits.max_conditional_orders
        if (limit is not None and intent.order_type in CONDITIONAL_TYPES
                and context.conditional_orders >= limit):
            raise RiskDeniedError(
                DenialReason.CONDITIONAL_ORDERS, "open_orders", context.conditional_orders,
                f"at the maximum of {limit} open conditional orders",
            )

    def _check_band(self, intent: OrderIntent, context: RiskContext) -> None:
        band = self.limits.price_band_percent
        if band is None or intent.price is None or context.mark_price <= 0:
            return
        distance = abs(intent.price - context.mark_price) / context.mark_price * HUNDRED
        if distance > band:
            raise RiskDeniedError(
                DenialReason.PRICE_BAND, "price", intent.price,
                f"{distance.quantize(Decimal('0.01'))}% from the mark {context.mark_price}, "
                f"beyond the band of {band}%",
            )

    def _check_liquidation(self, intent: OrderIntent, context: RiskContext) -> None:
        liquidation = context.liquidation_price
        stop = intent.stop_price
        if (not self.limits.refuse_stops_beyond_liquidation or stop is None or liquidation <= 0
                or intent.order_type not in STOP_TYPES or not _reduces(intent, context.position)):
            return
        long = context.position > 0
        if (long and stop <= liquidation) or (not long and stop >= liquidation):
            raise RiskDeniedError(
                DenialReason.STOP_BEYOND_LIQUIDATION, "stop_price", stop,
                f"the position is liquidated at {liquidation} before this stop triggers",
            )

    def _throttle(self, intent: OrderIntent) -> None:
        limit = self.limits.max_orders_per_second
        if limit is None:
            return
        now = self._clock.now_ms()
        sent = self._sent
        while sent and sent[0] <= now - 1000:
            sent.popleft()
        if len(sent) >= limit:
            raise RiskDeniedError(DenialReason.RATE, "orders_per_second", len(sent),
                                  f"at the maximum of {limit} orders a second")
        sent.append(now)

    # -- the day's result -------------------------------------------------------------------

    @property
    def day_result(self) -> Decimal:
        """Realised PnL less fees of today's fills (UTC), over the orders followed."""
        return sum(self._results.values(), ZERO)

    def follow(self, orders: Iterable[ManagedOrder]) -> None:
        """Take the fills of `orders` into the day's result (after a fill; at start, every
        stored order) and act on the loss limits."""
        now = self._clock.now_ms()
        day_start = now - now % DAY_MS
        if day_start != self._day_start:  # a new day: yesterday's result does not count
            self._day_start, self._results, self._best = day_start, {}, ZERO
        for managed in orders:
            result = _result_since(managed, day_start)
            if result or managed.client_order_id in self._results:
                self._results[managed.client_order_id] = result
        self._act_on_result()

    def _act_on_result(self) -> None:
        result = self.day_result
        self._best = max(self._best, result)
        limits = self.limits
        if self.state is limits.loss_action or self.state is TradingState.HALTED:
            return
        if limits.daily_loss_limit is not None and -result >= limits.daily_loss_limit:
            self.set_state(limits.loss_action, f"{DenialReason.DAILY_LOSS.value}: today's "
                           f"result {result} reached the loss limit {limits.daily_loss_limit}")
        elif limits.max_drawdown is not None and self._best - result >= limits.max_drawdown:
            self.set_state(limits.loss_action, f"{DenialReason.DRAWDOWN.value}: down "
                           f"{self._best - result} from today's best {self._best}, limit "
                           f"{limits.max_drawdown}")


def _quote_fee(fee: Decimal, asset: str) -> Decimal:
    """A fee in the quote asset; one paid in another asset (a discount token) is not
    converted and not counted."""
    return fee if asset in QUOTE_ASSETS else ZERO


def _result_since(managed: ManagedOrder, day_start: int) -> Decimal:
    """Realised PnL less fees of the order's fills since `day_start`: from its fill events,
    or, for an order loaded ended from the store (its events not loaded), from its totals
    when its last fill was today."""
    fills = [e for e in managed.events if isinstance(e, OrderFilled)]
    if fills:
        return sum((e.realized_pnl - _quote_fee(e.commission, e.commission_asset)
                    for e in fills if e.timestamp >= day_start), ZERO)
    order = managed.order
    if managed.filled_at is None or managed.filled_at < day_start:
        return ZERO
    return order.realized_pnl - _quote_fee(order.commission, order.commission_asset)


def _reduces(intent: OrderIntent, position: Decimal) -> bool:
    """The order can only make the symbol's position smaller."""
    if intent.reduce_only:
        return True
    if position > 0:
        return intent.side is OrderSide.SELL and intent.quantity <= position
    if position < 0:
        return intent.side is OrderSide.BUY and intent.quantity <= -position
    return False
