"""The kill switch: halt, cancel every order, flatten every position, and say what was done.

`panic` first halts the risk layer (no order of the caller's goes out any more), then, on
every symbol with an open order or a position on the exchange (not only the manager's
own), cancels all open orders and closes the position with reduce-only market orders.
Each step's failure is recorded and the next step still runs: a kill switch that stops
at the first error protects nothing. The report lists what was cancelled, what was sent to
close, what failed and the positions the exchange still shows at the end. In hedge mode
both legs of a symbol are closed, each on its own (a failure on one does not keep the
other open).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from execution.errors import ExecutionError
from execution.models import Position
from execution.orders.closing import close_position
from execution.orders.core import ManagerCore
from execution.orders.managed import ManagedOrder
from execution.orders.placement import OrderPlacer
from execution.risk.limits import TradingState

logger = logging.getLogger(__name__)

PANIC_TAG = "panic"


@dataclass(frozen=True)
class PanicReport:
    """What `panic` did: per symbol the orders open before (`cancelled`, client ids), the
    closing orders sent, every failure, and the positions left at the end."""

    symbols: tuple[str, ...]
    cancelled: tuple[str, ...]
    closing: tuple[ManagedOrder, ...]
    errors: tuple[str, ...]
    positions_left: tuple[Position, ...]
    state: TradingState

    @property
    def flat(self) -> bool:
        """Nothing left open: no position, and every step succeeded."""
        return not self.positions_left and not self.errors

    def summary(self) -> str:
        return (f"panic on {', '.join(self.symbols) or 'no symbol'}: {len(self.cancelled)} "
                f"order(s) cancelled, {len(self.closing)} closing order(s), "
                f"{len(self.positions_left)} position(s) left, {len(self.errors)} error(s); "
                f"trading {self.state.value}")


async def panic(
    core: ManagerCore,
    placer: OrderPlacer,
    cancel_all: Callable[[str], Awaitable[list[ManagedOrder]]],
    symbol: str | None = None,
) -> PanicReport:
    """Halt, then cancel and flatten `symbol` (None: every symbol the exchange shows)."""
    core.risk.set_state(TradingState.HALTED, "panic")
    exchange = core.exchange
    errors: list[str] = []
    symbols = {symbol} if symbol is not None else set(core.registry.symbols_with_open_orders())
    open_before: list[str] = []
    try:
        listed = await exchange.get_open_orders(symbol)
        open_before = [o.client_order_id for o in listed]
        held = [p for p in await exchange.get_positions(symbol) if p.quantity]
        if symbol is None:
            symbols.update(o.symbol for o in listed)
            symbols.update(p.symbol for p in held)
    except ExecutionError as exc:
        errors.append(f"reading the exchange: {exc}")
    closing: list[ManagedOrder] = []
    for name in sorted(symbols):
        try:
            await cancel_all(name)
        except ExecutionError as exc:
            errors.append(f"{name}: cancel all: {exc}")
        try:
            legs = {p.position_side for p in await exchange.get_positions(name) if p.quantity}
        except ExecutionError as exc:
            errors.append(f"{name}: reading the position: {exc}")
            continue
        for leg in sorted(legs, key=lambda side: side.value):  # both legs in hedge mode
            try:
                closing += await close_position(core, placer, name, cancel_all=None,
                                                position_side=leg, tags=(PANIC_TAG,))
            except ExecutionError as exc:
                errors.append(f"{name} {leg.value}: close: {exc}")
    left: list[Position] = []
    try:
        left = [p for p in await exchange.get_positions(symbol) if p.quantity]
    except ExecutionError as exc:
        errors.append(f"reading the positions after: {exc}")
    try:
        await core.risk.flush_state()  # the halt outlives this process
    except OSError as exc:
        errors.append(f"the halt is not recorded on disk ({exc}): a restart would trade again")
    report = PanicReport(tuple(sorted(symbols)), tuple(open_before), tuple(closing),
                         tuple(errors), tuple(left), core.risk.state)
    (logger.warning if report.flat else logger.error)("%s", report.summary())
    return report
