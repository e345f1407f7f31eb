"""`WatchFeed`: an order manager (its callbacks) and a mark source wired to a `WatchModel`,
and the two actions the view offers (cancel an order, flatten a symbol).

The manager's callbacks come from the user-data stream (fills, leverage changes), its
warnings (margin calls, liquidations, unprotected positions) become notices; the marks come
from the market stream (`market.marks.StreamMarks`). Nothing here draws: the app asks for
`snapshot()`.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from execution.errors import ExecutionError
from execution.models import AccountConfigUpdate
from execution.orders.managed import ManagedOrder
from execution.orders.manager import OrderManager
from execution.orders.marks import STREAM_MARK_MAX_AGE, MarkSource
from execution.orders.protection import ProtectionReport
from execution.watch.model import WatchModel, WatchSnapshot

logger = logging.getLogger(__name__)

_FILL_EVENTS = ("order_filled", "order_partially_filled")


class NoticeHandler(logging.Handler):
    """The package's warnings as notices of the view (a log line written to the terminal
    would tear through the screen)."""

    def __init__(self, model: WatchModel) -> None:
        super().__init__(logging.WARNING)
        self.model = model

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.model.notice(record.getMessage())
        except Exception:  # a logging handler must never raise
            self.handleError(record)


class WatchFeed:
    """Keeps `model` current from `manager`'s events; `attach` / `detach` register and
    remove the callbacks."""

    def __init__(
        self, manager: OrderManager, model: WatchModel | None = None,
        marks: MarkSource | None = None,
    ) -> None:
        self.manager = manager
        self.model = model or WatchModel()
        self.marks = marks
        self._callbacks: list[tuple[str, Any]] = [
            *((name, self._filled) for name in _FILL_EVENTS),
            ("account_config_updated", self._config),
        ]
        self._log_handler = NoticeHandler(self.model)

    def attach(self) -> None:
        """Register the callbacks and take the fills of the orders tracked already."""
        for name, callback in self._callbacks:
            self.manager.on(name, callback)
        logging.getLogger("execution").addHandler(self._log_handler)
        for managed in self.manager.orders:
            self.model.record_fills(managed)
        if self.marks is not None:
            for position in self.manager.positions.values():
                self.marks.follow(position.symbol)

    def detach(self) -> None:
        for name, callback in self._callbacks:
            self.manager.off(name, callback)
        logging.getLogger("execution").removeHandler(self._log_handler)

    # -- events -----------------------------------------------------------------------------

    def _filled(self, managed: ManagedOrder) -> None:
        self.model.record_fills(managed)
        if self.marks is not None:
            self.marks.follow(managed.order.symbol)

    def _config(self, update: AccountConfigUpdate) -> None:
        # (margin calls, liquidations and unprotected positions are the manager's warnings:
        # notices by the `NoticeHandler`)
        if update.symbol is not None:
            self.model.notice(f"{update.symbol} leverage now {update.leverage}x")
        elif update.multi_assets is not None:
            self.model.notice(f"multi-assets mode {'on' if update.multi_assets else 'off'}")

    # -- what the view shows ----------------------------------------------------------------

    def mark(self, symbol: str) -> Decimal | None:
        """The stream's fresh mark of `symbol` (None: no source, or stale)."""
        return None if self.marks is None else self.marks.mark(symbol, STREAM_MARK_MAX_AGE)

    def snapshot(self) -> WatchSnapshot:
        manager = self.manager
        return self.model.snapshot(
            manager.positions.values(), manager.open_orders(), manager.last_protection,
            mark=self.mark, stream_connected=manager.exchange.user_stream_connected,
        )

    # -- actions ----------------------------------------------------------------------------

    async def audit(self) -> ProtectionReport:
        """Run the protection audit (its verdicts show per position)."""
        return await self.manager.audit_protection()

    async def cancel(self, client_order_id: str) -> str:
        """Cancel one open order; what happened, as a notice."""
        try:
            managed = await self.manager.cancel_order(client_order_id)
            text = f"cancelled {client_order_id}: {managed.status.value}"
        except ExecutionError as exc:
            text = f"cancel of {client_order_id} failed: {exc}"
            logger.warning("%s", text)
        self.model.notice(text)
        return text

    async def flatten(self, symbol: str) -> str:
        """Cancel `symbol`'s open orders and close its position at market."""
        try:
            closing = await self.manager.close_position(symbol)
            filled = sum((m.filled_quantity for m in closing), Decimal(0))
            text = (f"flattened {symbol}: {len(closing)} closing orders, {filled} filled"
                    if closing else f"{symbol} was flat already")
        except ExecutionError as exc:
            text = f"flatten of {symbol} failed: {exc}"
            logger.warning("%s", text)
        self.model.notice(text)
        return text
