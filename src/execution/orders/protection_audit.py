"""`ProtectionAuditor`: runs the protection audit (see `protection`) for one manager, on
demand, after stream resyncs and periodically, and acts on what it finds by the policy.

One verdict per leg: in hedge mode a symbol's LONG and SHORT legs are assessed, re-armed
and flattened each on its own (a LONG leg without a stop is unprotected even when the
SHORT leg has one). A re-armed stop of a hedge leg goes out on the leg's position side and
closing side, without reduceOnly (the docs refuse it there; the position side makes it
closing); a symbol's `rearm_prices` entry serves the leg it is a stop for (below the mark:
the LONG leg, above: the SHORT leg), the other leg's stop is placed at the distance."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal

from execution.errors import ExecutionError
from execution.intent import OrderIntent
from execution.models import OrderSide, OrderType, PositionSide
from execution.orders.core import ManagerCore
from execution.orders.managed import ManagedOrder
from execution.orders.marks import read_mark
from execution.orders.placement import OrderPlacer
from execution.orders.protection import (
    FLATTEN_TAG,
    REARM_TAG,
    UNPROTECTED_EVENT,
    PositionProtection,
    ProtectionConfig,
    ProtectionPolicy,
    ProtectionReport,
    assess,
)

logger = logging.getLogger(__name__)

_HUNDRED = Decimal(100)

# Closes one leg at market: (symbol, position side, tags) -> the closing orders.
Flatten = Callable[[str, PositionSide, tuple[str, ...]], Awaitable[list[ManagedOrder]]]


class ProtectionAuditor:
    """Runs audits for one manager: on demand, after resyncs, and periodically."""

    def __init__(
        self, core: ManagerCore, config: ProtectionConfig, placer: OrderPlacer,
        flatten: Flatten,
    ) -> None:
        self._core = core
        self._placer = placer
        self._flatten_position = flatten
        self.config = config
        self.last_report: ProtectionReport | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[ProtectionReport]] = set()
        # An audit found unprotected positions before it could act (the manager was still
        # starting): `run_deferred` runs a full one once the start is over.
        self.deferred = False

    async def audit(
        self, *, act: bool = True, policy: ProtectionPolicy | None = None
    ) -> ProtectionReport:
        """Read the exchange, assess every open position, report (callback) and act on the
        unprotected ones by the policy. `act=False` only assesses (and marks the audit
        deferred when something is unprotected). Never raises for an exchange failure: the
        report says it."""
        async with self._lock:
            exchange = self._core.exchange
            try:
                positions = await exchange.get_positions()
                open_orders = await exchange.get_open_orders()
            except ExecutionError as exc:
                logger.warning("protection audit: the exchange could not be read (%s)", exc)
                report = ProtectionReport(self._core.now_ms(), error=str(exc))
                self.last_report = report
                return report
            found = assess(positions, open_orders)
            if act:
                policy = policy or self.config.policy_value  # (the dead man's switch's)
                found = [p if p.protected else await self._act(p, policy) for p in found]
            self.deferred = not act and any(not p.protected for p in found)
            report = ProtectionReport(self._core.now_ms(), tuple(found))
            self.last_report = report
            return report

    async def _act(
        self, finding: PositionProtection, policy: ProtectionPolicy
    ) -> PositionProtection:
        logger.warning(
            "position %s %s %s is UNPROTECTED: %s of %s covered by a live stop (policy %s)",
            finding.symbol, finding.position_side.value, finding.quantity, finding.covered,
            abs(finding.quantity), policy.value,
        )
        action = ""
        try:
            if policy is ProtectionPolicy.REARM:
                action = await self._rearm(finding)
            elif policy is ProtectionPolicy.FLATTEN:
                action = await self._flatten(finding)
        except ExecutionError as exc:
            action = f"failed: {exc}"
            logger.error("protection %s of %s failed: %s", policy.value, finding.symbol, exc)
        acted = PositionProtection(
            finding.symbol, finding.position_side, finding.quantity, finding.mark_price,
            finding.covered, finding.stops, action,
        )
        self._core.callbacks.emit(UNPROTECTED_EVENT, acted)
        return acted

    async def _rearm(self, finding: PositionProtection) -> str:
        side = finding.closing_side
        price = self.config.rearm_prices.get(finding.symbol)
        mark = finding.mark_price or await read_mark(
            self._core.exchange, self._core.marks, finding.symbol)
        if price is not None and finding.position_side is not PositionSide.BOTH and (
            (side is OrderSide.SELL) != (Decimal(price) < mark)
        ):
            price = None  # hedge mode: the symbol's price protects the leg it is a stop for
        if price is None:
            distance = Decimal(self.config.rearm_distance_percent) / _HUNDRED
            price = mark * (1 - distance) if side is OrderSide.SELL else mark * (1 + distance)
        intent = OrderIntent(finding.symbol, side, OrderType.STOP_LOSS, finding.uncovered,
                             stop_price=Decimal(price), reduce_only=True,
                             position_side=finding.position_side)
        # Risk reduction: the operator's guards (max notional, open orders) do not apply.
        intent = await self._placer.validate(intent, apply_guards=False, protective=True)
        stop = await self._placer.submit(intent, tags=(REARM_TAG,))
        return f"rearmed {stop.client_order_id}"

    async def _flatten(self, finding: PositionProtection) -> str:
        closing = await self._flatten_position(finding.symbol, finding.position_side,
                                               (FLATTEN_TAG,))
        return "flattened " + ",".join(m.client_order_id for m in closing)

    async def run_deferred(self) -> None:
        """Run the full audit an earlier one had to defer (see `deferred`)."""
        if self.deferred:
            await self.audit()

    # -- scheduling -------------------------------------------------------------------------

    def schedule(self) -> None:
        """Run an audit in the background (after a stream resync)."""
        task = asyncio.ensure_future(self.audit())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def start_periodic(self) -> None:
        if self.config.interval is not None and self._task is None:
            self._task = asyncio.ensure_future(self._periodic(self.config.interval))

    async def _periodic(self, interval: float) -> None:
        while True:
            await self._core.clock.sleep(interval)
            try:
                await self.audit()
            except Exception:  # the loop must survive anything one audit meets
                logger.exception("protection audit failed")

    async def stop(self) -> None:
        """Stop the periodic audits and wait for background ones."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
